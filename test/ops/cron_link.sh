#!/usr/bin/env bash
# The link to pg_cron's database (docs/pg_cron.md, "Who may schedule"): schedule_maintenance()
# reaches cron.database_name over libpq when Kobatela lives in another database.
#   * Only a superuser may use the default connection (the local socket, as the extension's owner,
#     which the server usually trusts); anyone else needs kobatela.cron_conninfo to log in with a
#     password (from a passfile), and a connection let in without one is refused, as dblink does.
#   * The connection and its statements wait on the backend's latch: a cancel (statement_timeout)
#     ends a call whose remote statement is stuck, and kobatela.cron_timeout_s bounds every wait.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

app=kobatela_link
cron_db=$(q -d postgres -c "SHOW cron.database_name") || bail_out "no test cluster with pg_cron preloaded"
data=$(q -d postgres -c "SHOW data_directory")
hba=$(q -d postgres -c "SHOW hba_file")
socket_dir=$(q -d postgres -c "SHOW unix_socket_directories" | cut -d, -f1)
port=$(q -d postgres -c "SHOW port")
link_password='link-pw-do-not-log'
q -d "$cron_db" -c "DROP DATABASE IF EXISTS $app" -c "CREATE DATABASE $app" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
  && q -d "$app" -c "CREATE EXTENSION kobatela" || bail_out "cannot set up database $app"
