# helpers.bash — shared by test/ops/dump_restore.sh and test/ops/upgrade.sh (sourced after lib.sh).
# Not a suite: scripts/run_tests.sh runs test/ops/*.sh only.
#
# Every helper talks to the cluster in PGHOST/PGPORT/PGUSER as a superuser, and reads tables as
# such (superusers bypass the row-level security forced on every Kobatela table).

# The server's programs (pg_dump...): PG_CONFIG's, as the Makefile and scripts/cluster.sh choose it.
pg_bin=$("${PG_CONFIG:-$(ls /usr/lib/postgresql/15/bin/pg_config 2>/dev/null || echo pg_config)}" --bindir)
ops_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# diag FILE: its first lines as TAP diagnostics.
diag() {
  [ -s "$1" ] || return 0
  head -n "${2:-15}" "$1" | sed 's/^/#   /'
  local n; n=$(wc -l <"$1")
  [ "$n" -le "${2:-15}" ] || echo "#   ... ($n lines)"
}

# quietly CMD...: runs it, its output kept in $tmp/out; on failure shows the output as diagnostics.
quietly() {
  if "$@" >"$tmp/out" 2>&1; then return 0; fi
  diag "$tmp/out"
  return 1
}

# recreate_db NAME [TEMPLATE]
recreate_db() {
  q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1${2:+ TEMPLATE $2}" >/dev/null 2>"$tmp/out" \
    || { diag "$tmp/out"; return 1; }
}
drop_db() { q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1; }

# fill DB RUN [KEY_FILE]: test/ops/fill_every_table.sql (every table gets rows through the API).
fill() {
  quietly psql -X -q -v ON_ERROR_STOP=1 -v run="$2" ${3:+-v key_file="$3"} -d "$1" -f "$ops_dir/fill_every_table.sql"
}

# The tables of schema kobatela, from the catalogue (so that a table added later is never missed).
tables_sql="SELECT c.oid::regclass FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition"

# row_counts DB: "table|rows" for every table.
row_counts() {
  q -F '|' -d "$1" <<SQL
CREATE TEMP TABLE row_counts (tbl text, n bigint);
DO \$\$
DECLARE t regclass;
BEGIN
    FOR t IN $tables_sql LOOP
        EXECUTE format('INSERT INTO row_counts SELECT %L, count(*) FROM %s', t::text, t);
    END LOOP;
END \$\$;
SELECT tbl, n FROM row_counts ORDER BY 1;
SQL
}
# empty_tables DB: the tables without a row, space-separated (nothing when every table has rows).
empty_tables() { row_counts "$1" | awk -F'|' '$2 == 0 { print $1 }' | paste -sd ' '; }
# count_tables DB
count_tables() { q -d "$1" -c "SELECT count(*) FROM ($tables_sql) t"; }

# row_digest_query DB > FILE: a query that gives, per table of DB, "table|rows|md5 of the sorted rows",
# over the columns the table has now (named, so that the same query can be run again after an upgrade
# that adds columns, or on another database).
row_digest_query() {
  q -d "$1" -c "
    SELECT string_agg(format(
               'SELECT %L, count(*), md5(coalesce(string_agg(r::text, E''\\n'' ORDER BY r::text), '''')) FROM (SELECT %s FROM %s) r',
               c.relname,
               (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
               c.oid::regclass),
               E'\nUNION ALL\n' ORDER BY c.relname) || E'\nORDER BY 1;'
    FROM pg_catalog.pg_class c
    WHERE c.oid IN ($tables_sql)"
}
# row_digests DB QUERY_FILE > FILE
row_digests() { q -F '|' -d "$1" -f "$2"; }

# max_ids DB: "table|max(id)" for every table with an id column.
max_ids() {
  q -F '|' -d "$1" <<SQL
CREATE TEMP TABLE max_ids (tbl text, max_id bigint);
DO \$\$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid IN ($tables_sql)
               AND EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id') LOOP
        EXECUTE format('INSERT INTO max_ids SELECT %L, coalesce(max(id), 0) FROM %s', t::text, t);
    END LOOP;
END \$\$;
SELECT tbl, max_id FROM max_ids ORDER BY 1;
SQL
}

# sequences_behind DB: the tables whose id sequence has not reached their largest id (nothing when
# every next id is new).
sequences_behind() {
  q -d "$1" <<SQL
CREATE TEMP TABLE behind (what text);
DO \$\$
DECLARE t regclass; seq regclass; max_id bigint;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid IN ($tables_sql)
               AND EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id') LOOP
        seq := pg_catalog.pg_get_serial_sequence(t::text, 'id')::regclass;
        EXECUTE format('SELECT coalesce(max(id), 0) FROM %s', t) INTO max_id;
        IF seq IS NULL OR coalesce(pg_catalog.pg_sequence_last_value(seq), 0) < max_id THEN
            INSERT INTO behind VALUES (format('%s(sequence at %s, largest id %s)', t,
                                              coalesce(pg_catalog.pg_sequence_last_value(seq), 0), max_id));
        END IF;
    END LOOP;
END \$\$;
SELECT string_agg(what, ' ' ORDER BY what) FROM behind;
SQL
}

# key_works DB KEY PEPPER: the API key authenticates (as PostgREST would) under this pepper (written
# to a file of the data directory, which the transaction's kobatela.api_key_pepper_file names).
key_works() {
  local scope
  scope=$(q -d "$1" -v key="$2" -v pepper="$3" 2>/dev/null <<'SQL'
SELECT current_setting('data_directory') || '/kobatela-ops-pepper-' || md5(:'pepper') AS pepper_file \gset
SELECT format('umask 077 && cat > ''%s''', :'pepper_file') AS write_pepper \gset
COPY (SELECT :'pepper') TO PROGRAM :'write_pepper';
BEGIN;
SET LOCAL kobatela.api_key_pepper_file = :'pepper_file';
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'key');
COMMIT;
SQL
  ) && [ -n "$scope" ]
}

# The audit chain verifies (with anchors: a JSON array as audit_chain_tips() gives, read here from
# the table itself, so that it works on a database an upgrade has not reached yet).
chain_tips() {
  q -d "$1" -c "SELECT coalesce(jsonb_agg(t ORDER BY t.lane), '[]')
                FROM (SELECT DISTINCT ON (lane) lane, seq, encode(hash, 'hex') AS hash
                      FROM kobatela.audit_log ORDER BY lane, seq DESC) t"
}
chain_verifies() {
  [ "$(echo "SELECT kobatela.verify_audit_chain(nullif(:'anchors', '')::jsonb)" | q -d "$1" -v anchors="${2:-}" 2>"$tmp/out")" = t ] \
    || { diag "$tmp/out"; return 1; }
}

# triggers_enabled DB: every trigger on a Kobatela table fires in the ordinary mode (tgenabled 'O').
triggers_enabled() {
  [ "$(q -d "$1" -c "SELECT count(*) FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
                    WHERE c.relnamespace = 'kobatela'::regnamespace AND g.tgenabled <> 'O'")" = 0 ]
}

# compare_files WHAT EXPECTED ACTUAL [EXPECTED_LABEL ACTUAL_LABEL]: a check that the two files are
# equal, with a short diff.
compare_files() {
  if diff -u --label "${4:-expected}" --label "${5:-actual}" "$2" "$3" >"$tmp/diff"; then ok "$1"; else
    not_ok "$1"; diag "$tmp/diff" 30
  fi
}
