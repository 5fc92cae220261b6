#!/usr/bin/env bash
# crash.sh — the books survive a crash. On a throwaway cluster, clients spend to payees, buy under
# mandates, prove milestones (each paid out at once) and deliver signed PSP webhooks, concurrently
# (the benchmark's scripts); the server is killed in the middle (pg_ctl stop -m immediate: no
# checkpoint, no clean shutdown, as a power cut), started again (WAL recovery), and then:
# check_invariants() is empty (every cent held, paid out, refunded or to be repaid, every counter
# its rows' sum), the audit chain verifies, and the API works again. Prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
cd "$here/../.."

name=ops-crash
port=54344
db=kobatela_bench
dir=/var/tmp/kobatela-$name
work=$(mktemp -d)
trap 'scripts/cluster.sh stop "$name" >/dev/null 2>&1; rm -rf "$work"' EXIT

eval "$(scripts/cluster.sh start "$name" "$port")" || bail_out "the crash cluster starts"
export PGHOST PGPORT PGUSER
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null || bail_out "creates $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION kobatela' >/dev/null || bail_out "creates the extension"
echo 'bench-psp-secret' | scripts/cluster.sh secret "$name" psp_webhook_secret >/dev/null
export PGOPTIONS='-c client_min_messages=warning'
setup() {
  psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows=2000 -d "$db" -f bench/setup.sql >/dev/null &&
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/spend_setup.sql >/dev/null
}
check "the workload's data is loaded through the API (bench/setup.sql, bench/spend_setup.sql)" setup
unset PGOPTIONS
check_eq "the books hold before the crash" "0" "$(q -d "$db" -c 'SELECT count(*) FROM kobatela.check_invariants()')"

loaded=$(q -d "$db" -c 'SELECT count(*) FROM kobatela.payments')
# The four money paths at once, 8 clients, for longer than the server lives.
pgbench -n -c 8 -j 2 -T 30 -f bench/spend.pgbench -f bench/create_purchase.pgbench \
  -f bench/submit_proof.pgbench -f bench/psp_webhook.pgbench "$db" >"$work/pgbench.log" 2>&1 &
load=$!
sleep 3
before=$(q -d "$db" -c 'SELECT count(*) FROM kobatela.payments')
pg_ctl_bin=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir)/pg_ctl
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
kill_server() { as_owner "$pg_ctl_bin" -D "$dir/data" -m immediate stop >/dev/null; }
check "the server is killed under load (pg_ctl stop -m immediate)" kill_server
wait "$load"
check "the clients lost their connections (the load did not just finish)" grep -q 'terminat\|connection\|server closed' "$work/pgbench.log"
check "money moved under load before the crash (payments: $loaded loaded, ${before:-?} at the crash)" \
  test "${before:-0}" -gt "${loaded:-0}"

# The same data directory started again (scripts/cluster.sh start would make a new cluster).
as_owner "$pg_ctl_bin" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null || bail_out "the server starts again"
check "the server recovered from its WAL" grep -q 'database system was not properly shut down' "$dir/server.log"
check_eq "the books hold after recovery: check_invariants() is empty" "" \
  "$(q -d "$db" -c "SELECT rule || ': ' || array_to_string(ids, ',') FROM kobatela.check_invariants()")"
check_eq "the audit chain verifies" "t" "$(q -d "$db" -c 'SELECT kobatela.verify_audit_chain()')"
after_spend() {
  q -d "$db" -c "SELECT (kobatela.spend(b.escrow_id, b.payee_ref, 1.00, NULL, 'after-crash')).status FROM bench.spend_payee b WHERE b.n = 1" \
    | grep -qx SENT
}
check "a spend works after recovery" after_spend
check_eq "... and the books still hold" "0" "$(q -d "$db" -c 'SELECT count(*) FROM kobatela.check_invariants()')"
done_testing
