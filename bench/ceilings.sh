#!/usr/bin/env bash
# `make bench-ceilings`: how far the two performance targets are from what PostgreSQL itself costs on
# this machine, measured on one throwaway cluster in one run (docs/performance.md, "Ceilings"):
#
#   1. Audit floors. A single-row INSERT (bench/audit_insert_plain.pgbench) against the same INSERT
#      with kobatela.audit_row(), with the PL/pgSQL to_jsonb trigger, and with a second row written by
#      the statement itself, no trigger at all: an audit-like row under one index
#      (bench/audit_floor_row.pgbench), and an 8-byte row without index (bench/audit_floor_min.pgbench).
#      Ratios to the plain insert of the same round. Issue 3 asks audit_row for >= 0.9. Then the
#      plain insert and audit_row again after bench/ceiling_audit_one_index.sql leaves audit_log only
#      the B-tree its chain needs, (lane, seq): what fewer index entries per audit row would give.
#   2. Spend ceiling. kobatela.spend against its PL/pgSQL peer, first as shipped, then after
#      bench/ceiling_strip.sql (no CHECK, foreign key or index beyond the peer's on the tables spend
#      writes; the audit triggers kept), then after bench/ceiling_strip_audit.sql too (no audit
#      trigger either). Ratios spend / peer of the same round. Issue 5 asks >= 1.2.
#
# Writes bench/results/ceilings.md, and with BENCH_DOCS=1 the table in docs/performance.md between its
# <!-- ceilings:begin/end --> markers.
#
#   BENCH_SECONDS (default 10), BENCH_CLIENTS (default "1 8"), BENCH_ROUNDS (default 5): TPS are the
#   mean of the rounds, ratios the median of the rounds' ratios. BENCH_SKIP_INSTALL=1 and BENCH_RESULTS
#   as in bench/run.sh.
#   KOBATELA_CEILINGS_BENCH_PORT (default 54334), KOBATELA_CEILINGS_BENCH_NAME (default ceilings-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1 8}
rounds=${BENCH_ROUNDS:-5}
port=${KOBATELA_CEILINGS_BENCH_PORT:-54334}
name=${KOBATELA_CEILINGS_BENCH_NAME:-ceilings-bench}
out=$results/ceilings.md
doc=docs/performance.md
audit_db=kobatela_audit_bench spend_db=kobatela_bench

db=$spend_db
bench_cluster "$name" "$port"
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -d "$spend_db" -f bench/spend_setup.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$spend_db" -f bench/peer_spend.sql >/dev/null
# The audit tables in a database of their own: both setups create a schema "peer".
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $audit_db"
psql -X -q -v ON_ERROR_STOP=1 -d "$audit_db" -c 'CREATE EXTENSION kobatela' \
  -f bench/audit_setup.sql -f bench/audit_floor_setup.sql >/dev/null
unset PGOPTIONS
psql -X -q -d "$spend_db" -c 'VACUUM ANALYZE'

# rounds_of CLIENTS SCRIPT... : $rounds rounds of the scripts in turn, after a 2 s warm-up of each (the
# first run of a cold backend otherwise loses up to half). Sets tps_of[SCRIPT] (mean TPS) and
# ratio_of[SCRIPT] (median over the rounds of its TPS / the first script's TPS of the same round).
declare -A tps_of ratio_of
rounds_of() {
  local c=$1; shift
  local s t first r
  local -A all rat
  for s in "$@"; do pgbench -n -M prepared -T 2 -c "$c" -j "$(( c < 2 ? 1 : 2 ))" -f "$s" "$db" >/dev/null 2>&1 || true; done
  for r in $(seq "$rounds"); do
    first=""
    for s in "$@"; do
      t=$(tps "$c" -f "$s")
      first=${first:-$t}
      all[$s]+=" $t" rat[$s]+=" $(ratio "$t" "$first")"
    done
    echo "  $c client(s), round $r:$(for s in "$@"; do printf ' %s %s' "$(basename "$s" .pgbench)" "${all[$s]##* }"; done)" >&2
  done
  for s in "$@"; do tps_of[$s]=$(mean <<<"${all[$s]}"); ratio_of[$s]=$(median <<<"${rat[$s]}"); done
}

audit_scripts="bench/audit_insert_plain.pgbench bench/audit_insert_koba.pgbench bench/audit_insert_peer.pgbench
               bench/audit_floor_row.pgbench bench/audit_floor_min.pgbench"
declare -A audit_row shipped stripped bare
db=$audit_db
for c in $clients; do
  # shellcheck disable=SC2086   # the list splits into scripts
  rounds_of "$c" $audit_scripts
  audit_row[$c]="| $c | $(group "${tps_of[bench/audit_insert_plain.pgbench]}")"
  for s in $audit_scripts; do
    [ "$s" = bench/audit_insert_plain.pgbench ] || audit_row[$c]+=" | ${ratio_of[$s]}"
  done
done
psql -X -q -v ON_ERROR_STOP=1 -d "$audit_db" -f bench/ceiling_audit_one_index.sql
for c in $clients; do
  rounds_of "$c" bench/audit_insert_plain.pgbench bench/audit_insert_koba.pgbench
  audit_row[$c]+=" | ${ratio_of[bench/audit_insert_koba.pgbench]} |"
done

db=$spend_db
for c in $clients; do
  rounds_of "$c" bench/peer_spend.pgbench bench/spend.pgbench
  shipped[$c]="${ratio_of[bench/spend.pgbench]}"
done
psql -X -q -v ON_ERROR_STOP=1 -d "$spend_db" -f bench/ceiling_strip.sql
for c in $clients; do
  rounds_of "$c" bench/peer_spend.pgbench bench/spend.pgbench
  stripped[$c]="${ratio_of[bench/spend.pgbench]}"
done
psql -X -q -v ON_ERROR_STOP=1 -d "$spend_db" -f bench/ceiling_strip_audit.sql
for c in $clients; do
  rounds_of "$c" bench/peer_spend.pgbench bench/spend.pgbench
  bare[$c]="${ratio_of[bench/spend.pgbench]} | $(group "${tps_of[bench/peer_spend.pgbench]}") | $(group "${tps_of[bench/spend.pgbench]}")"
done

mkdir -p "$results"
{
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version' | sed 's/ .*//'), $(nproc) cores," \
       "${seconds} s per run after a CHECKPOINT, $rounds rounds, pgbench -M prepared, synchronous_commit on" \
       "(TPS: mean of the rounds; ratios: median of the rounds' ratios)."
  echo
  echo "Audit floors, single-row INSERT; ratios to the INSERT alone (target for audit_row: 0.9):"
  echo
  echo "| clients | INSERT alone TPS | + kobatela.audit_row | + PL/pgSQL to_jsonb trigger | + audit-like row, 1 index, no trigger | + 8-byte row, no index, no trigger | + audit_row, audit_log with only its (lane, seq) index |"
  echo "|---|---|---|---|---|---|---|"
  for c in $clients; do echo "${audit_row[$c]}"; done
  echo
  echo "Spend ceiling, spend / peer (target: 1.2):"
  echo
  echo "| clients | as shipped | no CHECK, foreign key or extra index; audit kept | nor audit trigger | peer TPS, no-audit run | spend TPS, no-audit run |"
  echo "|---|---|---|---|---|---|"
  for c in $clients; do echo "| $c | ${shipped[$c]} | ${stripped[$c]} | ${bare[$c]} |"; done
} >"$out"
if [ "${BENCH_DOCS:-0}" = 1 ]; then fill "$doc" ceilings "$out"; echo "Updated $doc." >&2; fi
cat "$out"
