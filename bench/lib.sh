# Shared by the benchmark drivers (bench/run.sh, bench/audit.sh, bench/ceilings.sh); sourced, not run.
# They set `db` (database name) and `seconds` (length of each pgbench run) before calling these.

# The client programs (psql, pgbench) of the PostgreSQL that scripts/cluster.sh runs: PG_CONFIG's
# (the Makefile exports it; e.g. a private copy of PostgreSQL), else the PATH's.
if [ -n "${PG_CONFIG:-}" ]; then PATH="$("$PG_CONFIG" --bindir):$PATH"; fi

# Where the drivers write their results (BENCH_RESULTS: the test suite's smoke run writes elsewhere).
results=${BENCH_RESULTS:-bench/results}

# bench_cluster NAME PORT: builds and installs the extension (unless BENCH_SKIP_INSTALL=1), starts the
# throwaway cluster NAME on PORT (stopped again when the script exits), and creates $db with kobatela.
bench_cluster() {
  [ "${BENCH_SKIP_INSTALL:-0}" = 1 ] || make -s all install >/dev/null
  eval "$(scripts/cluster.sh start "$1" "$2")"
  # shellcheck disable=SC2064   # the name is fixed now, on purpose
  trap "scripts/cluster.sh stop '$1'" EXIT
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db"
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION kobatela'
}

# tps CLIENTS [PGBENCH ARGS...]: transactions per second of one run (excluding connection time);
# pgbench's built-in TPC-B-like script without -f. A run lasts $seconds, or $transactions per client
# when the driver sets it. Exits the script if pgbench failed or aborted.
tps() {
  local c=$1; shift
  local log=$results/pgbench.log rate length=(-T "${seconds:-}")
  if [ -n "${transactions:-}" ]; then length=(-t "$transactions"); fi
  mkdir -p "$results"
  # Every run starts right after a checkpoint, so that no run pays more of the next checkpoint's
  # full-page writes than another (bench/audit.sh measured +-15 % from that alone).
  psql -X -q -d "$db" -c CHECKPOINT
  rate=$(pgbench -n -M prepared "${length[@]}" -c "$c" -j "$(( c < 2 ? 1 : 2 ))" "$@" "$db" 2>"$log" \
    | sed -n 's/^tps = \([0-9]*\).* (without initial connection time)/\1/p')
  if [ -z "$rate" ] || grep -q 'aborted' "$log"; then
    echo "pgbench failed ($*):" >&2; cat "$log" >&2; exit 1
  fi
  echo "$rate"
}

# Numbers in, separated by spaces or newlines.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { tr -s ' ' '\n' | awk 'NF { s += $1; n++ } END { printf "%.0f", s / n }'; }
median() {
  tr -s ' ' '\n' | awk 'NF' | sort -n \
    | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
group() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\| \)/\1 \2\3/' -e 'ta' <<<"$1"; }   # 12345 -> 12 345

# fill DOC NAME FILE: the lines between <!-- NAME:begin --> and <!-- NAME:end --> in DOC become FILE.
fill() {
  local doc=$1 name=$2 file=$3
  if ! grep -qx "<!-- $name:begin -->" "$doc" || ! grep -qx "<!-- $name:end -->" "$doc"; then
    echo "$doc has no <!-- $name:begin/end --> markers: not updated." >&2; return
  fi
  awk -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" -v f="$file" '
    $0 == e { skip = 0 }
    !skip   { print }
    $0 == b { print ""; while ((getline line < f) > 0) print line; print ""; skip = 1 }' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
}

# The charts need gnuplot, which only the benchmarks use: installed the way scripts/ensure_deps.sh
# installs the others (Debian package, as root), or the chart is skipped (returns 1).
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

# fill_by_spend QUERY TARGET: calls kobatela.spend (1.00 to one of bench/spend_setup.sql's payees in
# turn, fresh keys 'f<n>') in transactions of at most 20 000 calls until QUERY (a count) returns at
# least TARGET: payments and audit records written by the API itself, as they grow in production.
# Prints the calls made and the seconds they took.
fill_by_spend() {
  local query=$1 target=$2 have before per=0 batch calls=0 t0
  psql -X -q -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE SEQUENCE IF NOT EXISTS bench.fill_seq'
  t0=$(date +%s.%N)
  have=$(psql -X -At -d "$db" -c "$query")
  while [ "$have" -lt "$target" ]; do
    # The first 100 calls tell how many rows of QUERY one call adds (per).
    if [ "$per" = 0 ]; then batch=100; else batch=$(( (target - have + per - 1) / per )); fi
    if [ "$batch" -gt 20000 ]; then batch=20000; fi
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT count(kobatela.spend(b.escrow_id, b.payee_ref, 1.00, NULL,
      'f' || nextval('bench.fill_seq'))) FROM generate_series(1, $batch) g,
      LATERAL (SELECT escrow_id, payee_ref FROM bench.spend_payee WHERE n = 1 + g % 1000) b" >/dev/null
    before=$have
    have=$(psql -X -At -d "$db" -c "$query")
    calls=$(( calls + batch ))
    per=$(( (have - before) / batch )); if [ "$per" -lt 1 ]; then per=1; fi   # at least one row per call
  done
  echo "$calls $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
}
