#!/usr/bin/env bash
# Whether Kobatela can serve (src/context/readiness.hpp), and secrets kept out of the server's log:
#   * without kobatela in shared_preload_libraries, every call fails with LIBRARY_NOT_PRELOADED and
#     a hint, and health() says so (a throwaway cluster that preloads pg_cron only);
#   * a database whose extension is older than the library (0.3.0 here) refuses calls with
#     EXTENSION_VERSION_MISMATCH until ALTER EXTENSION kobatela UPDATE, and health() says so;
#   * the procedure the docs give for a secret (a file, ALTER SYSTEM SET kobatela.*_file, reload)
#     puts the path in the log, never the secret (scripts/run_tests.sh then scans the whole log for
#     the marker).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

# ---- not preloaded --------------------------------------------------------------------------------
main_host=$PGHOST main_port=$PGPORT
port=54337
if env=$(KOBATELA_PRELOAD=pg_cron scripts/cluster.sh start nopreload "$port"); then
  trap 'scripts/cluster.sh stop nopreload >/dev/null 2>&1' EXIT
  eval "$env"
  q -d postgres -c "CREATE EXTENSION kobatela" >/dev/null
  out=$(q -d postgres -c "SELECT kobatela.create_user('np', 'np@example.com')" 2>&1)
  check "without preloading, a call fails with LIBRARY_NOT_PRELOADED" grep -q 'LIBRARY_NOT_PRELOADED' <<<"$out"
  check "... saying how to fix it" grep -q 'shared_preload_libraries' <<<"$out"
  check_eq "... and writes nothing" 0 "$(q -d postgres -c "SELECT count(*) FROM kobatela.users")"
  check_eq "health() answers, with status error" "error" "$(q -d postgres -c "SELECT kobatela.health() ->> 'status'")"
  check "... and the problem" grep -q 'shared_preload_libraries' <<<"$(q -d postgres -c "SELECT kobatela.health() ->> 'problem'")"
  out=$(q -d postgres -c "SELECT kobatela.current_scope()" 2>&1)
  check "even the identity functions refuse" grep -q 'LIBRARY_NOT_PRELOADED' <<<"$out"
  scripts/cluster.sh stop nopreload >/dev/null 2>&1
  trap - EXIT
else
  not_ok "a cluster without kobatela preloaded starts (port $port)"
fi
export PGHOST=$main_host PGPORT=$main_port

# ---- the library is newer than the database's extension ------------------------------------------
db=kobatela_readiness
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
q -d "$db" -c "CREATE EXTENSION kobatela VERSION '0.3.0'" >/dev/null
out=$(q -d "$db" -c "SELECT kobatela.create_user('vm', 'vm@example.com')" 2>&1)
check "a 0.3.0 database refuses calls with EXTENSION_VERSION_MISMATCH" grep -q 'EXTENSION_VERSION_MISMATCH' <<<"$out"
check "... naming both versions and the fix" grep -q "ALTER EXTENSION kobatela UPDATE" <<<"$out"
check_eq "health() says error, with both versions" "error 0.3.0" \
  "$(q -d "$db" -c "SELECT h ->> 'status' || ' ' || (h ->> 'version') FROM kobatela.health() h")"
q -d "$db" -c "ALTER EXTENSION kobatela UPDATE" >/dev/null
check_eq "after ALTER EXTENSION kobatela UPDATE, calls are served" "vm" \
  "$(q -d "$db" -c "SELECT username FROM kobatela.create_user('vm', 'vm@example.com')")"
# (0.9.0: "warning" may follow, for what needs an operator here, e.g. secrets not configured)
check_eq "... and health() no longer says error, nor the problem" "t" \
  "$(q -d "$db" -c "SELECT h ->> 'status' IN ('ok', 'warning') AND NOT h ? 'problem' FROM kobatela.health() h")"
q -d postgres -c "DROP DATABASE $db" >/dev/null

# ---- a secret set up as the docs say stays out of the log ----------------------------------------
secret_file=$(q -d postgres -c "SHOW data_directory")/kobatela-readiness-psp
q -d postgres -c "COPY (SELECT 'whsec-SECRETMARKER-reload') TO PROGRAM 'umask 077 && cat > ''$secret_file'''" >/dev/null
q -d postgres -c "ALTER SYSTEM SET kobatela.psp_webhook_secret_file = '$secret_file'" -c "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 50); do
  [ "$(q -d postgres -c "SHOW kobatela.psp_webhook_secret_file")" = "$secret_file" ] && break
  sleep 0.1
done
check_eq "ALTER SYSTEM SET kobatela.psp_webhook_secret_file and a reload: the secret is configured" "true" \
  "$(q -d postgres -c "CREATE EXTENSION IF NOT EXISTS kobatela" -c "SELECT kobatela.health() ->> 'psp_secret_configured'")"
q -d postgres -c "ALTER SYSTEM RESET kobatela.psp_webhook_secret_file" -c "SELECT pg_reload_conf()" -c "DROP EXTENSION kobatela" >/dev/null
log=$PGHOST/server.log   # scripts/cluster.sh: the socket directory is the cluster's directory
if [ -f "$log" ]; then
  sleep 0.5
  check "the reload logged the path of the secret file" grep -q "kobatela.psp_webhook_secret_file.*kobatela-readiness-psp" "$log"
  check_eq "... and never the secret" 0 "$(grep -c 'SECRETMARKER-reload' "$log")"
fi

done_testing
