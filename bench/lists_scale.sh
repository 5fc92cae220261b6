#!/usr/bin/env bash
# bench/lists_scale.sh: whether a page of a list costs the same on a table of any size (issue 16).
# On one throwaway cluster: fills every list's table with BENCH_LISTS_SMALL rows (bench/lists_fill.sql),
# measures each call below, then grows escrow_agreements and payments (the two access-path shapes
# every list shares: a party's rows along (party, id), an escrow's along (escrow_id, id)) to
# BENCH_LISTS_LARGE rows and measures again. For each call, its first page and its deepest full one
# (the cursor after its (limit + 1)-th oldest row): the buffers one call touches (EXPLAIN (ANALYZE, BUFFERS)
# of the call, its kept statements included, after six warm-up calls so the plan is the generic
# one) and the mean time of BENCH_LISTS_CALLS calls. Then an escrow timeline of BENCH_LISTS_EVENTS
# events among 100 escrows' (the 0.7.0 case: escrow_events returns it whole) against a page of
# list_escrow_events. Writes bench/results/lists_scale.md; the table goes into docs/performance.md
# by hand ("Lists: cost per page").
#
#   BENCH_LISTS_SMALL (default 10000), BENCH_LISTS_LARGE (default 1000000), BENCH_LISTS_CALLS
#   (default 200), BENCH_LISTS_EVENTS (default 10886), BENCH_SKIP_INSTALL=1, BENCH_RESULTS as in
#   bench/run.sh; KOBATELA_LISTS_BENCH_PORT (default 54352), KOBATELA_LISTS_BENCH_NAME (lists-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

small=${BENCH_LISTS_SMALL:-10000}
large=${BENCH_LISTS_LARGE:-1000000}
calls=${BENCH_LISTS_CALLS:-200}
events=${BENCH_LISTS_EVENTS:-10886}
port=${KOBATELA_LISTS_BENCH_PORT:-54352}
name=${KOBATELA_LISTS_BENCH_NAME:-lists-bench}
db=kobatela_bench
out=$results/lists_scale.md
mkdir -p "$results"

