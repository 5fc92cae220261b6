#!/usr/bin/env bash
# `make bench`: Kobatela's calls against pgbench's built-in TPC-B-like transaction, and kobatela.spend
# against its PL/pgSQL peer (bench/peer_spend.sql), measured in the same run on the same throwaway
# cluster, alternating, and reported as ratios (never as absolute thresholds, never asserted).
# Writes bench/results/latest.md; after a run of every script, also the tables in
# docs/performance.md (between its <!-- bench:... --> markers) and the chart docs/bench_spend.png.
#
#   BENCH_SECONDS (default 10)     length of each run
#   BENCH_CLIENTS (default "1 8")
#   BENCH_SCRIPTS (default: all)   which bench/NAME.pgbench to run, in order, e.g. "spend peer_spend";
#                                  also available: spend_one_payee (every client on one payee)
#   BENCH_ROUNDS  (default 1)      rounds of the scripts per client count: TPS averaged, ratios the
#                                  median of the rounds' ratios
#   BENCH_DOCS    (default 1 when BENCH_SCRIPTS is unset, else 0)   update docs/performance.md and
#                                  docs/bench_spend.png
#   BENCH_SKIP_INSTALL=1           measure the extension already installed (no make install)
#   BENCH_RESULTS (default bench/results)   where the results go
#   BENCH_PROOF_ESCROWS            escrows for submit_proof (default 120 000 per round; a multiple of 1 000)
#   KOBATELA_BENCH_PORT (default 54332), KOBATELA_BENCH_NAME (default bench)   the throwaway cluster
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

all_scripts="create_transaction submit_proof psp_webhook spend peer_spend create_purchase create_purchase_one_mandate"
seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1 8}
scripts=${BENCH_SCRIPTS:-$all_scripts}
rounds=${BENCH_ROUNDS:-1}
if [ -z "${BENCH_SCRIPTS:-}" ]; then docs=${BENCH_DOCS:-1}; else docs=${BENCH_DOCS:-0}; fi
port=${KOBATELA_BENCH_PORT:-54332}
name=${KOBATELA_BENCH_NAME:-bench}
db=kobatela_bench
out=$results/latest.md
doc=docs/performance.md
chart=docs/bench_spend.png

