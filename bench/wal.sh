#!/usr/bin/env bash
# WAL per call of spend and of a milestone payout (submit_proof), on a payments table of at least
# 200 000 rows (docs/performance.md, "Hot paths"). Runs against the cluster of the environment
# (PGHOST, PGPORT, PGUSER: scripts/cluster.sh start prints them), whose kobatela.psp_webhook_secret_file
# must be set (bench/setup.sql signs webhooks); creates the database kobatela_wal, replacing it.
#
#   bench/wal.sh [CALLS]     CALLS per measurement (default 2000)
#
# Each measurement starts right after a CHECKPOINT, one client, and reads pg_stat_wal (bytes,
# records, full-page images) before and after: nothing else may write meanwhile.
set -euo pipefail
calls=${1:-2000}
db=kobatela_wal
fill_rounds=200     # x 1 000 payees: 200 000 payments made by spend before measuring

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION kobatela'
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows="$(( (calls + 999) / 1000 * 1000 ))" -d "$db" -f bench/setup.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/spend_setup.sql >/dev/null
unset PGOPTIONS
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT count(*) FROM (SELECT kobatela.spend(b.escrow_id, b.payee_ref, 1.00)
    FROM generate_series(1, $fill_rounds) r, bench.spend_payee b) s" >/dev/null
psql -X -q -d "$db" -c 'VACUUM ANALYZE'

wal() { psql -X -At -d "$db" -c "SELECT wal_bytes::bigint || ' ' || wal_records || ' ' || wal_fpi FROM pg_stat_wal"; }

# measure NAME SCRIPT: bytes, records and full-page images of WAL per call.
measure() {
  local before after
  psql -X -q -d "$db" -c CHECKPOINT
  before=$(wal)
  pgbench -n -M prepared -c 1 -t "$calls" -f "bench/$2.pgbench" "$db" >/dev/null
  after=$(wal)
  read -r b0 r0 f0 <<<"$before"
  read -r b1 r1 f1 <<<"$after"
  awk -v n="$calls" -v name="$1" -v b="$(( b1 - b0 ))" -v r="$(( r1 - r0 ))" -v f="$(( f1 - f0 ))" \
    'BEGIN { printf "%-12s %6.0f bytes %5.1f records %5.2f full-page images per call\n", name, b / n, r / n, f / n }'
}

echo "payments: $(psql -X -At -d "$db" -c 'SELECT count(*) FROM kobatela.payments'), $calls calls each"
measure spend spend
measure payout submit_proof
