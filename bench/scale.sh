#!/usr/bin/env bash
# `make bench-scale` (or `make bench BENCH_SCALE="..."`): whether the cost of a call stays flat as the
# books grow. On one throwaway cluster, for each size in turn (ascending), fills kobatela.payments up
# to that many rows by calling kobatela.spend in bulk (the audit log grows with them, as the API
# writes it: 4 records per spend with the 0.6.0 writer), timed; then measures spend and psp_webhook
# at 1 client (bench/spend.pgbench, bench/psp_webhook.pgbench), each run right after a TPC-B-like run
# whose tables do not grow. Runs are a fixed number of transactions rather than a time, so that the
# measurement itself adds few payments (rounds x BENCH_SCALE_CALLS spends per size, reported); and
# synchronous_commit is off by default, so that the cost measured is the call's, not the disk's flush
# latency, which drifts more than the 10 % looked for (BENCH_SCALE_SYNC=on keeps it on). The cost per
# call relative to the smallest size is the median TPS of the rounds at the smallest size divided by
# the same at this size: 1.00 is flat, 1.10 is 10 % dearer; the ratio to the TPC-B-like run before
# each (median) is shown beside it, to tell the machine's drift from the call's. Writes
# bench/results/scale.md and scale.dat; with BENCH_DOCS=1 (default), the table in
# docs/performance.md between <!-- bench-scale:begin/end --> and the chart docs/bench_scale.png
# (bench/scale_chart.gp).
#
#   BENCH_SCALE       (default "10000 100000 1000000")   payments rows to fill up to, ascending
#   BENCH_SCALE_CALLS (default 2000)   transactions per run; BENCH_ROUNDS (default 5); 1 client
#   BENCH_SCALE_SYNC  (default off)    synchronous_commit of the measured runs
#   BENCH_SKIP_INSTALL=1, BENCH_RESULTS: as in bench/run.sh
#   KOBATELA_SCALE_BENCH_PORT (default 54335), KOBATELA_SCALE_BENCH_NAME (default scale-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

sizes=${BENCH_SCALE:-10000 100000 1000000}
transactions=${BENCH_SCALE_CALLS:-2000}   # tps (bench/lib.sh) runs this many per client
rounds=${BENCH_ROUNDS:-5}
sync=${BENCH_SCALE_SYNC:-off}
docs=${BENCH_DOCS:-1}
port=${KOBATELA_SCALE_BENCH_PORT:-54335}
name=${KOBATELA_SCALE_BENCH_NAME:-scale-bench}
db=kobatela_bench
out=$results/scale.md data=$results/scale.dat
doc=docs/performance.md chart=docs/bench_scale.png
calls="spend psp_webhook"

if [ "$docs" = 1 ]; then ensure_gnuplot || true; fi
bench_cluster "$name" "$port"
echo 'bench-psp-secret' | scripts/cluster.sh secret "$name" psp_webhook_secret
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows=1000 -d "$db" -f bench/setup.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/spend_setup.sql >/dev/null
unset PGOPTIONS
pgbench -q -i -s 1 "$db" >/dev/null 2>&1
count() { psql -X -At -d "$db" -c "SELECT count(*) FROM kobatela.$1"; }

mkdir -p "$results"
declare -A rel first firstb relb
rows=""
: >"$data.new"
for size in $sizes; do
  read -r made took < <(fill_by_spend "SELECT count(*) FROM kobatela.payments" "$size")
  psql -X -q -d "$db" -c 'VACUUM ANALYZE'
  p0=$(count payments) a0=$(count audit_log)
  echo "  $size: $made spends in $took s; payments $p0, audit_log $a0" >&2
  declare -A tp=() rt=()
  export PGOPTIONS="-c synchronous_commit=$sync"
  for s in $calls; do pgbench -n -M prepared -t 500 -f "bench/$s.pgbench" "$db" >/dev/null 2>&1 || true; done
  for r in $(seq "$rounds"); do
    for s in $calls; do
      b=$(tps 1); t=$(tps 1 -f "bench/$s.pgbench")
      tp[$s]+=" $t" rt[$s]+=" $(ratio "$t" "$b")"
      echo "  $size, round $r: $s $t ($(ratio "$t" "$b") of TPC-B-like $b)" >&2
    done
  done
  unset PGOPTIONS
  line="| $(group "$size") | $(group "$made") in $took s | $(group "$p0") → $(group "$(count payments)") | $(group "$a0") → $(group "$(count audit_log)") |"
  dat="$size $p0 $a0"
  for s in $calls; do
    m=$(median <<<"${tp[$s]}") mb=$(median <<<"${rt[$s]}")
    first[$s]=${first[$s]:-$m} firstb[$s]=${firstb[$s]:-$mb}
    rel[$size:$s]=$(ratio "${first[$s]}" "$m") relb[$s]+=" $(ratio "${firstb[$s]}" "$mb")"
    us=$(awk -v t="$m" 'BEGIN { printf "%.0f", 1e6 / t }')
    line+=" $(group "${m%.*}") | $us | $mb | ${rel[$size:$s]} |"
    dat+=" ${m%.*} ${rel[$size:$s]}"
  done
  for s in $calls; do dat+=" ${relb[$s]##* }"; done
  rows+="$line"$'\n'
  echo "$dat" >>"$data.new"
done
mv "$data.new" "$data"

flat() {   # flat CALL: whether every size is within 10 % of the smallest
  local s=$1 worst=1 size
  for size in $sizes; do worst=$(awk -v a="$worst" -v b="${rel[$size:$s]}" 'BEGIN { d = b > 1 ? b : 1 / b; print (d > a ? d : a) }'); done
  awk -v w="$worst" 'BEGIN { printf "%s (largest change %+.0f %%)", (w <= 1.10 ? "within 10 %" : "not within 10 %"), (w - 1) * 100 }'
}
{
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version' | sed 's/ .*//'), $(nproc) cores," \
       "$transactions transactions per run after a CHECKPOINT, $rounds rounds per size, 1 client, pgbench -M prepared," \
       "synchronous_commit $sync. Rows: at the start → at the end of the size's runs (the runs add their own)." \
       "Per call: TPS (median of the rounds) and µs per call, the ratio to the TPC-B-like run before each run" \
       "(median), and the cost per call relative to the smallest size, from the median TPS (1.00: the same; 1.10: 10 % dearer)."
  echo
  echo "| payments filled to | spends to fill | payments | audit_log | spend TPS | µs | / TPC-B-like | cost | psp_webhook TPS | µs | / TPC-B-like | cost |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  for s in $calls; do echo "- $s: $(flat "$s")."; done
} >"$out"
sed -i '1i # size payments audit_log spend_tps spend_cost psp_tps psp_cost spend_cost_vs_tpcb psp_cost_vs_tpcb  (bench/scale.sh)' "$data"
if [ "$docs" = 1 ]; then
  fill "$doc" bench-scale "$out"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$data'; out='$chart'; subtitle='$(date -u +%Y-%m-%d), $(nproc) cores, $transactions calls per run, $rounds rounds, synchronous commit $sync'" bench/scale_chart.gp
  fi
  echo "Updated $doc$(command -v gnuplot >/dev/null && echo " and $chart")." >&2
fi
cat "$out"