has() { case " $scripts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for s in $scripts; do
  [ -f "bench/$s.pgbench" ] || { echo "BENCH_SCRIPTS: no bench/$s.pgbench" >&2; exit 2; }
done
# submit_proof proves one fresh escrow per call; without it, the 1 000 escrows psp_webhook needs.
if has submit_proof; then proof_escrows=${BENCH_PROOF_ESCROWS:-$(( 120000 * rounds ))}; else proof_escrows=1000; fi

# The chart needs gnuplot, which only the benchmark uses: installed here the way scripts/ensure_deps.sh
# installs the others (Debian package, as root), or the chart is skipped.
ensure_gnuplot() {
  command -v gnuplot >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "gnuplot is missing (sudo apt-get install gnuplot-nox): no chart." >&2
    return 1
  fi
  echo "Installing Debian packages: gnuplot-nox"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
}
if [ "$docs" = 1 ]; then ensure_gnuplot || true; fi

bench_cluster "$name" "$port"
echo 'bench-psp-secret' | scripts/cluster.sh secret "$name" psp_webhook_secret
psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows="$proof_escrows" -d "$db" -f bench/setup.sql >/dev/null
export PGOPTIONS='-c client_min_messages=warning'   # quiet "schema ... already exists, skipping"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/spend_setup.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/peer_spend.sql >/dev/null
unset PGOPTIONS
pgbench -q -i -s 1 "$db" >/dev/null 2>&1
psql -X -q -d "$db" -c 'VACUUM ANALYZE'

mkdir -p "$results"
# Each script runs right after its own TPC-B-like baseline, so drift (autovacuum, cache, WAL) affects
# both sides of each ratio alike; spend and peer_spend run next to each other.
declare -A base koba rat
for c in $clients; do
  for r in $(seq "$rounds"); do
    for s in $scripts; do
      b=$(tps "$c")
      k=$(tps "$c" -f "bench/$s.pgbench")
      base[$c:$s]+=" $b" koba[$c:$s]+=" $k" rat[$c:$s]+=" $(ratio "$k" "$b")"
      echo "  $c client(s), round $r: TPC-B-like $b, $s $k ($(ratio "$k" "$b"))" >&2
    done
  done
done
if has submit_proof && [ "$(psql -X -At -d "$db" -c 'SELECT last_value FROM bench.proof_seq')" -gt "$proof_escrows" ]; then
  echo "submit_proof ran out of escrows: raise BENCH_PROOF_ESCROWS (its TPS above counts empty calls)." >&2
  exit 1
fi

when="$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version' | sed 's/ .*//'), $(nproc) cores,"
when+=" ${seconds} s per run after a CHECKPOINT, $rounds round(s), pgbench -M prepared, synchronous_commit on"
if [ "$rounds" -gt 1 ]; then when+=" (TPS: mean of the rounds; ratios: median of the rounds' ratios)"; fi
when+="."
main=$results/table.md spend=$results/spend_table.md data=$results/spend_chart.dat
{
  echo "$when"
  echo
  echo "| clients | TPC-B-like TPS | script | TPS | ratio |"
  echo "|---|---|---|---|---|"
  for c in $clients; do
    for s in $scripts; do
      echo "| $c | $(group "$(mean <<<"${base[$c:$s]}")") | $s | $(group "$(mean <<<"${koba[$c:$s]}")") | $(median <<<"${rat[$c:$s]}") |"
    done
  done
} >"$main"
: >"$spend"
if has spend && has peer_spend; then
  # spend / peer: the two TPS of one round (measured a minute apart at most), median over the rounds.
  {
    echo "| clients | kobatela.spend TPS | / TPC-B-like | peer spend TPS | / TPC-B-like | spend / peer |"
    echo "|---|---|---|---|---|---|"
    for c in $clients; do
      read -ra ks <<<"${koba[$c:spend]}"; read -ra ps <<<"${koba[$c:peer_spend]}"
      sp=""; for i in "${!ks[@]}"; do sp+=" $(ratio "${ks[i]}" "${ps[i]}")"; done
      echo "| $c | $(group "$(mean <<<"${koba[$c:spend]}")") | $(median <<<"${rat[$c:spend]}") |" \
           "$(group "$(mean <<<"${koba[$c:peer_spend]}")") | $(median <<<"${rat[$c:peer_spend]}") | $(median <<<"$sp") |"
    done
  } >"$spend"
  {
    echo "# clients  TPC-B-like  kobatela.spend  peer-spend   (bench/run.sh, $(date -u +%Y-%m-%d))"
    for c in $clients; do
      echo "$c $(mean <<<"${base[$c:spend]} ${base[$c:peer_spend]}") $(mean <<<"${koba[$c:spend]}") $(mean <<<"${koba[$c:peer_spend]}")"
    done
  } >"$data"
fi
{
  echo "# Benchmark results"
  echo
  cat "$main"
  if [ -s "$spend" ]; then echo; echo "kobatela.spend against the PL/pgSQL peer:"; echo; cat "$spend"; fi
} >"$out"

if [ "$docs" = 1 ]; then
  fill "$doc" bench "$main"
  if [ -s "$spend" ]; then
    { echo "$when"; echo; cat "$spend"; } >"$results/spend_block.md"
    fill "$doc" bench-spend "$results/spend_block.md"
    if command -v gnuplot >/dev/null; then
      gnuplot -e "data='$data'; out='$chart'; subtitle='$(date -u +%Y-%m-%d), $(nproc) cores, ${seconds} s per run'" bench/chart.gp
    fi
  fi
  echo "Updated $doc$( [ -s "$spend" ] && command -v gnuplot >/dev/null && echo " and $chart")." >&2
fi
cat "$out"
