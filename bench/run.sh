#!/usr/bin/env bash
# `make bench`: Kobatela's calls against pgbench's built-in TPC-B-like transaction, and four calls
# against PL/pgSQL peers of the same rules (spend, create_purchase, escrow_deposit, psp_webhook:
# bench/peer_*.sql), measured in the same run on the same throwaway cluster, alternating, and
# reported as ratios (never as absolute thresholds, never asserted). Writes bench/results/latest.md;
# after a run of every script, also the tables in docs/performance.md (between its <!-- bench:... -->
# markers) and the chart docs/bench_spend.png.
#
# Each round runs, per client count: every single script right after its own TPC-B-like baseline;
# every pair as a TPC-B-like baseline, then the Kobatela call and its peer, in turn (the peer first
# in even rounds). Before the rounds of each client count, every script runs 2 s as a warm-up.
# Kobatela / peer is the median over the rounds of the two TPS of one round.
#
#   BENCH_SECONDS (default 10)     length of each run
#   BENCH_CLIENTS (default "1 8")
#   BENCH_SCRIPTS (default: all)   which bench/NAME.pgbench to run, in order, e.g. "spend create_purchase";
#                                  a pair's Kobatela script or peer (spend or peer_spend) runs the pair;
#                                  also available: spend_one_payee (every client on one payee)
#   BENCH_ROUNDS  (default 5)      rounds per client count: TPS averaged, ratios the median of the
#                                  rounds' ratios
#   BENCH_DOCS    (default 1 when BENCH_SCRIPTS is unset, else 0)   update docs/performance.md and
#                                  docs/bench_spend.png
#   BENCH_SCALE                    e.g. "10000 100000 1000000": instead, the cost per call against the
#                                  size of payments and the audit log (bench/scale.sh)
#   BENCH_SKIP_INSTALL=1           measure the extension already installed (no make install)
#   BENCH_RESULTS (default bench/results)   where the results go
#   BENCH_PROOF_ESCROWS            escrows for submit_proof (default 120 000 per round; a multiple of 1 000)
#   KOBATELA_BENCH_PORT (default 54332), KOBATELA_BENCH_NAME (default bench)   the throwaway cluster
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BENCH_SCALE:-}" ]; then exec bench/scale.sh; fi
. bench/lib.sh

singles_all="create_transaction submit_proof create_purchase_one_mandate"
pairs_all="spend create_purchase escrow_deposit psp_webhook"   # each against bench/peer_NAME.pgbench
seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-1 8}
rounds=${BENCH_ROUNDS:-5}
if [ -z "${BENCH_SCRIPTS:-}" ]; then docs=${BENCH_DOCS:-1}; else docs=${BENCH_DOCS:-0}; fi
port=${KOBATELA_BENCH_PORT:-54332}
name=${KOBATELA_BENCH_NAME:-bench}
db=kobatela_bench
out=$results/latest.md
doc=docs/performance.md
chart=docs/bench_spend.png

