#!/usr/bin/env bash
# installcheck_readme.sh — `make installcheck` against a server set up exactly as the README says,
# not as make test's own cluster is (scripts/cluster.sh adds max_prepared_transactions, pg_cron's
# settings and more, and make test installs the test-only probes):
#
#   1. Installation, From source: `make install` (as `make test` built it: KOBATELA_WERROR changes
#      only whether warnings stop the build, and a different value would rebuild every object).
#      The test-only probes library is moved out of the library directory for the run, so nothing
#      can use it, and put back afterwards.
#   2. A new cluster with initdb's defaults, started (only its port and socket directory are set,
#      to keep it private); then Load it: shared_preload_libraries = 'pg_cron,kobatela' in
#      postgresql.conf and a restart
#   3. Getting started: the pepper and the PSP secret in files only the server's user may read,
#      named with ALTER SYSTEM, and a reload
#   4. `make installcheck` (pg_regress, then isolation, run apart so that a failure of one does not
#      hide the other): one TAP line per test; every test of the Makefile's lists ran, and the
#      files plain installcheck leaves out (REGRESS_DEV) are exactly those make test runs with
#      `make installcheck-dev`
#
# Port KOBATELA_README_PORT (make test: 54348); cluster and outputs in /var/tmp/kobatela-readme-PORT.
# Step 1 changes the installed files, so it holds /tmp/kobatela-install.lock (KOBATELA_INSTALL_LOCK)
# until the probes are back. Runs on its own cluster: no PG environment needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh

port=${KOBATELA_README_PORT:-54348}
dir=/var/tmp/kobatela-readme-$port
lock=${KOBATELA_INSTALL_LOCK:-/tmp/kobatela-install.lock}
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG=$pg_config
bindir=$("$pg_config" --bindir)
libdir=$("$pg_config" --pkglibdir)
probes=koba_test_probes.so
log=$dir/suite.log

as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
show_tail() { tail -n "${2:-20}" "$1" 2>/dev/null | sed 's/^/#   /'; }

stop_server() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}
probes_moved=no
restore() {
  stop_server
  if [ "$probes_moved" = yes ]; then mv -f "$dir/$probes" "$libdir/$probes" && probes_moved=no; fi
  flock -u 9 2>/dev/null || true
}
trap restore EXIT
trap 'exit 130' INT TERM

stop_server
rm -rf "$dir"
if [ "$(id -u)" -eq 0 ]; then install -d -o postgres -g postgres -m 0700 "$dir"; else install -d -m 0700 "$dir"; fi
: >"$log"

# --- 1. make install, without the test-only probes ---------------------------------------------
exec 9>"$lock"
flock -w 1200 9 || bail_out "got $lock within 20 minutes"
if make -s install >>"$log" 2>&1; then ok "make install"; else not_ok "make install"; show_tail "$log"; fi
if [ -e "$libdir/$probes" ]; then
  mv "$libdir/$probes" "$dir/$probes" && probes_moved=yes
fi
check "no test-only library is installed ($libdir/$probes)" test ! -e "$libdir/$probes"

# --- 2. A server with initdb's defaults; preload pg_cron and kobatela; restart -----------------
as_owner "$bindir/initdb" -D "$dir/data" -U postgres >>"$log" 2>&1 || bail_out "initdb (log: $log)"
cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
CONF
export PGHOST=$dir PGPORT=$port PGUSER=postgres
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >>"$log" 2>&1 \
  || { show_tail "$dir/server.log"; bail_out "the new server starts"; }
ok "a new server with initdb's defaults starts (port $port)"
check_eq "it preloads nothing yet" "" "$(q -d postgres -c 'SHOW shared_preload_libraries' 2>&1)"

echo "shared_preload_libraries = 'pg_cron,kobatela'" >>"$dir/data/postgresql.conf"
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart >>"$log" 2>&1 \
  || { show_tail "$dir/server.log"; bail_out "the server restarts with pg_cron and kobatela preloaded"; }
check_eq "after the restart it preloads pg_cron and kobatela" "pg_cron,kobatela" \
  "$(q -d postgres -c 'SHOW shared_preload_libraries' 2>&1)"