cleanup() {
  [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
  q -d "$cron_db" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'kobatela:%'" >/dev/null 2>&1
  if [ -f "$data/pg_hba.conf.kobatela-link" ]; then  # (rewritten in place: the file keeps its owner)
    cat "$data/pg_hba.conf.kobatela-link" >"$hba" && rm -f "$data/pg_hba.conf.kobatela-link"
    q -d postgres -c "SELECT pg_reload_conf()" >/dev/null 2>&1
  fi
  q -d postgres -c "COPY (SELECT 1) TO PROGRAM 'rm -f \"\$PGDATA\"/kobatela-link.pgpass \"\$PGDATA\"/kobatela-link-pepper'" >/dev/null 2>&1
  q -d "$cron_db" -c "DROP OWNED BY kobatela_cron_link" >/dev/null 2>&1   # its grants in the cron schema
  q -d postgres -c "DROP DATABASE IF EXISTS $app WITH (FORCE)" -c "DROP ROLE IF EXISTS kobatela_link_admin" \
    -c "DROP ROLE IF EXISTS kobatela_cron_link" -c "DROP ROLE IF EXISTS kobatela_link_rest" >/dev/null 2>&1
  # pg_cron stays installed: dropped and created again, its job ids start over at 1, and pg_cron
  # 1.4's scheduler, which remembers the jobs it saw by id, then leaves new jobs unrun until restart.
}
trap cleanup EXIT

# A database login that was granted kobatela_admin: admin scope, not a superuser.
q -d postgres -c "DROP ROLE IF EXISTS kobatela_link_admin" -c "CREATE ROLE kobatela_link_admin LOGIN IN ROLE kobatela_admin" >/dev/null
as_admin() { psql -X -qAt -U kobatela_link_admin -d "$app" "$@" 2>&1; }

# ---- who may use the link ------------------------------------------------------------------------
out=$(as_admin -c "SELECT kobatela.schedule_maintenance()")
check "an admin who is not a superuser may not use the owner's passwordless connection" \
  grep -q 'PG_CRON_UNAVAILABLE' <<<"$out"
check "... and is told why and what to do" grep -q 'superusers only' <<<"$out"
check_eq "... and no job was registered" 0 "$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"

q -d postgres -c "ALTER DATABASE $app SET kobatela.cron_conninfo = 'host=$socket_dir port=$port dbname=$cron_db user=postgres'" >/dev/null
out=$(as_admin -c "SELECT kobatela.schedule_maintenance()")
check "a conninfo the server lets in without a password is refused to a non-superuser" \
  grep -q 'without a password' <<<"$out"
check_eq "... and no job was registered" 0 "$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"

# A role that logs in to the cron database with a password (scram, from a passfile only the
# server's user can read) and may schedule there, as docs/pg_cron.md sets it up.
q -d postgres >/dev/null <<SQL
DROP ROLE IF EXISTS kobatela_cron_link;
CREATE ROLE kobatela_cron_link LOGIN PASSWORD '$link_password' IN ROLE kobatela_admin;
SQL
q -d "$cron_db" -c "GRANT USAGE ON SCHEMA cron TO kobatela_cron_link" \
  -c "GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean) TO kobatela_cron_link" >/dev/null
q -d postgres -c "COPY (SELECT '*:*:*:kobatela_cron_link:$link_password') TO PROGRAM 'umask 077 && cat > \"\$PGDATA\"/kobatela-link.pgpass'" >/dev/null
cp -p "$hba" "$data/pg_hba.conf.kobatela-link"
{ echo "local all kobatela_cron_link scram-sha-256"; cat "$data/pg_hba.conf.kobatela-link"; } >"$hba.new" && cat "$hba.new" >"$hba" && rm -f "$hba.new"
q -d postgres -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
q -d postgres -c "ALTER DATABASE $app SET kobatela.cron_conninfo = 'host=$socket_dir port=$port dbname=$cron_db user=kobatela_cron_link passfile=kobatela-link.pgpass'" >/dev/null
check_eq "with a password-authenticated conninfo, a non-superuser admin schedules the three jobs" 3 \
  "$(as_admin -c "SELECT count(*) FROM kobatela.schedule_maintenance()")"
check_eq "... which belong to the link's role" "kobatela_cron_link kobatela_cron_link kobatela_cron_link" \
  "$(q -d "$cron_db" -c "SELECT string_agg(username, ' ') FROM cron.job WHERE jobname LIKE 'kobatela:%'")"
check_eq "... and unschedules them" 3 "$(as_admin -c "SELECT kobatela.unschedule_maintenance()")"
# The link's connection commits on its own: in a READ ONLY transaction (PostgREST's GET) the
# call is refused as a local write would be, before anything reaches pg_cron.
out=$(as_admin -c "BEGIN READ ONLY" -c "SELECT kobatela.schedule_maintenance()" -c "ROLLBACK")
check "in a READ ONLY transaction, schedule_maintenance through the link is READ_ONLY" grep -q 'READ_ONLY' <<<"$out"
check_eq "... and no job was registered" 0 "$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"
as_admin -c "SELECT count(*) FROM kobatela.schedule_maintenance()" >/dev/null
out=$(as_admin -c "BEGIN READ ONLY" -c "SELECT kobatela.unschedule_maintenance()" -c "ROLLBACK")
check "... and so is unschedule_maintenance, which removes nothing" grep -q 'READ_ONLY' <<<"$out"
check_eq "... (the three jobs are still there)" 3 "$(q -d "$cron_db" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela:%'")"
as_admin -c "SELECT kobatela.unschedule_maintenance()" >/dev/null

