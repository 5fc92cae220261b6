#!/usr/bin/env bash
# examples/postgrest.conf works with a Kobatela database (docs/postgrest.md, sections 1, 2 and 9).
# No PostgREST server runs here (Debian 12 packages none), so the suite checks what PostgREST
# would rely on:
#   * the file parses as PostgREST 12 reads it (key = value, strings quoted), every key is a
#     PostgREST 12 setting (the list below, from PostgREST 12.2's documentation,
#     docs/references/configuration.rst), each once, with a value of its type, and no secret in it;
#   * the roles, schema and function it names exist with the privileges it relies on: the
#     authenticator of db-uri (created as docs/postgrest.md section 1 says) logs in, may become
#     db-anon-role and the JWT roles and nothing on its own; the pre-request is executable by every
#     role a request runs as, and a request as PostgREST makes it answers;
#   * db-anon-role may execute what docs/postgrest.md says: every function but the pure helpers;
#   * what OpenAPI's follow-privileges would show each role, computed from the catalogue with
#     PostgREST 12.2's own filters, is the matrix of docs/postgrest.md, section 9.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/ops/lib.sh
. test/ops/helpers.bash
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

conf=examples/postgrest.conf
doc=docs/postgrest.md
db=kobatela_rest_conf

# ---- the file ---------------------------------------------------------------------------------
# PostgREST 12.2's settings (docs/references/configuration.rst of v12.2, "List of parameters"),
# with the type of their value: s string, i integer, b boolean, or the accepted words.
declare -A setting_type=(
  [admin-server-port]=i [admin-server-config-enabled]=b
  [db-aggregates-enabled]=b [db-anon-role]=s [db-channel]=s [db-channel-enabled]=b [db-config]=b
  [db-pre-config]=s [db-extra-search-path]=s [db-hoisted-tx-settings]=s [db-max-rows]=i
  [db-plan-enabled]=b [db-pool]=i [db-pool-acquisition-timeout]=i [db-pool-max-idletime]=i
  [db-pool-max-lifetime]=i [db-pool-automatic-recovery]=b [db-pre-request]=s
  [db-prepared-statements]=b [db-root-spec]=s [db-schemas]=s
  [db-tx-end]='commit|commit-allow-override|rollback|rollback-allow-override' [db-uri]=s
  [jwt-aud]=s [jwt-role-claim-key]=s [jwt-secret]=s [jwt-secret-is-base64]=b [jwt-cache-max-lifetime]=i
  [log-level]='crit|error|warn|info|debug'
  [openapi-mode]='follow-privileges|ignore-privileges|disabled' [openapi-security-active]=b
  [openapi-server-proxy-uri]=s
  [server-cors-allowed-origins]=s [server-host]=s [server-port]=i [server-trace-header]=s
  [server-timing-enabled]=b [server-unix-socket]=s [server-unix-socket-mode]=s
)

