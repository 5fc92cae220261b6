#!/usr/bin/env bash
# bench_smoke.sh — the benchmark drivers still run: make bench (bench/run.sh, on the spend, peer and
# purchase scripts), make bench-audit (bench/audit.sh), make bench-ceilings (bench/ceilings.sh) and
# make bench-lists (bench/lists_scale.sh, at 1 000 and 5 000 rows), each for one 1-second round with 1 client on its own throwaway cluster, against the extension the
# test run installed. Checks that each finishes and reports a ratio where its tables have one; the
# ratios' values are not checked (a benchmark asserts no timing). Prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
cd "$here/../.."

results=$(mktemp -d)   # not bench/results: a developer's last real run stays there
trap 'rm -rf "$results"' EXIT
export BENCH_SECONDS=1 BENCH_ROUNDS=1 BENCH_CLIENTS=1 BENCH_SKIP_INSTALL=1 BENCH_DOCS=0 BENCH_RESULTS=$results
log=$results/driver.log
ratio='[0-9]+\.[0-9]{2}'

# runs "what" COMMAND...: the driver exits 0 (its output is shown when it does not).
runs() {
  local what=$1; shift
  if "$@" >"$log" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$log"; fi
}
# has_row "what" FILE REGEX: FILE has a line matching REGEX (extended).
has_row() {
  if grep -Eq "$3" "$2"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$2"; fi
}

runs "make bench runs spend, its peer and create_purchase" \
  env BENCH_SCRIPTS="spend peer_spend create_purchase" KOBATELA_BENCH_NAME=ops-bench KOBATELA_BENCH_PORT=54340 \
  bench/run.sh
has_row "make bench reports create_purchase's ratio to TPC-B-like" "$results/latest.md" \
  "^\| 1 \| [0-9 ]+ \| create_purchase \| [0-9 ]+ \| $ratio \|$"
has_row "make bench reports spend / peer" "$results/latest.md" \
  "^\| 1 \| [0-9 ]+ \| $ratio \| [0-9 ]+ \| $ratio \| $ratio \|$"

runs "make bench-audit runs" \
  env KOBATELA_AUDIT_BENCH_NAME=ops-audit-bench KOBATELA_AUDIT_BENCH_PORT=54341 bench/audit.sh
has_row "make bench-audit reports both triggers' ratios" "$results/audit.md" \
  "^\| 1 \| [0-9]+ \| [0-9]+ \| $ratio \| [0-9]+ \| $ratio \|$"
has_row "make bench-audit's run leaves a verified audit chain" "$results/audit.md" \
  "^verify_audit_chain\(\) after the run: t,"

runs "make bench-ceilings runs" \
  env KOBATELA_CEILINGS_BENCH_NAME=ops-ceilings-bench KOBATELA_CEILINGS_BENCH_PORT=54342 bench/ceilings.sh
has_row "make bench-ceilings reports the five audit ratios" "$results/ceilings.md" \
  "^\| 1 \| [0-9 ]+ \| $ratio \| $ratio \| $ratio \| $ratio \| $ratio \|$"
has_row "make bench-ceilings reports spend / peer as shipped, stripped and bare" "$results/ceilings.md" \
  "^\| 1 \| $ratio \| $ratio \| $ratio \| [0-9 ]+ \| [0-9 ]+ \|$"

runs "make bench-lists runs (small sizes)" \
  env BENCH_LISTS_SMALL=1000 BENCH_LISTS_LARGE=5000 BENCH_LISTS_EVENTS=200 BENCH_LISTS_CALLS=5 \
      KOBATELA_LISTS_BENCH_NAME=ops-lists-bench KOBATELA_LISTS_BENCH_PORT=54345 bench/lists_scale.sh
has_row "make bench-lists reports buffers and times at both sizes" "$results/lists_scale.md" \
  "^\| \`list_escrows\(\) \(admin: every escrow\)\` \| first \| [0-9]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$"

done_testing
