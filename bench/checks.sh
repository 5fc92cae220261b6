#!/usr/bin/env bash
# What the CHECK constraints of the tables the hot paths write cost (docs/performance.md, "CHECK
# constraints"): the same database twice on the cluster of the environment (PGHOST, PGPORT,
# PGUSER; kobatela.psp_webhook_secret_file set to a file holding bench-psp-secret), one as installed
# and one whose CHECKs on those tables are dropped, then for each script and round a 10 s run on
# each, alternately, right after a CHECKPOINT. Prints each round's TPS and the median ratio.
#
#   bench/checks.sh [ROUNDS] [SECONDS] [CLIENTS] [SCRIPTS]
#
# CHECKS_AS_060=1 (after the change to domains): the second database has 0.6.0's CHECKs instead
# of nothing (bench/checks_060.sql), so the ratio is domains / CHECKs.
# PGOPTIONS='-c synchronous_commit=off' measures CPU only (no wait for the WAL flush, whose latency
# drifts on a shared disk).
set -euo pipefail
rounds=${1:-5}
seconds=${2:-10}
clients=${3:-1}
scripts=${4:-spend create_purchase escrow_deposit psp_webhook}
tables="payments escrow_agreements escrow_deposits purchases usage_mandates allowed_payees escrow_events psp_webhook_events"
source bench/lib.sh

# make_db NAME: the benchmark's data (bench/setup.sql, bench/spend_setup.sql), and 1 000 escrows to deposit into.
make_db() {
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c 'CREATE EXTENSION kobatela'
  PGOPTIONS='-c client_min_messages=warning' \
    psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows=1000 -d "$1" -f bench/setup.sql >/dev/null
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f bench/spend_setup.sql >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
CREATE SEQUENCE bench.deposit_seq;
CREATE TABLE bench.deposit_escrow (n int PRIMARY KEY, escrow_id bigint NOT NULL);
INSERT INTO bench.deposit_escrow
SELECT n, (kobatela.create_escrow(n, n + 1000, 1000000000.00, 'USD', '{}', now() + interval '10 years')).id
FROM generate_series(1, 1000) n;
SQL
  psql -X -q -d "$1" -c 'VACUUM ANALYZE'
}

# drop_checks DB: every CHECK constraint of $tables, and their columns' domains (sql/types.sql: each
# column back to the domain's base type; the ledger view, which reads some of them, is dropped).
drop_checks() {
  local regclasses
  regclasses=$(printf "'kobatela.%s'::regclass," $tables | sed 's/,$//')
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -At -c "
    SELECT 'ALTER EXTENSION kobatela DROP VIEW kobatela.ledger; DROP VIEW kobatela.ledger;'
    WHERE EXISTS (SELECT FROM pg_class WHERE oid = 'kobatela.ledger'::regclass AND
                  EXISTS (SELECT FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                          WHERE t.typtype = 'd' AND a.attrelid = ANY (ARRAY[$regclasses])))
    UNION ALL
    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname) FROM pg_constraint
    WHERE contype = 'c' AND conrelid = ANY (ARRAY[$regclasses])
    UNION ALL
    SELECT format('ALTER TABLE %s ALTER COLUMN %I TYPE %s;', a.attrelid::regclass, a.attname,
                  format_type(t.typbasetype, t.typtypmod))
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = ANY (ARRAY[$regclasses]) AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'd'" \
    | psql -X -q -v ON_ERROR_STOP=1 -d "$1"
}

# CHECKS_REUSE=1: both databases are those of an earlier run (e.g. made by another version).
with=kobatela_checks
without=kobatela_nochecks
if [ "${CHECKS_REUSE:-0}" != 1 ]; then
  make_db "$with"
  make_db "$without"
  drop_checks "$without"
  # CHECKS_AS_060=1: the second database gets 0.6.0's CHECKs back, for domains against CHECKs.
  if [ "${CHECKS_AS_060:-0}" = 1 ]; then psql -X -q -v ON_ERROR_STOP=1 -d "$without" -f bench/checks_060.sql; fi
fi
count() { psql -X -At -d "$1" -c "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND connamespace = 'kobatela'::regnamespace"; }
domains() { psql -X -At -d "$1" -c "SELECT count(*) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE t.typtype = 'd' AND a.attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'kobatela'::regnamespace AND relkind = 'r')"; }
echo "$with: $(count "$with") CHECKs, $(domains "$with") columns of a domain; $without: $(count "$without") CHECKs, $(domains "$without") columns of a domain"
echo "PGOPTIONS: ${PGOPTIONS:-}"

for s in $scripts; do
  ratios=""
  for r in $(seq "$rounds"); do
    db=$with; on=$(tps "$clients" -f "bench/$s.pgbench")
    db=$without; off=$(tps "$clients" -f "bench/$s.pgbench")
    ratios="$ratios $(ratio "$on" "$off")"
    echo "$s round $r: with $on TPS, without $off TPS"
  done
  echo "$s, $clients client(s): with / without, median of $rounds: $(echo "$ratios" | median) (rounds:$ratios)"
done