# The scripts asked for, split into single scripts and pairs (a pair named by either side, once).
singles="" pairs=""
for s in ${BENCH_SCRIPTS:-$singles_all $pairs_all}; do
  [ -f "bench/$s.pgbench" ] || { echo "BENCH_SCRIPTS: no bench/$s.pgbench" >&2; exit 2; }
  p=${s#peer_}
  if [[ " $pairs_all " == *" $p "* ]]; then
    [[ " $pairs " == *" $p "* ]] || pairs+=" $p"
  else
    singles+=" $s"
  fi
done
scripts=""   # every script, in the order of the tables
for s in $singles; do scripts+=" $s"; done
for p in $pairs; do scripts+=" $p peer_$p"; done
has() { case " $scripts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# submit_proof proves one fresh escrow per call; without it, the 1 000 escrows psp_webhook needs.
if has submit_proof; then proof_escrows=${BENCH_PROOF_ESCROWS:-$(( 120000 * rounds ))}; else proof_escrows=1000; fi

# The chart needs gnuplot, which only the benchmark uses: installed here the way scripts/ensure_deps.sh
# installs the others (Debian package, as root), or the chart is skipped.
if [ "$docs" = 1 ]; then ensure_gnuplot || true; fi

bench_cluster "$name" "$port"
echo 'bench-psp-secret' | scripts/cluster.sh secret "$name" psp_webhook_secret
psql -X -q -v ON_ERROR_STOP=1 -v proof_escrows="$proof_escrows" -d "$db" -f bench/setup.sql >/dev/null
export PGOPTIONS='-c client_min_messages=warning'   # quiet "schema ... already exists, skipping"
for f in spend_setup escrow_deposit_setup peer_spend peer_common peer_create_purchase peer_escrow_deposit peer_psp_webhook; do
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "bench/$f.sql" >/dev/null
done
unset PGOPTIONS
pgbench -q -i -s 1 "$db" >/dev/null 2>&1
psql -X -q -d "$db" -c 'VACUUM ANALYZE'

mkdir -p "$results"
# base[c:s]: the TPC-B-like TPS of the baseline run before s (for a pair: before both sides),
# koba[c:s]: s's TPS, rat[c:s]: s / its baseline, pair[c:p]: Kobatela / peer, per round.
declare -A base koba rat pair
run_one() {   # run_one CLIENTS SCRIPT BASELINE ROUND
  local t; t=$(tps "$1" -f "bench/$2.pgbench")
  base[$1:$2]+=" $3" koba[$1:$2]+=" $t" rat[$1:$2]+=" $(ratio "$t" "$3")"
  echo "  $1 client(s), round $4: $2 $t ($(ratio "$t" "$3") of TPC-B-like $3)" >&2
}
for c in $clients; do
  pgbench -n -M prepared -T 2 -c "$c" -j "$(( c < 2 ? 1 : 2 ))" "$db" >/dev/null 2>&1 || true
  for s in $scripts; do
    pgbench -n -M prepared -T 2 -c "$c" -j "$(( c < 2 ? 1 : 2 ))" -f "bench/$s.pgbench" "$db" >/dev/null 2>&1 || true
  done
  for r in $(seq "$rounds"); do
    for s in $singles; do
      run_one "$c" "$s" "$(tps "$c")" "$r"
    done
    for p in $pairs; do
      b=$(tps "$c")
      if (( r % 2 )); then order="$p peer_$p"; else order="peer_$p $p"; fi
      for s in $order; do run_one "$c" "$s" "$b" "$r"; done
      pair[$c:$p]+=" $(ratio "${koba[$c:$p]##* }" "${koba[$c:peer_$p]##* }")"
      echo "  $c client(s), round $r: $p / peer ${pair[$c:$p]##* }" >&2
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
main=$results/table.md spend=$results/spend_table.md peers=$results/peers_table.md data=$results/spend_chart.dat
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
: >"$peers"
if [ -n "$pairs" ]; then
  # Kobatela / peer: the two TPS of one round (measured a few seconds apart), median over the rounds.
  {
    echo "| clients | call | Kobatela TPS | peer TPS | Kobatela / peer (median) | rounds |"
    echo "|---|---|---|---|---|---|"
    for c in $clients; do
      for p in $pairs; do
        echo "| $c | $p | $(group "$(mean <<<"${koba[$c:$p]}")") | $(group "$(mean <<<"${koba[$c:peer_$p]}")") |" \
             "$(median <<<"${pair[$c:$p]}") | $(sed 's/^ //' <<<"${pair[$c:$p]}") |"
      done
    done
  } >"$peers"
fi
: >"$spend"
if has spend; then
  {
    echo "| clients | kobatela.spend TPS | / TPC-B-like | peer spend TPS | / TPC-B-like | spend / peer |"
    echo "|---|---|---|---|---|---|"
    for c in $clients; do
      echo "| $c | $(group "$(mean <<<"${koba[$c:spend]}")") | $(median <<<"${rat[$c:spend]}") |" \
           "$(group "$(mean <<<"${koba[$c:peer_spend]}")") | $(median <<<"${rat[$c:peer_spend]}") | $(median <<<"${pair[$c:spend]}") |"
    done
  } >"$spend"
  {
    echo "# clients  TPC-B-like  kobatela.spend  peer-spend   (bench/run.sh, $(date -u +%Y-%m-%d))"
    for c in $clients; do
      echo "$c $(mean <<<"${base[$c:spend]}") $(mean <<<"${koba[$c:spend]}") $(mean <<<"${koba[$c:peer_spend]}")"
    done
  } >"$data"
fi
{
  echo "# Benchmark results"
  echo
  cat "$main"
  if [ -s "$peers" ]; then echo; echo "Kobatela against the PL/pgSQL peers (target: 1.2):"; echo; cat "$peers"; fi
  if [ -s "$spend" ]; then echo; echo "kobatela.spend against the PL/pgSQL peer:"; echo; cat "$spend"; fi
} >"$out"

if [ "$docs" = 1 ]; then
  fill "$doc" bench "$main"
  if [ -s "$peers" ]; then
    { echo "$when"; echo; cat "$peers"; } >"$results/peers_block.md"
    fill "$doc" bench-peers "$results/peers_block.md"
  fi
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