# Every line is blank, a comment, or key = value (a "string", an integer, true or false).
declare -A value_of=()
parse_errors=()
while IFS= read -r line || [ -n "$line" ]; do
  [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
  if [[ $line =~ ^([a-z][a-z0-9.-]*)[[:space:]]*=[[:space:]]*(\"([^\"\\]|\\.)*\"|[0-9]+|true|false)[[:space:]]*$ ]]; then
    key=${BASH_REMATCH[1]}; value=${BASH_REMATCH[2]}
    if [ -n "${value_of[$key]+set}" ]; then parse_errors+=("$key is set twice"); fi
    value_of[$key]=$value
  else
    parse_errors+=("not a PostgREST setting line: $line")
  fi
done <"$conf"
check_eq "$conf parses: comments and key = value lines only, each key once" "" "$(printf '%s\n' "${parse_errors[@]}")"

unknown=(); badly_typed=()
for key in "${!value_of[@]}"; do
  value=${value_of[$key]}
  type=${setting_type[$key]:-}
  if [ -z "$type" ] && [[ $key != app.settings.* ]]; then unknown+=("$key"); continue; fi
  case "${type:-s}" in
    s) [[ $value == \"*\" ]] || badly_typed+=("$key=$value (a string)") ;;
    i) [[ $value =~ ^[0-9]+$ ]] || badly_typed+=("$key=$value (an integer)") ;;
    b) [[ $value =~ ^(true|false)$ ]] || badly_typed+=("$key=$value (true or false)") ;;
    *) [[ ${value//\"/} =~ ^($type)$ && $value == \"*\" ]] || badly_typed+=("$key=$value (one of $type)") ;;
  esac
done
check_eq "every key of $conf is a PostgREST 12 setting" "" "$(printf '%s\n' "${unknown[@]}" | sort)"
check_eq "every value has its setting's type" "" "$(printf '%s\n' "${badly_typed[@]}" | sort)"

# docs/postgrest.md shows the same settings (section 2's ini block).
doc_settings=$(awk '/^## 2\. `postgrest.conf`/ { s = 1 } s && /^```ini/ { on = 1; next } on && /^```/ { exit } on' "$doc" | sort)
conf_settings=$(grep -vE '^[[:space:]]*(#|$)' "$conf" | sed -E 's/[[:space:]]*=[[:space:]]*/ = /' | sort)
check "$doc section 2 shows settings" test -n "$doc_settings"
if diff <(echo "$doc_settings") <(echo "$conf_settings") >"$tmp/settings.diff"; then
  ok "... and they are the file's"
else
  not_ok "... and they are the file's"
  sed -n -e 's/^</#   in the doc only:/p' -e 's/^>/#   in the file only:/p' "$tmp/settings.diff"
fi

# The file names what Kobatela needs, and holds no secret.
conf_value() { local v=${value_of[$1]:-}; v=${v#\"}; echo "${v%\"}"; }
check_eq "db-schemas is kobatela, db-anon-role kobatela_anon, db-pre-request kobatela.pre_request" \
  "kobatela kobatela_anon kobatela.pre_request" \
  "$(conf_value db-schemas) $(conf_value db-anon-role) $(conf_value db-pre-request)"
uri=$(conf_value db-uri)
check "db-uri names a user and no password (postgres://user@host...)" \
  grep -qE '^postgres(ql)?://[A-Za-z_][A-Za-z0-9_]*@' <<<"$uri"
secret=$(conf_value jwt-secret)
check "jwt-secret is read from a file (@/path) or the environment, never written in the file" \
  grep -qE '^(@/.+|\$\([A-Z_][A-Z0-9_]*\))$' <<<"$secret"
check_eq "settings read from the database are off (db-config = false)" false "$(conf_value db-config)"
for key in db-max-rows db-pool db-pool-acquisition-timeout db-pool-max-lifetime db-pool-max-idletime server-port; do
  check "$key is set, and positive" test "${value_of[$key]:-0}" -gt 0
done

# ---- the database -----------------------------------------------------------------------------
authenticator=$(sed -E 's#^postgres(ql)?://([^@:]+)@.*#\2#' <<<"$uri")
anon=$(conf_value db-anon-role)
schemas=$(conf_value db-schemas)
pre_request=$(conf_value db-pre-request)
recreate_db "$db" && quietly q -d "$db" -c 'CREATE EXTENSION kobatela' || bail_out "cannot set up database $db"
cleanup() {
  q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS $authenticator" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# The authenticator as docs/postgrest.md section 1 creates it (no password: the test cluster
# trusts local connections), with the JWT roles, since the file sets a jwt-secret.
q -d postgres -c "DROP ROLE IF EXISTS $authenticator" \
  -c "CREATE ROLE $authenticator LOGIN NOINHERIT" \
  -c "GRANT $anon TO $authenticator" \
  -c "GRANT kobatela_sender, kobatela_support, kobatela_admin, kobatela_worker TO $authenticator" >/dev/null \
  || bail_out "cannot create the authenticator $authenticator"
# The roles a request may run as: db-anon-role and every other role the authenticator is granted.
request_roles=$(q -d "$db" -c "SELECT string_agg(r.rolname, ' ' ORDER BY r.rolname) FROM pg_auth_members m
                               JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = '$authenticator'::regrole")

check_eq "db-schemas: schema $schemas exists" "$schemas" "$(q -d "$db" -c "SELECT to_regnamespace('$schemas')")"
check_eq "db-extra-search-path: its schemas exist" "$(conf_value db-extra-search-path)" \
  "$(q -d "$db" -c "SELECT string_agg(to_regnamespace(trim(s))::text, ',') FROM unnest(string_to_array('$(conf_value db-extra-search-path)', ',')) AS s")"
check_eq "db-anon-role $anon exists, cannot log in, and may use schema $schemas" "false true" \
  "$(q -d "$db" -c "SELECT rolcanlogin || ' ' || has_schema_privilege(oid, '$schemas', 'USAGE') FROM pg_roles WHERE rolname = '$anon'")"
check_eq "db-uri: the authenticator $authenticator logs in, NOINHERIT, no superuser" "true false false" \
  "$(q -d "$db" -c "SELECT rolcanlogin || ' ' || rolinherit || ' ' || rolsuper FROM pg_roles WHERE rolname = '$authenticator'")"
check_eq "the authenticator may become db-anon-role and the JWT roles" \
  "kobatela_admin kobatela_anon kobatela_sender kobatela_support kobatela_worker" "$request_roles"
check_eq "on its own the authenticator can use nothing of schema $schemas (NOINHERIT)" "false false" \
  "$(q -d "$db" -c "SELECT has_schema_privilege('$authenticator', '$schemas', 'USAGE') || ' ' || has_function_privilege('$authenticator', '$pre_request()', 'EXECUTE')")"
check_eq "db-pre-request: $pre_request() exists, returns void, takes no argument" "$pre_request()|void" \
  "$(q -d "$db" -c "SELECT p.oid::regprocedure || '|' || p.prorettype::regtype FROM pg_proc p WHERE p.oid = to_regprocedure('$pre_request()')")"
not_executable=$(q -d "$db" -c "SELECT string_agg(r, ' ') FROM unnest(string_to_array('$request_roles', ' ')) AS r
                                WHERE NOT has_function_privilege(r, '$pre_request()', 'EXECUTE')")
check_eq "every role a request runs as may execute the pre-request" "" "$not_executable"
check_eq "jwt-role-claim-key reads the claim role" '.role' "$(conf_value jwt-role-claim-key)"

# A request as PostgREST makes it, logged in as the authenticator: GET /rpc/health, anonymous.
health=$(psql -X -qAt -v ON_ERROR_STOP=1 -U "$authenticator" -d "$db" 2>&1 <<SQL
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"$schemas", "public"', true), set_config('role', '$anon', true),
       set_config('request.jwt.claims', '{"role":"$anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/health', true), set_config('request.headers', '{"accept":"application/json"}', true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT $pre_request() \g /dev/null
SELECT coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') ->> 'version' IS NOT NULL
FROM (SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."health"() pgrst_scalar) pgrst_call) _postgrest_t;
COMMIT;
SQL
)
check_eq "the authenticator logs in, becomes $anon, runs the pre-request and calls health()" t "$health"
escalation=$(psql -X -qAt -U "$authenticator" -d "$db" -c "SELECT set_config('role', 'postgres', true)" 2>&1)
check "... and may not become a role it was not granted" grep -q 'permission denied' <<<"$escalation"

# db-anon-role may execute exactly what docs/postgrest.md section 1 says: every function of the
# schema but the pure helpers and the trigger functions.
check_eq "$anon may execute every function but the pure helpers (and the trigger functions)" \
  "kobatela.geo_distance_m kobatela.verify_hmac_sha256 kobatela.within_geofence" \
  "$(q -d "$db" -c "SELECT string_agg(DISTINCT p.pronamespace::regnamespace || '.' || p.proname, ' ')
                    FROM pg_proc p WHERE p.pronamespace = '$schemas'::regnamespace AND p.prorettype <> 'trigger'::regtype
                      AND NOT has_function_privilege('$anon', p.oid, 'EXECUTE')")"

# ---- OpenAPI: what follow-privileges shows each role -------------------------------------------
# PostgREST 12.2 (src/PostgREST/SchemaCache.hs, accessibleFuncs and accessibleTables), run as the
# request's role: the functions of db-schemas it may execute (no trigger function, no procedure,
# at most one unnamed argument and then of type json, jsonb, text, xml or bytea), and the tables,
# views and foreign tables it owns or holds any privilege on. One line per role and object.
openapi_sql() {  # openapi_sql ROLE
  cat <<SQL
SET ROLE $1;
SELECT '$1 /rpc/' || p.proname FROM pg_proc p
LEFT JOIN LATERAL (
    SELECT CASE count(*) - count(name) WHEN 0 THEN true
                WHEN 1 THEN (array_agg(type))[1] IN ('bytea'::regtype, 'json'::regtype, 'jsonb'::regtype, 'text'::regtype, 'xml'::regtype)
                ELSE false END AS callable
    FROM unnest(p.proargnames, p.proargtypes, p.proargmodes) AS _ (name, type, mode) WHERE type IS NOT NULL) a ON true
WHERE p.pronamespace = '$schemas'::regnamespace AND p.prorettype <> 'trigger'::regtype AND p.prokind = 'f'
  AND coalesce(a.callable, true) AND has_function_privilege(p.oid, 'execute')
UNION
SELECT '$1 /' || c.relname FROM pg_class c
WHERE c.relnamespace = '$schemas'::regnamespace AND c.relkind IN ('v', 'r', 'm', 'f', 'p') AND NOT c.relispartition
  AND (pg_has_role(c.relowner, 'USAGE')
       OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
       OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'));
RESET ROLE;
SQL
}
for role in $request_roles; do openapi_sql "$role"; done | q -d "$db" | sort >"$tmp/openapi.catalogue"
# The documented matrix: rows "| `/rpc/name` | ✓ | | ... |" under a header naming the roles.
awk -F'|' '
  /<!-- openapi-matrix -->/ { on = 1; next }
  /<!-- \/openapi-matrix -->/ { on = 0 }
  on && /^\| path/ { for (i = 3; i < NF; i++) { r = $i; gsub(/[ `]/, "", r); role[i] = r } next }
  on && /^\| `\// { p = $2; gsub(/[ `]/, "", p)
                   for (i = 3; i < NF; i++) if ($i ~ /✓/) print role[i] " " p }
' "$doc" | sort >"$tmp/openapi.doc"
check "the documented OpenAPI matrix is not empty" test -s "$tmp/openapi.doc"
if diff "$tmp/openapi.doc" "$tmp/openapi.catalogue" >"$tmp/openapi.diff"; then
  ok "what follow-privileges shows each role is the matrix of $doc, section 9"
else
  not_ok "what follow-privileges shows each role is the matrix of $doc, section 9"
  sed -n -e 's/^</#   documented only:/p' -e 's/^>/#   in the catalogue only:/p' "$tmp/openapi.diff"
fi
check_eq "$anon sees no pure helper in OpenAPI" "" \
  "$(grep -E "^$anon /rpc/(geo_distance_m|within_geofence|verify_hmac_sha256)$" "$tmp/openapi.catalogue")"

done_testing
