#!/usr/bin/env bash
# What the audit trigger costs: single-row INSERT throughput into a table shaped like
# kobatela.alerts without a trigger, with kobatela.audit_row() (C++, hash-chained), and with the
# common PL/pgSQL to_jsonb audit trigger, measured alternately on one throwaway cluster in one
# run, reported as ratios to the plain insert; then the time each trigger itself spends per row
# (EXPLAIN ANALYZE of a bulk insert: no commit, client or WAL flush in it). Writes
# bench/results/audit.md.
#
#   BENCH_SECONDS (default 10)   length of each pgbench run
#   BENCH_CLIENTS (default "1 8")
#   BENCH_ROUNDS  (default 3)    rounds of (plain, koba, peer) per client count: TPS averaged,
#                                ratio = median of the rounds' ratios
#   BENCH_SKIP_INSTALL=1, BENCH_RESULTS (default bench/results): as in bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1 8}
rounds=${BENCH_ROUNDS:-3}
port=${KOBATELA_AUDIT_BENCH_PORT:-54333}
name=${KOBATELA_AUDIT_BENCH_NAME:-audit-bench}   # not "bench": make bench (bench/run.sh) may run beside this one
db=kobatela_bench
out=$results/audit.md

bench_cluster "$name" "$port"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/audit_setup.sql >/dev/null

mkdir -p "$results"
{
  echo "# Audit trigger benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version'), $(nproc) cores," \
       "${seconds} s per run after a CHECKPOINT, $rounds rounds of (no trigger, audit_row, PL/pgSQL) per" \
       "client count, pgbench -n -M prepared, synchronous_commit on. Single-row INSERT into a table shaped" \
       "like kobatela.alerts (bench/audit_insert_*.pgbench). TPS: mean of the rounds; ratio: median of the" \
       "rounds' ratios to the no-trigger run of the same round."
  echo
  echo "| clients | no trigger TPS | kobatela.audit_row TPS | ratio | PL/pgSQL to_jsonb TPS | ratio |"
  echo "|---|---|---|---|---|---|"
} >"$out"
for c in $clients; do
  plain=() koba=() peer=() koba_r=() peer_r=()
  for _ in $(seq "$rounds"); do
    plain+=("$(tps "$c" -f bench/audit_insert_plain.pgbench)")
    koba+=("$(tps "$c" -f bench/audit_insert_koba.pgbench)")
    peer+=("$(tps "$c" -f bench/audit_insert_peer.pgbench)")
    koba_r+=("$(ratio "${koba[-1]}" "${plain[-1]}")")
    peer_r+=("$(ratio "${peer[-1]}" "${plain[-1]}")")
    echo "  $c client(s): no trigger ${plain[-1]}  audit_row ${koba[-1]} (${koba_r[-1]})  plpgsql ${peer[-1]} (${peer_r[-1]})" >&2
  done
  echo "| $c | $(printf '%s\n' "${plain[@]}" | mean) | $(printf '%s\n' "${koba[@]}" | mean) |" \
       "$(printf '%s\n' "${koba_r[@]}" | median) | $(printf '%s\n' "${peer[@]}" | mean) |" \
       "$(printf '%s\n' "${peer_r[@]}" | median) |" >>"$out"
done
# The triggers' own time per row, without commits, clients or WAL flushes in the way: EXPLAIN
# ANALYZE of one 20 000-row INSERT ... SELECT reports the time spent in each trigger (median of 5).
trigger_us() {  # trigger_us TABLE -> microseconds per row
  psql -X -q -At -d "$db" -c "EXPLAIN (ANALYZE, COSTS OFF) INSERT INTO $1 (type, message, payload)
    SELECT 'UNAUTHORIZED_TRANSFER_ATTEMPT', 'Receiver is not allowlisted or certified.',
           jsonb_build_object('sender_id', i, 'attempted_receiver_id', i + 1000, 'amount', '150.00', 'currency', 'EUR')
    FROM generate_series(1, 20000) i" \
    | sed -n 's/^ *Trigger [a-z_]*: time=\([0-9.]*\) calls=\([0-9]*\)$/\1 \2/p' | awk '{ printf "%.1f", $1 * 1000 / $2 }'
}
koba_us=() peer_us=()
for _ in 1 2 3 4 5; do
  koba_us+=("$(trigger_us bench.alerts_koba)")
  peer_us+=("$(trigger_us peer.alerts)")
done
echo "  trigger time per row: audit_row ${koba_us[*]} us, plpgsql ${peer_us[*]} us" >&2
{
  echo
  echo "Time spent in the trigger per row (EXPLAIN ANALYZE of a 20 000-row INSERT ... SELECT, median of 5):" \
       "kobatela.audit_row $(printf '%s\n' "${koba_us[@]}" | median) µs," \
       "PL/pgSQL to_jsonb $(printf '%s\n' "${peer_us[@]}" | median) µs."
} >>"$out"
# The chain the benchmark wrote must verify (it is one more check of the concurrent lanes).
echo >>"$out"
echo "verify_audit_chain() after the run: $(psql -X -At -d "$db" -c 'SELECT kobatela.verify_audit_chain()')," \
     "$(psql -X -At -d "$db" -c 'SELECT count(*) FROM kobatela.audit_log') audit rows in" \
     "$(psql -X -At -d "$db" -c 'SELECT count(DISTINCT lane) FROM kobatela.audit_log') lanes." >>"$out"
cat "$out"
