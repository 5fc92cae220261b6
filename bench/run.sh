#!/usr/bin/env bash
# `make bench`: Kobatela's calls against pgbench's built-in TPC-B-like transaction, measured in the
# same run on the same throwaway cluster, alternating, and reported as ratios (never as absolute
# thresholds). Writes bench/results/latest.md.
#
#   BENCH_SECONDS (default 10)  length of each run
#   BENCH_CLIENTS (default "1 8")
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1 8}
port=${KOBATELA_BENCH_PORT:-54332}
db=kobatela_bench
out=bench/results/latest.md

make -s all install >/dev/null
eval "$(scripts/cluster.sh start bench "$port")"
trap 'scripts/cluster.sh stop bench' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION kobatela'
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
  -c "ALTER SYSTEM SET kobatela.psp_webhook_secret = 'bench-psp-secret'" -c "SELECT pg_reload_conf()" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows="${BENCH_PROOF_ESCROWS:-120000}" -d "$db" -f bench/setup.sql >/dev/null
pgbench -q -i -s 1 "$db" >/dev/null 2>&1

tps() {  # tps CLIENTS ARGS... -> transactions per second, excluding connection time
  local c=$1; shift
  local log=bench/results/pgbench.log
  local rate
  rate=$(pgbench -n -M prepared -T "$seconds" -c "$c" -j "$(( c < 2 ? 1 : 2 ))" "$@" "$db" 2>"$log" \
    | sed -n 's/^tps = \([0-9]*\).* (without initial connection time)/\1/p')
  if [ -z "$rate" ] || grep -q 'aborted' "$log"; then
    echo "pgbench failed ($*):" >&2; cat "$log" >&2; exit 1
  fi
  echo "$rate"
}

mkdir -p bench/results
{
  echo "# Benchmark results"
  echo
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version'), $(nproc) cores," \
       "${seconds} s per run, pgbench -M prepared, synchronous_commit on."
  echo
  echo "| clients | TPC-B-like TPS | script | TPS | ratio |"
  echo "|---|---|---|---|---|"
} >"$out"
# Each Kobatela script runs right after its own TPC-B-like baseline, so drift (autovacuum, cache,
# WAL) affects both sides of each ratio alike.
for c in $clients; do
  for script in create_transaction submit_proof psp_webhook; do
    base=$(tps "$c")
    koba=$(tps "$c" -f "bench/$script.pgbench")
    ratio=$(awk -v a="$koba" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    echo "| $c | $base | $script | $koba | $ratio |" >>"$out"
  done
done
cat "$out"
