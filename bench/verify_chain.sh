#!/usr/bin/env bash
# `make bench-verify`: how long kobatela.verify_audit_chain() takes over N audit records, against
# the time raw SHA-256 needs to hash the same bytes (`openssl speed -evp sha256` with blocks of the
# records' average size: the hash Kobatela calls, OpenSSL's EVP, one record at a time). The target is
# within 3x. On one throwaway cluster, for each size in turn (ascending), fills kobatela.audit_log up
# to that many records by calling kobatela.spend in bulk (as the API writes them), then times
# verify_audit_chain() (BENCH_ROUNDS runs after one warm-up run; median).
#
# The bytes hashed are counted generically, so that the script measures the log before and after
# its format changes: per record, the octet_length of every text, json, jsonb and bytea column
# (actor, action, data or changes, entity, prev_hash, ...) plus an 8-byte length prefix each, 8
# bytes for every other column (at, txid, lane, seq, entity_id, ...), and the 17-byte version tag;
# id and hash are not hashed. Writes bench/results/verify_chain.md; with BENCH_DOCS=1, the table in
# docs/performance.md between <!-- bench-verify:begin/end -->.
#
#   BENCH_VERIFY_ROWS (default "100000")   audit records to verify, ascending, e.g. "10000 100000 1000000"
#   BENCH_ROUNDS (default 3)   timed runs per size; BENCH_SKIP_INSTALL=1, BENCH_RESULTS as in bench/run.sh
#   KOBATELA_VERIFY_BENCH_PORT (default 54336), KOBATELA_VERIFY_BENCH_NAME (default verify-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

sizes=${BENCH_VERIFY_ROWS:-100000}
rounds=${BENCH_ROUNDS:-3}
port=${KOBATELA_VERIFY_BENCH_PORT:-54336}
name=${KOBATELA_VERIFY_BENCH_NAME:-verify-bench}
db=kobatela_bench
out=$results/verify_chain.md
doc=docs/performance.md

bench_cluster "$name" "$port"
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/spend_setup.sql >/dev/null
unset PGOPTIONS
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
CREATE FUNCTION bench.time_verify(OUT ok boolean, OUT seconds float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  ok := kobatela.verify_audit_chain();
  seconds := extract(epoch FROM clock_timestamp() - t0);
END $$;
SQL
# The hashed bytes of one record, from the catalog (see the header).
bytes=$(psql -X -At -d "$db" -c "
  SELECT '17 + ' || string_agg(CASE WHEN t IN ('text', 'json', 'jsonb', 'character varying') THEN format('coalesce(octet_length(%I::text), 0) + 8', c)
                                    WHEN t = 'bytea' THEN format('coalesce(octet_length(%I), 0) + 8', c)
                                    ELSE '8' END, ' + ' ORDER BY n)
  FROM (SELECT attname AS c, format_type(atttypid, NULL) AS t, attnum AS n FROM pg_attribute
        WHERE attrelid = 'kobatela.audit_log'::regclass AND attnum > 0 AND NOT attisdropped
          AND attname NOT IN ('id', 'hash')) a")

mkdir -p "$results"
rows=""
for size in $sizes; do
  read -r made took < <(fill_by_spend "SELECT count(*) FROM kobatela.audit_log" "$size")
  psql -X -q -d "$db" -c 'VACUUM ANALYZE kobatela.audit_log'
  read -r n total < <(psql -X -At -F ' ' -d "$db" -c "SELECT count(*), sum($bytes)::bigint FROM kobatela.audit_log")
  avg=$(( total / n ))
  psql -X -q -d "$db" -c 'SELECT bench.time_verify()' >/dev/null   # warm-up: the log in cache
  times=""   # milliseconds
  for r in $(seq "$rounds"); do
    read -r ok ms < <(psql -X -At -F ' ' -d "$db" -c 'SELECT ok, round((seconds * 1000)::numeric, 1) FROM bench.time_verify()')
    [ "$ok" = t ] || { echo "verify_audit_chain() returned $ok" >&2; exit 1; }
    times+=" $ms"
    echo "  $n records, run $r: $ms ms" >&2
  done
  secs=$(awk -v ms="$(median <<<"$times")" 'BEGIN { printf "%.4f", ms / 1000 }')
  # openssl speed: "sha256  123456.78k" = thousands of bytes per second in blocks of $avg bytes.
  rate=$(openssl speed -bytes "$avg" -seconds 3 -evp sha256 2>/dev/null | awk '$1 == "sha256" { sub(/k$/, "", $2); print $2 * 1000 }')
  raw=$(awk -v b="$total" -v r="$rate" 'BEGIN { printf "%.4f", b / r }')
  rows+="| $(group "$n") | $(group "$made") in $took s | $(group "$total") | $avg | $(awk -v s="$secs" 'BEGIN { printf "%.3f", s }') |"
  rows+=" $raw | $(awk -v s="$secs" -v n="$n" 'BEGIN { printf "%.2f", s * 1e6 / n }') | $(ratio "$secs" "$raw") |"$'\n'
  echo "  $n records, $total bytes (average $avg): verify ${secs} s, raw SHA-256 ${raw} s" >&2
done
{
  echo "$(date -u +%Y-%m-%d), PostgreSQL $(psql -X -At -d "$db" -c 'SHOW server_version' | sed 's/ .*//'), $(nproc) cores," \
       "$(openssl version | awk '{ print $1, $2 }'); verify_audit_chain(): median of $rounds runs after a warm-up run," \
       "the log in shared buffers or the OS cache; raw SHA-256: openssl speed -evp sha256 -seconds 3 in blocks of the" \
       "average record's size (target: verify within 3x of raw)."
  echo
  echo "| audit records | spends to fill | bytes hashed | average record | verify_audit_chain() s | raw SHA-256 s | µs per record | verify / raw |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
} >"$out"
if [ "${BENCH_DOCS:-0}" = 1 ]; then fill "$doc" bench-verify "$out"; echo "Updated $doc." >&2; fi
cat "$out"