bench_cluster "$name" "$port"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# bench.measure(call, n): the buffers of one call (shared hit + read, planning included) and the
# mean milliseconds of n calls, after six warm-up calls. bench.cursor: a list's cursor after an id
# (core/pagination's encoding: base64url of "1:<list>:<key>", unpadded).
q <<'SQL'
CREATE SCHEMA bench;
CREATE FUNCTION bench.cursor(list text, key text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT translate(rtrim(replace(encode(convert_to('1:' || list || ':' || key, 'UTF8'), 'base64'), E'\n', ''), '='), '+/', '-_') $$;
CREATE FUNCTION bench.measure(call text, n int, OUT buffers bigint, OUT ms numeric) LANGUAGE plpgsql AS $$
DECLARE
  plan json;
  t0 timestamptz;
BEGIN
  FOR i IN 1..6 LOOP EXECUTE call; END LOOP;
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF, FORMAT JSON) ' || call INTO plan;
  buffers := (plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint + (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint
             + coalesce((plan -> 0 -> 'Planning' ->> 'Shared Hit Blocks')::bigint, 0)
             + coalesce((plan -> 0 -> 'Planning' ->> 'Shared Read Blocks')::bigint, 0);
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP EXECUTE call; END LOOP;
  ms := round((extract(epoch FROM clock_timestamp() - t0) * 1000 / n)::numeric, 3);
END $$;
GRANT USAGE ON SCHEMA bench TO kobatela_sender;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO kobatela_sender;
SQL

# measure SIZE: one line per call and page: "size|call|page|buffers|ms". The calls: an admin's
# (every escrow; a counterparty's; an escrow's payments) and a key bound to the client of the
# first escrow (its escrows; its payments, read escrow by escrow). The first escrow's payments
# grow with the table (payments go round the first 1 000 escrows): its deep page is a page deep
# inside a large escrow. Every page measured is full at both sizes: every escrow's of 100 rows (the
# default), a party's of 10 (it has about 20 escrows at either size), an escrow's of 5 (it has 10
# payments at the smaller size).
measure() {
  local size=$1
  q -v size="$size" -v n="$calls" <<'SQL'
SELECT id AS e, client_id AS u FROM kobatela.escrow_agreements ORDER BY id LIMIT 1 \gset
-- Deep: the deepest full page of each path, after its (limit + 1)-th oldest row (0, an empty page,
-- when the path has fewer rows: small sizes only).
SELECT coalesce((SELECT id FROM kobatela.escrow_agreements ORDER BY id OFFSET 100 LIMIT 1), 0) AS deep_all \gset
SELECT coalesce((SELECT id FROM (SELECT id FROM kobatela.escrow_agreements WHERE client_id = :u UNION ALL
                                 SELECT id FROM kobatela.escrow_agreements WHERE provider_id = :u) p
                 ORDER BY id OFFSET 10 LIMIT 1), 0) AS deep_party \gset
SELECT coalesce((SELECT id FROM kobatela.payments WHERE escrow_id = :e ORDER BY id OFFSET 5 LIMIT 1), 0) AS deep_escrow \gset
SELECT coalesce((SELECT p.id FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
                 WHERE :u IN (e.client_id, e.provider_id) ORDER BY p.id OFFSET 10 LIMIT 1), 0) AS deep_bound \gset
CREATE TEMP TABLE calls (ord int, label text, page text, call text);
INSERT INTO calls VALUES
  (1, 'list_escrows() (admin: every escrow)', 'first', 'SELECT kobatela.list_escrows()'),
  (2, 'list_escrows() (admin: every escrow)', 'deep', format('SELECT kobatela.list_escrows(cursor => %L)', bench.cursor('escrows', :'deep_all'))),
  (3, 'list_escrows(counterparty_id) (admin)', 'first', format('SELECT kobatela.list_escrows(counterparty_id => %s, "limit" => 10)', :u)),
  (4, 'list_escrows(counterparty_id) (admin)', 'deep', format('SELECT kobatela.list_escrows(counterparty_id => %s, "limit" => 10, cursor => %L)', :u, bench.cursor('escrows', :'deep_party'))),
  (5, 'list_payments(escrow_id) (admin)', 'first', format('SELECT kobatela.list_payments(%s, "limit" => 5)', :e)),
  (6, 'list_payments(escrow_id) (admin)', 'deep', format('SELECT kobatela.list_payments(%s, "limit" => 5, cursor => %L)', :e, bench.cursor('payments', :'deep_escrow'))),
  (7, 'list_escrows() (bound key)', 'first', 'SELECT kobatela.list_escrows("limit" => 10)'),
  (8, 'list_escrows() (bound key)', 'deep', format('SELECT kobatela.list_escrows("limit" => 10, cursor => %L)', bench.cursor('escrows', :'deep_party'))),
  (9, 'list_payments() (bound key: escrow by escrow)', 'first', 'SELECT kobatela.list_payments("limit" => 10)'),
  (10, 'list_payments() (bound key: escrow by escrow)', 'deep', format('SELECT kobatela.list_payments("limit" => 10, cursor => %L)', bench.cursor('payments', :'deep_bound')));
CREATE TEMP TABLE measured (ord int, buffers bigint, ms numeric);
GRANT SELECT, INSERT ON calls, measured TO kobatela_sender;
INSERT INTO measured SELECT ord, (bench.measure(call, :n)).* FROM calls WHERE ord <= 6;
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT set_config('request.jwt.claims', json_build_object('role', 'kobatela_sender', 'kobatela_user_id', :u)::text, true) AS claims \gset
INSERT INTO measured SELECT ord, (bench.measure(call, :n)).* FROM calls WHERE ord > 6;
COMMIT;
SELECT :size, c.label, c.page, m.buffers, m.ms FROM calls c JOIN measured m USING (ord) ORDER BY ord;
SQL
}

# fill ROWS BIG USERS. Users grow with the tables (one per ten escrows), as a platform's do: a
# party's own rows stay about as many while the table grows a hundredfold.
fill() { q -v rows="$1" -v big="$2" -v users="$3" -f bench/lists_fill.sql; }

t0=$(date +%s)
fill "$small" "$small" $(( small / 10 ))
measure "$small" >"$results/lists_small.dat"
echo "  $small rows: filled and measured in $(( $(date +%s) - t0 )) s" >&2
t0=$(date +%s)
fill "$small" "$large" $(( large / 10 ))
q -c 'VACUUM ANALYZE kobatela.escrow_agreements, kobatela.payments'
measure "$large" >"$results/lists_large.dat"
echo "  $large rows: filled and measured in $(( $(date +%s) - t0 )) s" >&2

# The timeline: BENCH_LISTS_EVENTS events for each of 100 new escrows, written round-robin (as
# 100 escrows spending at once would), so an escrow's events lie one or two to a heap page.
t0=$(date +%s)
timeline=$(q -v events="$events" <<'SQL'
SET session_replication_role = replica;
CREATE TEMP TABLE tl AS
WITH made AS (
  INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at)
  SELECT client_id, provider_id, 10, 'USD', '{}', now() + interval '1 day' FROM kobatela.escrow_agreements, generate_series(1, 100)
  WHERE id = (SELECT min(id) FROM kobatela.escrow_agreements) RETURNING id)
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM made;
INSERT INTO kobatela.escrow_events (escrow_id, kind, data, at)
SELECT tl.id, 'USAGE_SPEND', '{"amount": "1.00"}', now() + g * interval '1 millisecond'
FROM generate_series(1, :events) g, tl ORDER BY g, tl.n;
RESET session_replication_role;
VACUUM ANALYZE kobatela.escrow_events;
SELECT min(id) FROM tl;
SQL
)
q -v e="$timeline" -v n=20 <<'SQL' >"$results/lists_timeline.dat"
SELECT (extract(epoch FROM at) * 1000000)::bigint || ':' || id AS deep FROM kobatela.escrow_events WHERE escrow_id = :e
ORDER BY at, id OFFSET (SELECT count(*) * 9 / 10 FROM kobatela.escrow_events WHERE escrow_id = :e) LIMIT 1 \gset
SELECT 'escrow_events(escrow_id) (0.7.0: the whole timeline)', (bench.measure(format('SELECT count(*) FROM kobatela.escrow_events(%s)', :e), :n)).*;
SELECT 'list_escrow_events(escrow_id), first page', (bench.measure(format('SELECT kobatela.list_escrow_events(%s)', :e), :n)).*;
SELECT 'list_escrow_events(escrow_id), a page 90 % in', (bench.measure(format('SELECT kobatela.list_escrow_events(%s, cursor => %L)', :e, bench.cursor('escrow_events', :'deep')), :n)).*;
SELECT 'events of the escrow', count(*), NULL FROM kobatela.escrow_events WHERE escrow_id = :e;
SQL
echo "  timeline of $events events: measured in $(( $(date +%s) - t0 )) s" >&2

{
  echo "# Lists: cost per page, $small against $large rows ($(date -u +%Y-%m-%d))"
  echo
  echo "| call | page | buffers at $small | buffers at $large | ratio | ms at $small | ms at $large | ratio |"
  echo "|---|---|---|---|---|---|---|---|"
  join -t'|' -j1 <(awk -F'|' '{print NR "|" $2 "|" $3 "|" $4 "|" $5}' "$results/lists_small.dat") \
                 <(awk -F'|' '{print NR "|" $4 "|" $5}' "$results/lists_large.dat") |
    awk -F'|' '{printf "| `%s` | %s | %s | %s | %.2f | %s | %s | %.2f |\n", $2, $3, $4, $6, ($4 > 0 ? $6 / $4 : 0), $5, $7, ($5 > 0 ? $7 / $5 : 0)}'
  echo
  echo "| the timeline of one escrow | buffers | ms |"
  echo "|---|---|---|"
  awk -F'|' '{printf "| %s | %s | %s |\n", $1, $2, $3}' "$results/lists_timeline.dat"
} >"$out"
cat "$out"