# The same two calls as PostgREST sends them (docs/postgrest.md, "What PostgREST runs for one
# request"; test/sql/postgrest.sql replays them refused, without the link): a login that is no
# superuser, NOINHERIT, switches to kobatela_anon, and the pre-request authenticates an admin key.
pepper_file=$data/kobatela-link-pepper
q -d postgres -c "COPY (SELECT 'link-pepper-do-not-log') TO PROGRAM 'umask 077 && cat > ''$pepper_file'''" >/dev/null
q -d postgres -c "ALTER DATABASE $app SET kobatela.api_key_pepper_file = '$pepper_file'" >/dev/null
q -d postgres -c "DROP ROLE IF EXISTS kobatela_link_rest" -c "CREATE ROLE kobatela_link_rest LOGIN NOINHERIT IN ROLE kobatela_anon" >/dev/null
rest_admin_key=$(q -d "$app" -c "SELECT api_key FROM kobatela.create_api_key('link rest admin', 'admin')")
rest_post() {  # rest_post FUNCTION BODY MAIN-STATEMENT: one POST /rpc/FUNCTION, what the statement prints
  psql -X -qAt -v ON_ERROR_STOP=1 -U kobatela_link_rest -d "$app" -v key="$rest_admin_key" -v body="$2" 2>&1 <<SQL
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/$1', true),
       set_config('request.headers', json_build_object('content-type', 'application/json', 'x-api-key', :'key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"() \g /dev/null
$3
COMMIT;
SQL
}
# (each main statement is PostgREST's, in SELECT ... FROM (...) AS response to print the body)
schedule_call=$(cat <<'SQL'
SELECT json_array_length(body) FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "schedule" FROM json_to_record(pgrst_payload.json_data) AS _("schedule" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."schedule_maintenance"("schedule" := pgrst_body."schedule") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
           coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "schedule_maintenance".* FROM "pgrst_source" AS "schedule_maintenance") _postgrest_t) AS response;
SQL
)
unschedule_call=$(cat <<'SQL'
SELECT body FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."unschedule_maintenance"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total,
           coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "unschedule_maintenance".* FROM "pgrst_source" AS "unschedule_maintenance") _postgrest_t) AS response;
SQL
)
check_eq "through PostgREST (kobatela_anon, an admin key), schedule_maintenance answers the three job ids" 3 \
  "$(rest_post schedule_maintenance '{"schedule": "0 3 1 1 *"}' "$schedule_call")"
check_eq "... and the two business jobs have that schedule (the purge of pg_cron's history its own)" "0 3 1 1 * 0 3 1 1 *" \
  "$(q -d "$cron_db" -c "SELECT string_agg(schedule, ' ') FROM cron.job WHERE jobname LIKE 'kobatela:%' AND jobname NOT LIKE 'kobatela:purge-cron-history:%'")"
check_eq "... and unschedule_maintenance through PostgREST removes them" 3 \
  "$(rest_post unschedule_maintenance '{}' "$unschedule_call")"
check "the password is in no setting (the conninfo names a passfile)" \
  test "$(q -d postgres -c "SELECT count(*) FROM pg_db_role_setting, unnest(setconfig) c WHERE c LIKE '%$link_password%'")" = 0
q -d postgres -c "ALTER DATABASE $app RESET kobatela.cron_conninfo" >/dev/null

# ---- a stuck cron database never holds a call hostage ----------------------------------------------
# A session holds cron.job locked, so pg_cron's schedule statement waits for it.
q -d "$cron_db" -c "BEGIN" -c "LOCK TABLE cron.job IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do
  [ "$(q -d postgres -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                          WHERE c.relname = 'job' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
  sleep 0.1
done
out=$(PGOPTIONS="$PGOPTIONS -c statement_timeout=1s" q -d "$app" -c "SELECT kobatela.schedule_maintenance()" 2>&1)
check "a cancel (statement_timeout) ends a call waiting on pg_cron's database" \
  grep -q 'canceling statement due to statement timeout' <<<"$out"
still_locked() {
  [ "$(q -d postgres -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                          WHERE c.relname = 'job' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ]
}
check "... while the remote statement is still stuck (the call did not wait for the lock)" still_locked
out=$(PGOPTIONS="$PGOPTIONS -c kobatela.cron_timeout_s=1" q -d "$app" -c "SELECT kobatela.schedule_maintenance()" 2>&1)
check "kobatela.cron_timeout_s bounds the wait: PG_CRON_UNAVAILABLE" grep -q 'PG_CRON_UNAVAILABLE' <<<"$out"
check "... saying it timed out" grep -q 'did not answer within 1 s' <<<"$out"
check "... again while the remote statement is still stuck" still_locked
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=
q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null
check_eq "the connections to the cron database were closed (no kobatela maintenance session left)" 0 \
  "$(q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kobatela maintenance'")"

done_testing