check_eq "only the README's settings differ from initdb's (no prepared transactions, pg_cron's defaults)" \
  "0 postgres off" \
  "$(q -d postgres -c "SELECT current_setting('max_prepared_transactions'), current_setting('cron.database_name'), current_setting('cron.use_background_workers')" -F' ' 2>&1)"

# --- 3. Getting started: the secret files --------------------------------------------------------
as_owner sh -c 'umask 077 && openssl rand -hex 32 > "$1/kobatela-pepper" && echo whsec_test > "$1/kobatela-psp-secret"' sh "$dir/data"
q -d postgres -c "ALTER SYSTEM SET kobatela.api_key_pepper_file = '$dir/data/kobatela-pepper'" \
  -c "ALTER SYSTEM SET kobatela.psp_webhook_secret_file = '$dir/data/kobatela-psp-secret'" \
  -c 'SELECT pg_reload_conf()' >>"$log" 2>&1
check "Getting started: createdb shop, CREATE EXTENSION kobatela" \
  q -d postgres -c 'CREATE DATABASE shop' -c '\c shop' -c 'CREATE EXTENSION kobatela'
configured=
# pg_cron is preloaded, as the README's line for scheduled jobs says, but not created yet (its own
# section comes later, and make installcheck expects it so): the one problem health() reports.
for _ in $(seq 50); do   # pg_reload_conf() is asynchronous: a new session once the server has it
  configured=$(q -d shop -c "SELECT concat_ws(' ', h ->> 'status', h ->> 'api_key_pepper_configured', h ->> 'psp_secret_configured',
                                   jsonb_array_length(h -> 'problems'), (h -> 'problems' ->> 0) LIKE 'pg_cron %')
                             FROM kobatela.health() h" 2>&1)
  [ "$configured" = "warning true true 1 t" ] && break
  sleep 0.1
done
check_eq "Getting started: health() has the pepper and the PSP secret configured; its one problem is pg_cron, not created yet" \
  "warning true true 1 t" "$configured"

# --- 4. make installcheck --------------------------------------------------------------------------
# The Makefile's lists, as make sees them.
regress=$(make_var REGRESS 2>>"$log")
regress_dev=$(make_var REGRESS_DEV 2>>"$log")
isolation=$(make_var ISOLATION 2>>"$log")
all_files=$(ls test/sql/*.sql | xargs -n1 basename | sed 's/\.sql$//' | sort | paste -sd' ')
check_eq "plain installcheck and installcheck-dev together run every file of test/sql, once" "$all_files" \
  "$(printf '%s\n' $regress $regress_dev | sort | paste -sd' ')"
check "make test runs make installcheck-dev" grep -qE '^make -s installcheck-dev' scripts/run_tests.sh

# Runs one kind of test; prints one TAP line per test the Makefile lists (not run: not ok).
run_kind() {
  local what=$1 names=$2 out=$3; shift 3
  make -s installcheck "$@" >"$out" 2>&1
  local name ran=0
  for name in $names; do
    if grep -qE "^(test| ) *$name +\.\.\. ok( |$)" "$out"; then
      ok "$what $name"
    elif grep -qE "^(test| ) *$name +\.\.\. " "$out"; then
      not_ok "$what $name"
    else
      not_ok "$what $name (did not run)"
    fi
  done
  grep -qE '^ *(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "$out" || show_tail "$out"
}
run_kind "installcheck (pg_regress):" "$regress" "$dir/regress.log" \
  ISOLATION= REGRESS_OUTPUTDIR="$dir/regress"
[ -s "$dir/regress/regression.diffs" ] && head -c 6000 "$dir/regress/regression.diffs" | sed 's/^/#   /'
run_kind "installcheck (isolation):" "$isolation" "$dir/isolation.log" \
  REGRESS= ISOLATION_OUTPUTDIR="$dir/isolation"
[ -s "$dir/isolation/regression.diffs" ] && head -c 6000 "$dir/isolation/regression.diffs" | sed 's/^/#   /'

stop_server
restore
check "the test-only probes are back where make test installed them" \
  bash -c '[ ! -e "$1" ] || [ -e "$2" ]' _ "$dir/$probes" "$libdir/$probes"

done_testing
