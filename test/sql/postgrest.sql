-- PostgREST, request by request (docs/postgrest.md). No PostgREST binary runs here: each HTTP
-- request is replayed as the statements PostgREST v12.2 sends for it, in its order:
--
--   BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE     (READ ONLY for GET, and for POST to a
--                                                       STABLE or IMMUTABLE function)
--   SELECT set_config('search_path', ...), set_config('role', <JWT role or db-anon-role>),
--          set_config('request.jwt.claims', ...), set_config('request.method', ...),
--          set_config('request.path', ...), set_config('request.headers', <JSON, names lower-cased>),
--          set_config('request.cookies', ...)            -- one statement, all transaction-local
--   SELECT "kobatela"."pre_request"()                   -- db-pre-request
--   WITH pgrst_source AS (<the call>) SELECT ..., response_headers, response_status FROM ...
--   COMMIT, or ABORT when a statement failed (or for Prefer: tx=rollback)
--
-- The call: a JSON object body becomes the named arguments through json_to_record (only the
-- keys the body has, so omitted arguments take their defaults); a function with a single unnamed
-- json parameter gets the raw body, `$1::json`. The body is the psql variable `body` (PostgREST's
-- $1). Each main statement is PostgREST's own; it is wrapped in `SELECT ... FROM (...) AS
-- response` only to print the parts of the row that do not change from run to run (ids and
-- timestamps do). An error is what PostgREST turns into the HTTP answer: SQLSTATE PTxxx is
-- status xxx, and the JSON body is {code: SQLSTATE, message: MESSAGE, details: DETAIL, hint:
-- HINT}; PostgREST never sends the CONTEXT, so neither does this file.
--
-- The requests run in a superuser session that switches role per transaction exactly as
-- PostgREST's authenticator does; the first section shows that the authenticator role itself
-- (NOINHERIT, granted the five Kobatela roles) works the same way.
\set SHOW_CONTEXT never
CALL t.use_secret('api_key_pepper', 'rest-pepper-do-not-log');
-- Which functions the requests call, for the coverage check at the end of this file. With
-- track_functions = all, pg_stat_xact_user_functions counts the calls not yet flushed to the
-- statistics; t_rest.record(), run just before a request's COMMIT (the one statement in a request
-- that PostgREST does not send), keeps those of schema kobatela with the request's method, path and
-- role, then has the counts flushed when the transaction ends, so that the next request starts from
-- none. A request that failed never reaches it (its transaction is aborted), and what a request
-- that ends with ABORT recorded is rolled back with it: only requests that succeeded count.
SET track_functions = 'all';
CREATE TEMP TABLE rest_calls (fn regprocedure NOT NULL, method text NOT NULL, path text NOT NULL, role text NOT NULL);
CREATE SCHEMA t_rest;
GRANT USAGE ON SCHEMA t_rest TO PUBLIC;
CREATE FUNCTION t_rest.record() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO pg_temp.rest_calls
    SELECT s.funcid, current_setting('request.method'), current_setting('request.path'), current_setting('role')
    FROM pg_stat_xact_user_functions s WHERE s.schemaname = 'kobatela' AND s.calls > 0;
    SELECT pg_stat_force_next_flush() $$;
-- The PSP signs with pgcrypto's HMAC (as test/sql/psp.sql does); the secret lives in a table so
-- that no statement that may be logged holds it.
CREATE EXTENSION pgcrypto SCHEMA t;
CREATE TABLE t.rest_secrets (name text PRIMARY KEY, secret text NOT NULL);
\set psp_secret 'whsec_rest-do-not-log'
INSERT INTO t.rest_secrets VALUES ('psp', :'psp_secret');
CALL t.use_secret('psp_webhook_secret', :'psp_secret');
-- X-PSP-Signature: lower-case hex HMAC-SHA256(secret, ts || '.' || body), ts = seconds since the epoch.
CREATE FUNCTION t.rest_sign(ts text, body text) RETURNS text LANGUAGE sql AS $$
    SELECT encode(t.hmac(convert_to(ts || '.' || body, 'UTF8'), convert_to(secret, 'UTF8'), 'sha256'), 'hex')
    FROM t.rest_secrets WHERE name = 'psp' $$;
-- The first admin key is created by a superuser in psql (docs/security.md); every later one
-- through PostgREST.
SELECT id AS admin_key_id, api_key AS admin_key FROM kobatela.create_api_key('rest admin', 'admin') \gset
-- Fixtures of the platform: two more users, and a key bound to dave (an end user's key).
SELECT id AS carol FROM kobatela.create_user('rest_carol', 'rest_carol@example.com') \gset
SELECT id AS dave FROM kobatela.create_user('rest_dave', 'rest_dave@example.com') \gset
SELECT api_key AS dave_key FROM kobatela.create_api_key('rest dave', 'sender', :dave) \gset

-- ===== The authenticator: PostgREST's login role (db-uri), NOINHERIT, member of the five roles.
SET client_min_messages = warning;
DROP ROLE IF EXISTS t_rest_authenticator;
RESET client_min_messages;
CREATE ROLE t_rest_authenticator NOINHERIT;   -- LOGIN PASSWORD '...' in production
GRANT kobatela_anon, kobatela_sender, kobatela_support, kobatela_worker, kobatela_admin TO t_rest_authenticator;
SET SESSION AUTHORIZATION t_rest_authenticator;
-- On its own it can do nothing: NOINHERIT, so the roles' privileges apply only after the switch.
SELECT kobatela.health();
-- GET /rpc/health (anonymous: no key, no JWT). health is STABLE: READ ONLY, like every GET.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/health', true),
       set_config('request.headers', '{"accept":"application/json","host":"api.example.com"}', true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body -> 'psp_secret_configured' AS psp_secret_configured, response_status
FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."health"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total,
           coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "health".* FROM "pgrst_source" AS "health") _postgrest_t
) AS response;
-- (not a PostgREST statement: who the request was)
SELECT session_user, current_user, kobatela.current_scope() AS scope, kobatela.current_actor() AS actor;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The authenticator may become any of the five roles, as a JWT's role claim asks.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('role', 'kobatela_sender', true) \g /dev/null
SELECT current_user, kobatela.current_scope() AS scope;
COMMIT;
RESET SESSION AUTHORIZATION;

-- ===== No key: the pre-request lets the request through anonymous; the function refuses it.
-- POST /rpc/create_user {"username": "rest_alice", "email": "rest_alice@example.com"}
SELECT json_build_object('username', 'rest_alice', 'email', 'rest_alice@example.com')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_user', true),
       set_config('request.headers', '{"accept":"application/json","content-type":"application/json"}', true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "username", "email" FROM json_to_record(pgrst_payload.json_data) AS _("username" text, "email" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_user"("username" := pgrst_body."username", "email" := pgrst_body."email") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;

-- A key that is not valid fails the request in the pre-request, whatever it calls (even health).
-- GET /rpc/health  X-API-Key: koba_000000.<43 characters>
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/health', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', 'koba_000000.' || repeat('A', 43))::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;

-- ===== Users, as the admin key. The same request with X-API-Key: 200 and the new user.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username, body ->> 'email' AS email, body -> 'is_active' AS is_active, response_status
FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "username", "email" FROM json_to_record(pgrst_payload.json_data) AS _("username" text, "email" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_user"("username" := pgrst_body."username", "email" := pgrst_body."email") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS alice FROM kobatela.users WHERE username = 'rest_alice' \gset
-- POST /rpc/create_user {"username": "rest_bob", "email": "rest_bob@example.com", "is_active": true}
SELECT json_build_object('username', 'rest_bob', 'email', 'rest_bob@example.com', 'is_active', true)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "username", "email", "is_active" FROM json_to_record(pgrst_payload.json_data) AS _("username" text, "email" text, "is_active" boolean) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_user"("username" := pgrst_body."username", "email" := pgrst_body."email", "is_active" := pgrst_body."is_active") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS bob FROM kobatela.users WHERE username = 'rest_bob' \gset
-- Under PostgREST session_user is the authenticator: the audit actor is the key.
SELECT action, actor = 'apikey:' || :admin_key_id AS actor_is_the_admin_key
FROM kobatela.audit_entries WHERE entity = 'users' AND entity_id = :alice ORDER BY record_id, change_no;

-- ===== Keys. The admin key creates the platform's sender key; the plaintext is in the answer once.
-- POST /rpc/create_api_key {"name": "rest platform", "scope": "sender"}
SELECT json_build_object('name', 'rest platform', 'scope', 'sender')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'api_key' AS sender_key, body ->> 'prefix' AS sender_prefix FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "name", "scope" FROM json_to_record(pgrst_payload.json_data) AS _("name" text, "scope" kobatela.api_scope) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_api_key"("name" := pgrst_body."name", "scope" := pgrst_body."scope") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response \gset
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT :'sender_key' ~ '^koba_[0-9a-f]{6}\.[A-Za-z0-9_-]{43}$' AS well_formed, left(:'sender_key', 11) = :'sender_prefix' AS prefix,
       (SELECT scope FROM kobatela.api_keys WHERE prefix = :'sender_prefix') AS scope;
-- The sender key calling an admin function: 403.
-- POST /rpc/create_api_key {"name": "rest escalation", "scope": "admin"}  X-API-Key: <sender key>
SELECT json_build_object('name', 'rest escalation', 'scope', 'admin')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'prefix' AS prefix FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "name", "scope" FROM json_to_record(pgrst_payload.json_data) AS _("name" text, "scope" kobatela.api_scope) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_api_key"("name" := pgrst_body."name", "scope" := pgrst_body."scope") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;

-- ===== Allowlist and certification (the platform's sender key). Both return text: a scalar.
-- POST /rpc/add_to_allowlist {"owner_id": alice, "recipient_id": bob}
SELECT json_build_object('owner_id', :alice, 'recipient_id', :bob)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/add_to_allowlist', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "owner_id", "recipient_id" FROM json_to_record(pgrst_payload.json_data) AS _("owner_id" bigint, "recipient_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."add_to_allowlist"("owner_id" := pgrst_body."owner_id", "recipient_id" := pgrst_body."recipient_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "add_to_allowlist".* FROM "pgrst_source" AS "add_to_allowlist") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/add_certification {"user_id": carol, "level": "gold"}
SELECT json_build_object('user_id', :carol, 'level', 'gold')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/add_certification', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "user_id", "level" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "level" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."add_certification"("user_id" := pgrst_body."user_id", "level" := pgrst_body."level") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "add_certification".* FROM "pgrst_source" AS "add_certification") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;

-- ===== Transfers. The idempotency key comes from the Idempotency-Key header (no argument).
-- POST /rpc/create_transaction {"sender_id": alice, "receiver_id": bob, "amount": 25.50, "currency": "USD"}
--      Idempotency-Key: rest-tx-1
SELECT json_build_object('sender_id', :alice, 'receiver_id', :bob, 'amount', 25.50, 'currency', 'USD')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-tx-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, body ->> 'idempotency_key' AS idempotency_key, response_status, response_headers
FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount", "currency" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric, "currency" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount", "currency" := pgrst_body."currency") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS tx1 FROM kobatela.transactions WHERE sender_id = :alice AND idempotency_key = 'rest-tx-1' \gset
-- The client retries the same request: the first transaction again, no second transaction.
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-tx-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT (body ->> 'id')::bigint = :tx1 AS same_transaction, body ->> 'status' AS status, response_status
FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount", "currency" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric, "currency" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount", "currency" := pgrst_body."currency") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- What the retry wrote: only the audit row of the key's use (every authenticated request has one).
SELECT key AS changed, (t.row_counts() -> key)::int - (:'before'::jsonb -> key)::int AS added
FROM jsonb_object_keys(:'before'::jsonb) AS key WHERE t.row_counts() -> key <> :'before'::jsonb -> key ORDER BY key;
-- The same key with another amount: 409.
SELECT json_build_object('sender_id', :alice, 'receiver_id', :bob, 'amount', 30, 'currency', 'USD')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-tx-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount", "currency" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric, "currency" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount", "currency" := pgrst_body."currency") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- A receiver neither allowlisted nor certified: refused as data. The function sets
-- response.status and response.headers, PostgREST reads them in the same statement and answers
-- 403 with X-Kobatela-Error, and the transaction COMMITS: the REJECTED row and its alert stay.
-- POST /rpc/create_transaction {"sender_id": alice, "receiver_id": dave, "amount": 10}  Idempotency-Key: rest-tx-2
SELECT json_build_object('sender_id', :alice, 'receiver_id', :dave, 'amount', 10)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-tx-2')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'currency' AS currency, response_status, response_headers,
       json_typeof(response_headers::json) = 'array' AND (SELECT bool_and(json_typeof(h) = 'object') FROM json_array_elements(response_headers::json) h) AS array_of_objects
FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT tx.status, tx.idempotency_key, a.type AS alert
FROM kobatela.transactions tx JOIN kobatela.alerts a ON (a.payload ->> 'transaction_id')::bigint = tx.id
WHERE tx.sender_id = :alice AND tx.receiver_id = :dave;
-- After the commit the GUCs read '' (PostgREST's pool reuses the connection).
SELECT current_setting('response.status', true) = '' AS status_cleared, current_setting('request.headers', true) = '' AS headers_cleared;

-- ===== An escrow, its milestones, a deposit with Idempotency-Key, proofs, a decision, payouts.
-- POST /rpc/create_escrow {"client_id": alice, "provider_id": bob, "amount_total": 100, "currency": "USD",
--                          "release_conditions": {"milestones": 2}, "deadline_at": <in 30 days>}
SELECT json_build_object('client_id', :alice, 'provider_id', :bob, 'amount_total', 100, 'currency', 'USD',
                         'release_conditions', json_build_object('milestones', 2),
                         'deadline_at', now() + interval '30 days')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_escrow', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body -> 'release_conditions' AS release_conditions, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "client_id", "provider_id", "amount_total", "currency", "release_conditions", "deadline_at" FROM json_to_record(pgrst_payload.json_data) AS _("client_id" bigint, "provider_id" bigint, "amount_total" numeric, "currency" text, "release_conditions" jsonb, "deadline_at" timestamp with time zone) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_escrow"("client_id" := pgrst_body."client_id", "provider_id" := pgrst_body."provider_id", "amount_total" := pgrst_body."amount_total", "currency" := pgrst_body."currency", "release_conditions" := pgrst_body."release_conditions", "deadline_at" := pgrst_body."deadline_at") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS e FROM kobatela.escrow_agreements WHERE client_id = :alice AND provider_id = :bob AND amount_total = 100 \gset
-- POST /rpc/add_milestone {"escrow_id": e, "idx": 1, "label": "Foundations", "amount": 60,
--                          "geofence_lat": 5.321, "geofence_lng": -4.0123, "geofence_radius_m": 500}
SELECT json_build_object('escrow_id', :e, 'idx', 1, 'label', 'Foundations', 'amount', 60,
                         'geofence_lat', 5.321, 'geofence_lng', -4.0123, 'geofence_radius_m', 500)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/add_milestone', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'idx' AS idx, body ->> 'proof_type' AS proof_type, body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "idx", "label", "amount", "geofence_lat", "geofence_lng", "geofence_radius_m" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "idx" integer, "label" text, "amount" numeric, "geofence_lat" double precision, "geofence_lng" double precision, "geofence_radius_m" double precision) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."add_milestone"("escrow_id" := pgrst_body."escrow_id", "idx" := pgrst_body."idx", "label" := pgrst_body."label", "amount" := pgrst_body."amount", "geofence_lat" := pgrst_body."geofence_lat", "geofence_lng" := pgrst_body."geofence_lng", "geofence_radius_m" := pgrst_body."geofence_radius_m") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "milestones".* FROM "pgrst_source" AS "milestones") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/add_milestone {"escrow_id": e, "idx": 2, "label": "Handover", "amount": 40, "proof_type": "DOCUMENT"}
SELECT json_build_object('escrow_id', :e, 'idx', 2, 'label', 'Handover', 'amount', 40, 'proof_type', 'DOCUMENT')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/add_milestone', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'idx' AS idx, body ->> 'proof_type' AS proof_type, body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "idx", "label", "amount", "proof_type" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "idx" integer, "label" text, "amount" numeric, "proof_type" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."add_milestone"("escrow_id" := pgrst_body."escrow_id", "idx" := pgrst_body."idx", "label" := pgrst_body."label", "amount" := pgrst_body."amount", "proof_type" := pgrst_body."proof_type") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "milestones".* FROM "pgrst_source" AS "milestones") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/escrow_deposit {"escrow_id": e, "amount": 100}  Idempotency-Key: rest-dep-1
SELECT json_build_object('escrow_id', :e, 'amount', 100)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_deposit', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-dep-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'deposited_amount' AS deposited_amount, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "amount" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "amount" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_deposit"("escrow_id" := pgrst_body."escrow_id", "amount" := pgrst_body."amount") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The client did not get the answer and retries: the escrow as it is, one deposit.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_deposit', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-dep-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'deposited_amount' AS deposited_amount, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "amount" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "amount" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_deposit"("escrow_id" := pgrst_body."escrow_id", "amount" := pgrst_body."amount") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT count(*) AS deposits, max(idempotency_key) AS idempotency_key FROM kobatela.escrow_deposits WHERE escrow_id = :e;
-- POST /rpc/submit_proof: a fresh photo inside the geofence is approved and paid out at once.
SELECT json_build_object('escrow_id', :e, 'milestone_idx', 1, 'type', 'PHOTO', 'storage_url', 's3://rest/foundations.jpg',
                         'sha256', encode(sha256('rest-foundations'::bytea), 'hex'),
                         'metadata', json_build_object('exif_timestamp', to_char((now() - interval '10 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                                       'gps_lat', 5.3212, 'gps_lng', -4.0125, 'source', 'app'))::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/submit_proof', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'type' AS type, body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "milestone_idx", "type", "storage_url", "sha256", "metadata" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "milestone_idx" integer, "type" text, "storage_url" text, "sha256" text, "metadata" jsonb) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."submit_proof"("escrow_id" := pgrst_body."escrow_id", "milestone_idx" := pgrst_body."milestone_idx", "type" := pgrst_body."type", "storage_url" := pgrst_body."storage_url", "sha256" := pgrst_body."sha256", "metadata" := pgrst_body."metadata") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "proofs".* FROM "pgrst_source" AS "proofs") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/submit_proof: a document waits for the client's decision.
SELECT json_build_object('escrow_id', :e, 'milestone_idx', 2, 'type', 'PDF', 'storage_url', 's3://rest/handover.pdf',
                         'sha256', encode(sha256('rest-handover'::bytea), 'hex'))::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/submit_proof', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'type' AS type, body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "milestone_idx", "type", "storage_url", "sha256" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "milestone_idx" integer, "type" text, "storage_url" text, "sha256" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."submit_proof"("escrow_id" := pgrst_body."escrow_id", "milestone_idx" := pgrst_body."milestone_idx", "type" := pgrst_body."type", "storage_url" := pgrst_body."storage_url", "sha256" := pgrst_body."sha256") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "proofs".* FROM "pgrst_source" AS "proofs") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS p2 FROM kobatela.proofs WHERE sha256 = encode(sha256('rest-handover'::bytea), 'hex') \gset
-- POST /rpc/decide_proof {"proof_id": p2, "decision": "approved", "note": "keys handed over"}
SELECT json_build_object('proof_id', :p2, 'decision', 'approved', 'note', 'keys handed over')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/decide_proof', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "proof_id", "decision", "note" FROM json_to_record(pgrst_payload.json_data) AS _("proof_id" bigint, "decision" text, "note" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."decide_proof"("proof_id" := pgrst_body."proof_id", "decision" := pgrst_body."decision", "note" := pgrst_body."note") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "proofs".* FROM "pgrst_source" AS "proofs") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Both milestones were paid out; the escrow closed.
SELECT m.idx, m.status AS milestone, p.amount, p.status AS payment FROM kobatela.milestones m
JOIN kobatela.payments p ON p.milestone_id = m.id WHERE m.escrow_id = :e ORDER BY m.idx;
SELECT p.id AS pay1, p.psp_ref AS ref1 FROM kobatela.payments p JOIN kobatela.milestones m ON m.id = p.milestone_id
WHERE m.escrow_id = :e AND m.idx = 1 \gset
-- POST /rpc/execute_payment {"payment_id": pay1}: a SENT payment is returned as it is.
SELECT json_build_object('payment_id', :pay1)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/execute_payment', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, body ->> 'psp_ref' = :'ref1' AS same_psp_ref FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "payment_id" FROM json_to_record(pgrst_payload.json_data) AS _("payment_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."execute_payment"("payment_id" := pgrst_body."payment_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/get_escrow?escrow_id=<e>: arguments from the query string, as JSON strings; READ ONLY.
SELECT json_build_object('escrow_id', :e::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_escrow', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'deposited_amount' AS deposited, body ->> 'paid_amount' AS paid FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_escrow"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The same GET with dave's key (bound to a user who is no party to this escrow): 403.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_escrow', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_escrow"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- GET on a function that writes: the transaction is READ ONLY, so PostgreSQL refuses the write
-- (25006, which PostgREST answers 405), and Kobatela raises it as READ_ONLY with a hint. Writes go
-- through POST.
-- GET /rpc/create_user?username=rest_eve&email=rest_eve@example.com
SELECT json_build_object('username', 'rest_eve', 'email', 'rest_eve@example.com')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/create_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "username", "email" FROM json_to_record(pgrst_payload.json_data) AS _("username" text, "email" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_user"("username" := pgrst_body."username", "email" := pgrst_body."email") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message;

-- ===== The PSP's webhook: POST /rpc/psp_webhook_raw with the PSP's own body, byte for byte
-- (Content-Type: application/json), signed in X-PSP-Signature / X-PSP-Timestamp. The single
-- unnamed json parameter makes PostgREST pass the raw body as `$1::json`, and json keeps the text
-- exactly as sent: the spacing below is part of what was signed.
SELECT format('{"id": "evt_rest_1",  "type": "payment.settled", "psp_ref": "%s"}', :'ref1') AS raw \gset
SELECT extract(epoch FROM now())::text AS ts \gset
SELECT t.rest_sign(:'ts', :'raw') AS sig \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/psp_webhook_raw', true),
       set_config('request.headers', json_build_object('accept', '*/*', 'content-type', 'application/json', 'user-agent', 'psp-webhooks/1.0', 'x-psp-signature', :'sig', 'x-psp-timestamp', :'ts')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body -> 'ok' AS ok, body ->> 'event_id' AS event_id, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."psp_webhook_raw"(:'raw'::json) pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "psp_webhook_raw".* FROM "pgrst_source" AS "psp_webhook_raw") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT status AS payment FROM kobatela.payments WHERE id = :pay1;
SELECT event_id, kind, psp_ref = :'ref1' AS names_the_payment FROM kobatela.psp_webhook_events WHERE event_id = 'evt_rest_1';
-- The PSP retries the delivery (same bytes, same headers): the first answer, nothing written.
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/psp_webhook_raw', true),
       set_config('request.headers', json_build_object('accept', '*/*', 'content-type', 'application/json', 'user-agent', 'psp-webhooks/1.0', 'x-psp-signature', :'sig', 'x-psp-timestamp', :'ts')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body -> 'ok' AS ok, body ->> 'event_id' AS event_id, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."psp_webhook_raw"(:'raw'::json) pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "psp_webhook_raw".* FROM "pgrst_source" AS "psp_webhook_raw") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;
-- Why json and not jsonb: jsonb would hand the function its own re-serialisation of the body,
-- which is not what the PSP signed.
SELECT :'raw'::jsonb::text = :'raw' AS jsonb_keeps_the_bytes, :'raw'::json::text = :'raw' AS json_keeps_the_bytes;
-- A bad signature: 401, nothing written. The second event's body signed, but another body sent.
SELECT format('{"id": "evt_rest_2", "type": "payment.failed", "psp_ref": "%s"}', :'ref1') AS raw \gset
SELECT t.rest_sign(:'ts', '{"id": "evt_rest_2", "type": "ping"}') AS sig \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/psp_webhook_raw', true),
       set_config('request.headers', json_build_object('accept', '*/*', 'content-type', 'application/json', 'x-psp-signature', :'sig', 'x-psp-timestamp', :'ts')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'event_id' AS event_id FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."psp_webhook_raw"(:'raw'::json) pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "psp_webhook_raw".* FROM "pgrst_source" AS "psp_webhook_raw") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- A stale timestamp: correctly signed 301 seconds ago (the allowed skew is 300): 401.
SELECT (extract(epoch FROM now()) - 301)::text AS ts \gset
SELECT t.rest_sign(:'ts', :'raw') AS sig \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/psp_webhook_raw', true),
       set_config('request.headers', json_build_object('accept', '*/*', 'content-type', 'application/json', 'x-psp-signature', :'sig', 'x-psp-timestamp', :'ts')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'event_id' AS event_id FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."psp_webhook_raw"(:'raw'::json) pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "psp_webhook_raw".* FROM "pgrst_source" AS "psp_webhook_raw") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
SELECT t.row_counts() = :'before' AS nothing_written, (SELECT status FROM kobatela.payments WHERE id = :pay1) AS payment;

-- ===== A mandate and a purchase under it (the catalogue first: platform data).
-- POST /rpc/create_spend_category {"code": "REST_PHARMACY", "label": "Pharmacy"}
SELECT json_build_object('code', 'REST_PHARMACY', 'label', 'Pharmacy')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_spend_category', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'code' AS code, body ->> 'label' AS label FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "code", "label" FROM json_to_record(pgrst_payload.json_data) AS _("code" text, "label" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_spend_category"("code" := pgrst_body."code", "label" := pgrst_body."label") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "spend_categories".* FROM "pgrst_source" AS "spend_categories") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS cat FROM kobatela.spend_categories WHERE code = 'REST_PHARMACY' \gset
-- POST /rpc/create_merchant {"name": "rest_pharmacy", "category_id": cat, "is_certified": true}
SELECT json_build_object('name', 'rest_pharmacy', 'category_id', :cat, 'is_certified', true)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_merchant', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'name' AS name, body -> 'is_certified' AS is_certified FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "name", "category_id", "is_certified" FROM json_to_record(pgrst_payload.json_data) AS _("name" text, "category_id" bigint, "is_certified" boolean) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_merchant"("name" := pgrst_body."name", "category_id" := pgrst_body."category_id", "is_certified" := pgrst_body."is_certified") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "merchants".* FROM "pgrst_source" AS "merchants") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT id AS shop FROM kobatela.merchants WHERE name = 'rest_pharmacy' \gset
-- POST /rpc/create_mandate {"sender_id": alice, "beneficiary_id": dave, "total_amount": 50, "allowed_category_id": cat}
SELECT json_build_object('sender_id', :alice, 'beneficiary_id', :dave, 'total_amount', 50, 'allowed_category_id', :cat)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_mandate', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'total_amount' AS total_amount, body ->> 'currency' AS currency FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "beneficiary_id", "total_amount", "allowed_category_id" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "beneficiary_id" bigint, "total_amount" numeric, "allowed_category_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_mandate"("sender_id" := pgrst_body."sender_id", "beneficiary_id" := pgrst_body."beneficiary_id", "total_amount" := pgrst_body."total_amount", "allowed_category_id" := pgrst_body."allowed_category_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "usage_mandates".* FROM "pgrst_source" AS "usage_mandates") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/create_purchase {"sender_id": alice, "merchant_id": shop, "amount": 20, "beneficiary_id": dave}
--      Idempotency-Key: rest-buy-1
SELECT json_build_object('sender_id', :alice, 'merchant_id', :shop, 'amount', 20, 'beneficiary_id', :dave)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_purchase', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-buy-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, body ->> 'idempotency_key' AS idempotency_key FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "merchant_id", "amount", "beneficiary_id" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "merchant_id" bigint, "amount" numeric, "beneficiary_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_purchase"("sender_id" := pgrst_body."sender_id", "merchant_id" := pgrst_body."merchant_id", "amount" := pgrst_body."amount", "beneficiary_id" := pgrst_body."beneficiary_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "purchases".* FROM "pgrst_source" AS "purchases") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Its retry: the same purchase, the mandate consumed once.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_purchase', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-buy-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, body ->> 'idempotency_key' AS idempotency_key FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "merchant_id", "amount", "beneficiary_id" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "merchant_id" bigint, "amount" numeric, "beneficiary_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_purchase"("sender_id" := pgrst_body."sender_id", "merchant_id" := pgrst_body."merchant_id", "amount" := pgrst_body."amount", "beneficiary_id" := pgrst_body."beneficiary_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "purchases".* FROM "pgrst_source" AS "purchases") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT m.status, m.total_spent, (SELECT count(*) FROM kobatela.purchases p WHERE p.mandate_id = m.id) AS purchases
FROM kobatela.usage_mandates m WHERE m.sender_id = :alice AND m.beneficiary_id = :dave;

-- ===== A payee and a spend. Fixture: a second escrow of alice's, funded with 50.
SELECT id AS e2 FROM kobatela.create_escrow(:alice, :bob, 50, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 50);
-- POST /rpc/add_allowed_payee {"escrow_id": e2, "payee_ref": "rest_clinic", "label": "Clinic", "daily_limit": 30, "total_limit": 40}
SELECT json_build_object('escrow_id', :e2, 'payee_ref', 'rest_clinic', 'label', 'Clinic', 'daily_limit', 30, 'total_limit', 40)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/add_allowed_payee', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'payee_ref' AS payee_ref, body ->> 'daily_limit' AS daily_limit, body ->> 'total_limit' AS total_limit FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "payee_ref", "label", "daily_limit", "total_limit" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "payee_ref" text, "label" text, "daily_limit" numeric, "total_limit" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."add_allowed_payee"("escrow_id" := pgrst_body."escrow_id", "payee_ref" := pgrst_body."payee_ref", "label" := pgrst_body."label", "daily_limit" := pgrst_body."daily_limit", "total_limit" := pgrst_body."total_limit") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "allowed_payees".* FROM "pgrst_source" AS "allowed_payees") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/spend {"escrow_id": e2, "payee_ref": "rest_clinic", "amount": 20, "note": "consultation"}
--      Idempotency-Key: rest-spend-1
SELECT json_build_object('escrow_id', :e2, 'payee_ref', 'rest_clinic', 'amount', 20, 'note', 'consultation')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/spend', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-spend-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, body ->> 'idempotency_key' AS idempotency_key FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "payee_ref", "amount", "note" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "payee_ref" text, "amount" numeric, "note" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."spend"("escrow_id" := pgrst_body."escrow_id", "payee_ref" := pgrst_body."payee_ref", "amount" := pgrst_body."amount", "note" := pgrst_body."note") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Another 15 today, with a new key: over the daily limit of 30, 409, nothing written.
SELECT json_build_object('escrow_id', :e2, 'payee_ref', 'rest_clinic', 'amount', 15)::text AS body \gset
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/spend', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-spend-2')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "payee_ref", "amount" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "payee_ref" text, "amount" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."spend"("escrow_id" := pgrst_body."escrow_id", "payee_ref" := pgrst_body."payee_ref", "amount" := pgrst_body."amount") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT spent_today, spent_total FROM kobatela.allowed_payees WHERE escrow_id = :e2;

-- ===== Metadata (0.8.0): a JSON object in the body is the metadata argument as it is; the row
-- returns it. A spend with metadata, its key replayed with other metadata (409), a transfer whose
-- metadata is not an object (400), and a table read of the payment.
-- POST /rpc/spend {"escrow_id": e2, "payee_ref": "rest_clinic", "amount": 5, "metadata": {"invoice": "INV-1", "visit": 2}}
--      Idempotency-Key: rest-spend-md
SELECT json_build_object('escrow_id', :e2, 'payee_ref', 'rest_clinic', 'amount', 5,
                         'metadata', json_build_object('invoice', 'INV-1', 'visit', 2))::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/spend', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-spend-md')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'id' AS pay_md, body ->> 'status' AS status, body -> 'metadata' AS metadata FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "payee_ref", "amount", "metadata" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "payee_ref" text, "amount" numeric, "metadata" jsonb) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."spend"("escrow_id" := pgrst_body."escrow_id", "payee_ref" := pgrst_body."payee_ref", "amount" := pgrst_body."amount", "metadata" := pgrst_body."metadata") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response \gset
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT :'status' AS status, :'metadata' AS metadata;
-- The same key with other metadata: 409, nothing written.
SELECT json_build_object('escrow_id', :e2, 'payee_ref', 'rest_clinic', 'amount', 5,
                         'metadata', json_build_object('invoice', 'INV-2', 'visit', 2))::text AS body \gset
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/spend', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key', 'idempotency-key', 'rest-spend-md')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "payee_ref", "amount", "metadata" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "payee_ref" text, "amount" numeric, "metadata" jsonb) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."spend"("escrow_id" := pgrst_body."escrow_id", "payee_ref" := pgrst_body."payee_ref", "amount" := pgrst_body."amount", "metadata" := pgrst_body."metadata") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
SELECT t.row_counts() = :'before' AS nothing_written;
-- POST /rpc/create_transaction {"sender_id": alice, "receiver_id": bob, "amount": 5, "metadata": "{\"order\": 1"}
-- metadata must be a JSON object: a string (here, JSON text that is not even whole) is 400
-- INVALID_METADATA, nothing written. (A body that is not JSON at all never reaches the database:
-- PostgREST answers 400 PGRST102 itself.)
SELECT json_build_object('sender_id', :alice, 'receiver_id', :bob, 'amount', 5, 'metadata', '{"order": 1')::text AS body \gset
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount", "metadata" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric, "metadata" jsonb) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount", "metadata" := pgrst_body."metadata") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
SELECT t.row_counts() = :'before' AS nothing_written;
-- GET /payments?select=id,metadata&id=eq.<pay_md>  X-API-Key: <sender key>. A table read: READ
-- ONLY, the filter's value a parameter of unknown type ($1), the rows as row-level security lets
-- the key see them.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/payments', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body -> 0 ->> 'id' = :'pay_md' AS the_payment, body -> 0 -> 'metadata' AS metadata, page_total FROM (
    WITH pgrst_source AS (
        SELECT "kobatela"."payments"."id", "kobatela"."payments"."metadata" FROM "kobatela"."payments"
        WHERE "kobatela"."payments"."id" = :'pay_md')
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
           coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT * FROM pgrst_source) _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;

-- ===== JWT instead of an API key. PostgREST verified `Authorization: Bearer <jwt>` itself and
-- switched to the role its role claim names (jwt-role-claim-key); it adds that role to the
-- claims it sets. pre_request leaves a Bearer token that is not a Kobatela key alone. The role
-- gives the scope; the kobatela_user_id claim binds it to one user, as a key's user_id does.
-- POST /rpc/create_transaction {"sender_id": alice, "receiver_id": bob, "amount": 5}
--      Authorization: Bearer <jwt {"role": "kobatela_sender", "sub": "rest-backend", "kobatela_user_id": dave}>
--      Idempotency-Key: rest-tx-jwt-1
SELECT json_build_object('role', 'kobatela_sender', 'sub', 'rest-backend', 'kobatela_user_id', :dave)::text AS claims \gset
SELECT json_build_object('sender_id', :alice, 'receiver_id', :bob, 'amount', 5)::text AS body \gset
SELECT t.row_counts() AS before \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl', 'idempotency-key', 'rest-tx-jwt-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
-- (not a PostgREST statement: who the request is) The role's scope, bound to dave by the claim;
-- the audit actor names both.
SELECT kobatela.current_scope() AS scope, kobatela.current_user_id() = :dave AS bound_to_dave,
       kobatela.current_actor() = 'role:kobatela_sender/user:' || :dave AS actor_names_role_and_user;
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "sender_id", "receiver_id", "amount" FROM json_to_record(pgrst_payload.json_data) AS _("sender_id" bigint, "receiver_id" bigint, "amount" numeric) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_transaction"("sender_id" := pgrst_body."sender_id", "receiver_id" := pgrst_body."receiver_id", "amount" := pgrst_body."amount") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
ABORT;
-- dave may not move alice's money: 403, nothing written.
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
SELECT t.row_counts() = :'before' AS nothing_written;
-- GET /rpc/get_user?id=<dave> with the same JWT: dave reads himself (200), and only himself.
SELECT json_build_object('id', :dave::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_user"("id" := pgrst_body."id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
-- (not a PostgREST statement) The same JWT reading alice: NOT_A_PARTY.
SELECT username FROM kobatela.get_user(:alice);
ABORT;
-- A kobatela_user_id claim that is not a user id is refused, not ignored (ignoring would widen).
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT set_config('request.jwt.claims', '{"role": "kobatela_sender", "kobatela_user_id": "1; DROP"}', true) \g /dev/null
SELECT kobatela.current_scope();
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT set_config('request.jwt.claims', '{"role": "kobatela_sender", "kobatela_user_id": 1.5}', true) \g /dev/null
SELECT kobatela.current_user_id();
ROLLBACK;
-- Without the claim the role's scope is unbound (a platform backend's JWT).
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT set_config('request.jwt.claims', '{"role": "kobatela_sender", "sub": "rest-backend"}', true) \g /dev/null
SELECT kobatela.current_scope() AS scope, kobatela.current_user_id() AS user_id;
ROLLBACK;
-- The JWT's sender role calling an admin function: PostgreSQL refuses it before Kobatela runs, since
-- kobatela_sender may not execute create_api_key at all (42501 insufficient_privilege, which
-- PostgREST answers with 403 for a JWT role; test/pgtap/privileges.sql has every role's list).
-- POST /rpc/create_api_key {"name": "rest escalation", "scope": "admin"}  Authorization: Bearer <the same jwt>
SELECT json_build_object('name', 'rest escalation', 'scope', 'admin')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'prefix' AS prefix FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "name", "scope" FROM json_to_record(pgrst_payload.json_data) AS _("name" text, "scope" kobatela.api_scope) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_api_key"("name" := pgrst_body."name", "scope" := pgrst_body."scope") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message;
-- A JWT and an X-API-Key together: the key decides. GET /rpc/current_scope, X-API-Key: <admin key>
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/current_scope', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."current_scope"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "current_scope".* FROM "pgrst_source" AS "current_scope") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;

-- ===== Prefer: tx=rollback (with db-tx-end = commit-allow-override): PostgREST answers as usual,
-- then runs SET CONSTRAINTS ALL IMMEDIATE and ends with ABORT: nothing of it stays.
-- POST /rpc/create_user {"username": "rest_ghost", "email": "rest_ghost@example.com"}  Prefer: tx=rollback
SELECT json_build_object('username', 'rest_ghost', 'email', 'rest_ghost@example.com')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'prefer', 'tx=rollback', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "username", "email" FROM json_to_record(pgrst_payload.json_data) AS _("username" text, "email" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_user"("username" := pgrst_body."username", "email" := pgrst_body."email") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
SET CONSTRAINTS ALL IMMEDIATE;
ABORT;
SELECT count(*) AS ghosts FROM kobatela.users WHERE username = 'rest_ghost';

-- POST /rpc/events_since {"cursor": null, "limit": 2}  X-API-Key: <dave's key> (docs/events.md).
-- A function with a parameter named "limit" is called with POST: in a GET query string PostgREST
-- reads ?limit= as its own row limit, not as the argument. events_since is STABLE: READ ONLY. The
-- answer is a JSON array of feed_event rows; dave's key reads only the events where dave is a party.
\set body '{"cursor": null, "limit": 2}'
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/events_since', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT page_total, (SELECT string_agg(e ->> 'type', ', ') FROM json_array_elements(body) AS e) AS events,
       body -> -1 ->> 'cursor' AS last_cursor, coalesce(response_status, 'none set: 200') AS response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "cursor", "limit" FROM json_to_record(pgrst_payload.json_data) AS _("cursor" text, "limit" integer) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."events_since"("cursor" := pgrst_body."cursor", "limit" := pgrst_body."limit") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "events_since".* FROM "pgrst_source" AS "events_since") _postgrest_t
) AS response \gset rest_feed_
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT :rest_feed_page_total AS page_total, :'rest_feed_events' AS events, :'rest_feed_response_status' AS response_status;
-- The next page: the last event's cursor in the body (an empty page is [], page_total 0).
SELECT json_build_object('cursor', :'rest_feed_last_cursor', 'limit', 2)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/events_since', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT page_total, (SELECT string_agg(e ->> 'type', ', ') FROM json_array_elements(body) AS e) AS events FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "cursor", "limit" FROM json_to_record(pgrst_payload.json_data) AS _("cursor" text, "limit" integer) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."events_since"("cursor" := pgrst_body."cursor", "limit" := pgrst_body."limit") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "events_since".* FROM "pgrst_source" AS "events_since") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- A cursor that is no cursor: 400 INVALID_CURSOR.
\set body '{"cursor": "garbage", "limit": 2}'
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/events_since', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT page_total FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "cursor", "limit" FROM json_to_record(pgrst_payload.json_data) AS _("cursor" text, "limit" integer) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."events_since"("cursor" := pgrst_body."cursor", "limit" := pgrst_body."limit") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "events_since".* FROM "pgrst_source" AS "events_since") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- ===== The payout hand-off (0.8.0, docs/payouts.md): a payout worker through PostgREST, with a
-- key of scope worker. The spend above was queued for it when it was sent.
SELECT id AS rest_spend, psp_ref AS rest_spend_ref FROM kobatela.payments WHERE idempotency_key = 'rest-spend-1' \gset
SELECT api_key AS worker_key FROM kobatela.create_api_key('rest worker', 'worker') \gset
-- POST /rpc/claim_payouts {"worker": "rest-worker", "n": 1000}   X-API-Key: <worker key>
-- (claim_payouts is VOLATILE: READ WRITE. RETURNS SETOF: the body is a JSON array, here read for
-- the spend's instruction only: earlier files' payouts may be due too.)
SELECT json_build_object('worker', 'rest-worker', 'n', 1000)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/claim_payouts', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'worker_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body) >= 1 AS some_claimed, i ->> 'kind' AS kind, i ->> 'amount' AS amount, i ->> 'currency' AS currency,
       i ->> 'psp_ref' = :'rest_spend_ref' AS its_psp_ref, i ->> 'payee_ref' AS payee_ref, i ->> 'attempt' AS attempt FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "worker", "n" FROM json_to_record(pgrst_payload.json_data) AS _("worker" text, "n" integer) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."claim_payouts"("worker" := pgrst_body."worker", "n" := pgrst_body."n") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payout_instruction".* FROM "pgrst_source" AS "payout_instruction") _postgrest_t
) AS response, json_array_elements(response.body) AS i WHERE (i ->> 'payment_id')::bigint = :rest_spend;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/payout_transmission_failed {"id": <payment>, "reason": "PSP answered HTTP 503"}
-- (the PSP had a bad moment: back to the queue after a backoff)
SELECT json_build_object('id', :rest_spend, 'reason', 'PSP answered HTTP 503')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/payout_transmission_failed', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'worker_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'state' AS state, body ->> 'attempts' AS attempts, body ->> 'last_error' AS last_error, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id", "reason" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint, "reason" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."payout_transmission_failed"("id" := pgrst_body."id", "reason" := pgrst_body."reason") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payout_transmissions".* FROM "pgrst_source" AS "payout_transmissions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/payout_transmitted {"id": <payment>, "psp_ref": <another payment's reference>}: 409,
-- nothing written (PostgREST answers {"code": "PT409", "message": "PSP_REF_MISMATCH", ...}).
SELECT t.row_counts() AS before \gset
SELECT json_build_object('id', :rest_spend, 'psp_ref', 'PSP-not-this-one')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/payout_transmitted', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'worker_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'state' AS state FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id", "psp_ref" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint, "psp_ref" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."payout_transmitted"("id" := pgrst_body."id", "psp_ref" := pgrst_body."psp_ref") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payout_transmissions".* FROM "pgrst_source" AS "payout_transmissions") _postgrest_t
) AS response;
ABORT;
SELECT t.row_counts() = :'before' AS nothing_written;
-- POST /rpc/payout_transmitted {"id": <payment>, "psp_ref": <its psp_ref>}: the PSP accepted it,
-- even while QUEUED (a worker that claimed it before the failure report got through).
SELECT json_build_object('id', :rest_spend, 'psp_ref', :'rest_spend_ref')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/payout_transmitted', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'worker_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'state' AS state, body ->> 'transmitted_at' IS NOT NULL AS transmitted, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id", "psp_ref" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint, "psp_ref" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."payout_transmitted"("id" := pgrst_body."id", "psp_ref" := pgrst_body."psp_ref") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payout_transmissions".* FROM "pgrst_source" AS "payout_transmissions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/queue_payout {"payment_id": <payment>}   X-API-Key: <admin key>: the payment has its
-- hand-off already, which comes back unchanged (queue_payout is for payments sent before 0.8.0).
SELECT json_build_object('payment_id', :rest_spend)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/queue_payout', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'state' AS state, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "payment_id" FROM json_to_record(pgrst_payload.json_data) AS _("payment_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."queue_payout"("payment_id" := pgrst_body."payment_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payout_transmissions".* FROM "pgrst_source" AS "payout_transmissions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;

-- ===== Lists: GET /rpc/list_* with the arguments in the query string (JSON strings, as PostgREST
-- sends them), READ ONLY; each answers one JSON page (a scalar: jsonb). The page size goes in a POST
-- body: in a query string, limit is PostgREST's own row limit (on a one-row answer, no effect), not
-- the argument; a POST to a STABLE function runs READ ONLY too. Shown: the number of rows
-- on the page, has_more and whether there is a next_cursor (the first page's is kept for the next).
SELECT id AS rest_mandate FROM kobatela.usage_mandates WHERE sender_id = :alice \gset
-- POST /rpc/list_escrows {"counterparty_id": alice, "limit": 1}  X-API-Key: <platform sender key>
SELECT json_build_object('counterparty_id', :alice, 'limit', 1)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/list_escrows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status, body ->> 'next_cursor' AS next_cursor_text FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "counterparty_id", "limit" FROM json_to_record(pgrst_payload.json_data) AS _("counterparty_id" bigint, "limit" integer) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_escrows"("counterparty_id" := pgrst_body."counterparty_id", "limit" := pgrst_body."limit") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_escrows".* FROM "pgrst_source" AS "list_escrows") _postgrest_t
) AS response \gset first_
SELECT :first_rows AS rows, :'first_has_more' AS has_more, :'first_next_cursor' AS next_cursor;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The next page: POST /rpc/list_escrows {"counterparty_id": alice, "limit": 1, "cursor": <next_cursor>}
SELECT json_build_object('counterparty_id', :alice, 'limit', 1, 'cursor', :'first_next_cursor_text')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/list_escrows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "counterparty_id", "limit", "cursor" FROM json_to_record(pgrst_payload.json_data) AS _("counterparty_id" bigint, "limit" integer, "cursor" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_escrows"("counterparty_id" := pgrst_body."counterparty_id", "limit" := pgrst_body."limit", "cursor" := pgrst_body."cursor") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_escrows".* FROM "pgrst_source" AS "list_escrows") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_escrows with dave's key (bound to a user with no escrow): an empty page, 200
SELECT '{}' AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_escrows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."list_escrows"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_escrows".* FROM "pgrst_source" AS "list_escrows") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/list_escrows {"limit": 0}: 400
SELECT json_build_object('limit', 0)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/list_escrows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "limit" FROM json_to_record(pgrst_payload.json_data) AS _("limit" integer) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_escrows"("limit" := pgrst_body."limit") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_escrows".* FROM "pgrst_source" AS "list_escrows") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- GET /rpc/list_milestones?escrow_id=<e>
SELECT json_build_object('escrow_id', :e::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_milestones', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_milestones"("escrow_id" := pgrst_body."escrow_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_milestones".* FROM "pgrst_source" AS "list_milestones") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_payments?escrow_id=<e>&status=SENT
SELECT json_build_object('escrow_id', :e::text, 'status', 'SENT'::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_payments', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "status" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "status" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_payments"("escrow_id" := pgrst_body."escrow_id", "status" := pgrst_body."status") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_payments".* FROM "pgrst_source" AS "list_payments") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_payments?escrow_id=<e> with dave's key (no party to the escrow): 403
SELECT json_build_object('escrow_id', :e::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_payments', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_payments"("escrow_id" := pgrst_body."escrow_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_payments".* FROM "pgrst_source" AS "list_payments") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- GET /rpc/list_deposits?escrow_id=<e>
SELECT json_build_object('escrow_id', :e::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_deposits', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_deposits"("escrow_id" := pgrst_body."escrow_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_deposits".* FROM "pgrst_source" AS "list_deposits") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_payees?escrow_id=<e2>
SELECT json_build_object('escrow_id', :e2::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_payees', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_payees"("escrow_id" := pgrst_body."escrow_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_payees".* FROM "pgrst_source" AS "list_payees") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_transactions?counterparty_id=<alice>&status=COMPLETED
SELECT json_build_object('counterparty_id', :alice::text, 'status', 'COMPLETED'::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_transactions', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "counterparty_id", "status" FROM json_to_record(pgrst_payload.json_data) AS _("counterparty_id" bigint, "status" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_transactions"("counterparty_id" := pgrst_body."counterparty_id", "status" := pgrst_body."status") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_transactions".* FROM "pgrst_source" AS "list_transactions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_mandates?counterparty_id=<alice>
SELECT json_build_object('counterparty_id', :alice::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_mandates', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "counterparty_id" FROM json_to_record(pgrst_payload.json_data) AS _("counterparty_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_mandates"("counterparty_id" := pgrst_body."counterparty_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_mandates".* FROM "pgrst_source" AS "list_mandates") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_purchases?mandate_id=<alice's mandate>&currency=usd
SELECT json_build_object('mandate_id', :rest_mandate::text, 'currency', 'usd'::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_purchases', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "mandate_id", "currency" FROM json_to_record(pgrst_payload.json_data) AS _("mandate_id" bigint, "currency" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_purchases"("mandate_id" := pgrst_body."mandate_id", "currency" := pgrst_body."currency") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_purchases".* FROM "pgrst_source" AS "list_purchases") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_alerts_page?type=UNAUTHORIZED_TRANSFER_ATTEMPT with dave's key: the alerts about dave's actions (none)
SELECT json_build_object('type', 'UNAUTHORIZED_TRANSFER_ATTEMPT'::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_alerts_page', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "type" FROM json_to_record(pgrst_payload.json_data) AS _("type" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_alerts_page"("type" := pgrst_body."type") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_alerts_page".* FROM "pgrst_source" AS "list_alerts_page") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/list_escrow_events {"escrow_id": e, "limit": 2}
SELECT json_build_object('escrow_id', :e, 'limit', 2)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/list_escrow_events', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "limit" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "limit" integer) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_escrow_events"("escrow_id" := pgrst_body."escrow_id", "limit" := pgrst_body."limit") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_escrow_events".* FROM "pgrst_source" AS "list_escrow_events") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_api_keys?user_id=<dave>  X-API-Key: <admin key>
SELECT json_build_object('user_id', :dave::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_api_keys', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "user_id" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."list_api_keys"("user_id" := pgrst_body."user_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_api_keys".* FROM "pgrst_source" AS "list_api_keys") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_api_keys with the platform's sender key: 403
SELECT '{}' AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_api_keys', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body -> 'data') AS rows, body -> 'has_more' AS has_more, body ->> 'next_cursor' IS NOT NULL AS next_cursor, response_status FROM (
    WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."list_api_keys"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "list_api_keys".* FROM "pgrst_source" AS "list_api_keys") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;


-- ===== Every other function of the API, one request each (the coverage check at the end of this
-- file lists any function without one). Fixtures: a support key, a key to revoke, escrows to
-- deliver, reject and let fall due.
SELECT id AS support_key_id, api_key AS support_key FROM kobatela.create_api_key('rest support', 'support') \gset
SELECT id AS doomed_key_id, api_key AS doomed_key FROM kobatela.create_api_key('rest doomed', 'sender') \gset
SELECT id AS e4 FROM kobatela.create_escrow(:alice, :bob, 30, 'USD', '{}', now() + interval '30 days') \gset
SELECT id AS e5 FROM kobatela.create_escrow(:alice, :bob, 20, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e4, 30);
SELECT status FROM kobatela.escrow_deposit(:e5, 20);
UPDATE kobatela.escrow_agreements SET deadline_at = now() - interval '1 minute' WHERE id = :e5;  -- e5 falls due
-- The identity, asked through the API: POST /rpc/authenticate {"api_key": <sender key>} (no header:
-- the key in the body authenticates this request's transaction, as the header would).
SELECT json_build_object('api_key', :'sender_key')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/authenticate', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "api_key" FROM json_to_record(pgrst_payload.json_data) AS _("api_key" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."authenticate"("api_key" := pgrst_body."api_key") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "authenticate".* FROM "pgrst_source" AS "authenticate") _postgrest_t
) AS response;
SELECT kobatela.current_scope() AS scope;  -- (not a PostgREST statement)
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/pre_request {} with the sender key: PostgREST exposes db-pre-request as a function too;
-- it runs once more, and the answer is 204 No Content (void).
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/pre_request', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."pre_request"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "pre_request".* FROM "pgrst_source" AS "pre_request") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/error_catalogue (anonymous: no key): the catalogue, an array of rows.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/error_catalogue', true),
       set_config('request.headers', json_build_object('accept', 'application/json')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body) = (SELECT count(*) FROM kobatela.error_catalogue()) AS every_code, body -> 0 ->> 'code' AS first_code, body -> 0 -> 'http_status' AS first_http_status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."error_catalogue"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/current_user_id with dave's key: dave's id.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/current_user_id', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body::text::bigint = :dave AS is_dave, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."current_user_id"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "current_user_id".* FROM "pgrst_source" AS "current_user_id") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/current_actor with dave's key: the key.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/current_actor', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body #>> '{}' ~ '^apikey:[0-9]+$' AS a_key, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."current_actor"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "current_actor".* FROM "pgrst_source" AS "current_actor") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/get_user?id=<alice> with the platform's sender key (committed, unlike the JWT's above).
SELECT json_build_object('id', :alice::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_user', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'username' AS username, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_user"("id" := pgrst_body."id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "users".* FROM "pgrst_source" AS "users") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/get_transaction?id=<the first transfer>
SELECT json_build_object('id', :tx1::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_transaction', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, body ->> 'amount' AS amount, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_transaction"("id" := pgrst_body."id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "transactions".* FROM "pgrst_source" AS "transactions") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_alerts?type=UNAUTHORIZED_TRANSFER_ATTEMPT: the refused transfer's alert (SETOF: an array).
SELECT json_build_object('type', 'UNAUTHORIZED_TRANSFER_ATTEMPT'::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_alerts', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body) >= 1 AS some_alerts, body -> 0 ->> 'type' AS type, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "type" FROM json_to_record(pgrst_payload.json_data) AS _("type" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."list_alerts"("type" := pgrst_body."type") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "alerts".* FROM "pgrst_source" AS "alerts") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/list_currencies
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/list_currencies', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT (SELECT string_agg(c ->> 'code', ', ') FROM json_array_elements(body) AS c WHERE (c ->> 'enabled')::boolean AND c ->> 'code' IN ('EUR', 'USD')) AS enabled, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."list_currencies"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Escrows: the other form of create_escrow (PostgREST picks it by the body's keys: with
-- idempotency_key and metadata), delivery, approval, the timeline, a rejection and a deadline.
-- POST /rpc/create_escrow {"client_id": alice, "provider_id": bob, "amount_total": 30, "currency": "USD",
--      "release_conditions": {}, "deadline_at": <in 30 days>, "idempotency_key": null, "metadata": {"contract": "K-9"}}
SELECT json_build_object('client_id', :alice, 'provider_id', :bob, 'amount_total', 30, 'currency', 'USD', 'release_conditions', '{}'::json, 'deadline_at', now() + interval '30 days', 'idempotency_key', null, 'metadata', json_build_object('contract', 'K-9'))::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/create_escrow', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'id' AS e3, body ->> 'status' AS status, body -> 'metadata' AS metadata, response_status IS NULL AS status_200 FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "client_id", "provider_id", "amount_total", "currency", "release_conditions", "deadline_at", "idempotency_key", "metadata" FROM json_to_record(pgrst_payload.json_data) AS _("client_id" bigint, "provider_id" bigint, "amount_total" numeric, "currency" text, "release_conditions" jsonb, "deadline_at" timestamp with time zone, "idempotency_key" text, "metadata" jsonb) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."create_escrow"("client_id" := pgrst_body."client_id", "provider_id" := pgrst_body."provider_id", "amount_total" := pgrst_body."amount_total", "currency" := pgrst_body."currency", "release_conditions" := pgrst_body."release_conditions", "deadline_at" := pgrst_body."deadline_at", "idempotency_key" := pgrst_body."idempotency_key", "metadata" := pgrst_body."metadata") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response \gset
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT :'status' AS status, :'metadata' AS metadata, :'status_200' AS status_200;
SELECT status FROM kobatela.escrow_deposit(:e3, 30);
-- POST /rpc/escrow_mark_delivered {"escrow_id": e3, "note": "delivered", "proof_url": "https://example.com/k9.pdf"}
SELECT json_build_object('escrow_id', :e3, 'note', 'delivered', 'proof_url', 'https://example.com/k9.pdf')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_mark_delivered', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "note", "proof_url" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "note" text, "proof_url" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_mark_delivered"("escrow_id" := pgrst_body."escrow_id", "note" := pgrst_body."note", "proof_url" := pgrst_body."proof_url") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- dave (no party) approving it: 403.
-- POST /rpc/escrow_client_approve {"escrow_id": e3}  X-API-Key: <dave's key>
SELECT json_build_object('escrow_id', :e3)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_client_approve', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_client_approve"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/escrow_client_approve {"escrow_id": e3, "note": "thank you"}: released, the provider paid.
SELECT json_build_object('escrow_id', :e3, 'note', 'thank you')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_client_approve', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id", "note" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint, "note" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_client_approve"("escrow_id" := pgrst_body."escrow_id", "note" := pgrst_body."note") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/escrow_events?escrow_id=<e3>: the timeline, an array, oldest first.
SELECT json_build_object('escrow_id', :e3::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/escrow_events', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT (SELECT string_agg(ev ->> 'kind', ', ') FROM json_array_elements(body) AS ev) AS kinds, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_events"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_events".* FROM "pgrst_source" AS "escrow_events") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/escrow_client_reject {"escrow_id": e4}: a FUNDED escrow refunded to the client.
SELECT json_build_object('escrow_id', :e4)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_client_reject', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_client_reject"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/escrow_check_deadline {"escrow_id": e5}: past its deadline, released.
SELECT json_build_object('escrow_id', :e5)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/escrow_check_deadline', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "escrow_id" FROM json_to_record(pgrst_payload.json_data) AS _("escrow_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."escrow_check_deadline"("escrow_id" := pgrst_body."escrow_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "escrow_agreements".* FROM "pgrst_source" AS "escrow_agreements") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Payments: the PSP reports e3's release failed (the wrapped webhook, for a forwarder), the
-- platform retries it, and an admin records what the PSP's dashboard says of the retry.
SELECT id AS pay3, psp_ref AS ref3 FROM kobatela.payments WHERE escrow_id = :e3 AND kind = 'RELEASE' \gset
SELECT format('{"id": "evt_rest_3", "type": "payment.failed", "psp_ref": "%s"}', :'ref3') AS raw \gset
SELECT extract(epoch FROM now())::text AS ts \gset
SELECT t.rest_sign(:'ts', :'raw') AS sig \gset
-- POST /rpc/psp_webhook {"body": "<the signed text>"}  X-PSP-Signature, X-PSP-Timestamp
SELECT json_build_object('body', :'raw')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/psp_webhook', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-psp-signature', :'sig', 'x-psp-timestamp', :'ts')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body -> 'ok' AS ok, body ->> 'event_id' AS event_id, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "body" FROM json_to_record(pgrst_payload.json_data) AS _("body" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."psp_webhook"("body" := pgrst_body."body") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "psp_webhook".* FROM "pgrst_source" AS "psp_webhook") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT status AS pay3_status FROM kobatela.payments WHERE id = :pay3;
-- POST /rpc/retry_payment {"payment_id": pay3}: a new payment, SENT, retry_of the failed one.
SELECT json_build_object('payment_id', :pay3)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/retry_payment', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'id' AS retry3, (body ->> 'retry_of')::bigint = :pay3 AS retries_pay3, body ->> 'status' AS status, response_status IS NULL AS status_200 FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "payment_id" FROM json_to_record(pgrst_payload.json_data) AS _("payment_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."retry_payment"("payment_id" := pgrst_body."payment_id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response \gset
SELECT t_rest.record() \g /dev/null
COMMIT;
SELECT :'retries_pay3' AS retries_pay3, :'status' AS status, :'status_200' AS status_200;
-- POST /rpc/correct_payment {"payment_id": <the retry>, "status": "SETTLED", "reason": "PSP dashboard: settled"}  (admin)
SELECT json_build_object('payment_id', :retry3, 'status', 'SETTLED', 'reason', 'PSP dashboard: settled')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/correct_payment', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'status' AS status, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "payment_id", "status", "reason" FROM json_to_record(pgrst_payload.json_data) AS _("payment_id" bigint, "status" kobatela.payment_status, "reason" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."correct_payment"("payment_id" := pgrst_body."payment_id", "status" := pgrst_body."status", "reason" := pgrst_body."reason") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "payments".* FROM "pgrst_source" AS "payments") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Purchases: a usage rule, and a refund of part of the purchase (the merchant's side: admin).
SELECT id AS buy1 FROM kobatela.purchases WHERE idempotency_key = 'rest-buy-1' \gset
-- POST /rpc/allow_usage {"owner_id": dave, "merchant_id": shop, "sender_id": alice}
SELECT json_build_object('owner_id', :dave, 'merchant_id', :shop, 'sender_id', :alice)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/allow_usage', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "owner_id", "merchant_id", "sender_id" FROM json_to_record(pgrst_payload.json_data) AS _("owner_id" bigint, "merchant_id" bigint, "sender_id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."allow_usage"("owner_id" := pgrst_body."owner_id", "merchant_id" := pgrst_body."merchant_id", "sender_id" := pgrst_body."sender_id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "allow_usage".* FROM "pgrst_source" AS "allow_usage") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/refund_purchase {"purchase_id": buy1, "amount": 5, "reason": "one box returned"}  Idempotency-Key: rest-refund-1
SELECT json_build_object('purchase_id', :buy1, 'amount', 5, 'reason', 'one box returned')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/refund_purchase', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key', 'idempotency-key', 'rest-refund-1')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'amount' AS amount, body ->> 'idempotency_key' AS idempotency_key, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "purchase_id", "amount", "reason" FROM json_to_record(pgrst_payload.json_data) AS _("purchase_id" bigint, "amount" numeric, "reason" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."refund_purchase"("purchase_id" := pgrst_body."purchase_id", "amount" := pgrst_body."amount", "reason" := pgrst_body."reason") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "purchase_refunds".* FROM "pgrst_source" AS "purchase_refunds") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The platform's sender key may not refund: 403.
SELECT json_build_object('purchase_id', :buy1, 'amount', 1, 'reason', 'not mine to refund')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/refund_purchase', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'amount' AS amount FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "purchase_id", "amount", "reason" FROM json_to_record(pgrst_payload.json_data) AS _("purchase_id" bigint, "amount" numeric, "reason" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."refund_purchase"("purchase_id" := pgrst_body."purchase_id", "amount" := pgrst_body."amount", "reason" := pgrst_body."reason") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "purchase_refunds".* FROM "pgrst_source" AS "purchase_refunds") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/expire_mandates {} (the sweep pg_cron runs; a count: none of this file's is due)
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/expire_mandates', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_typeof(body) AS answer, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."expire_mandates"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "expire_mandates".* FROM "pgrst_source" AS "expire_mandates") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- Keys (admin): read one, revoke one; the revoked key is refused from the next request on.
-- GET /rpc/get_api_key?id=<the support key>
SELECT json_build_object('id', :support_key_id::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'name' AS name, body ->> 'scope' AS scope, body::jsonb ? 'key_hash' AS has_key_hash, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_api_key"("id" := pgrst_body."id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "api_key_info".* FROM "pgrst_source" AS "api_key_info") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The same with the platform's sender key: 403.
SELECT json_build_object('id', :support_key_id::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/get_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'name' AS name FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."get_api_key"("id" := pgrst_body."id") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "api_key_info".* FROM "pgrst_source" AS "api_key_info") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/revoke_api_key {"id": <the doomed key>}: void, 204 No Content.
SELECT json_build_object('id', :doomed_key_id)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/revoke_api_key', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "id" FROM json_to_record(pgrst_payload.json_data) AS _("id" bigint) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."revoke_api_key"("id" := pgrst_body."id") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "revoke_api_key".* FROM "pgrst_source" AS "revoke_api_key") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/health with the revoked key: 401 in the pre-request.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/health', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'doomed_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- The audit trail and the books (a support key; a sender key is refused).
-- GET /rpc/verify_audit_chain
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/verify_audit_chain', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."verify_audit_chain"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "verify_audit_chain".* FROM "pgrst_source" AS "verify_audit_chain") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The same with the platform's sender key: 403.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/verify_audit_chain', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."verify_audit_chain"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "verify_audit_chain".* FROM "pgrst_source" AS "verify_audit_chain") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- GET /rpc/audit_chain_tips
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/audit_chain_tips', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body) >= 1 AS some_lanes, (SELECT bool_and((l ->> 'seq')::bigint >= 1) FROM json_array_elements(body) AS l) AS seqs, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."audit_chain_tips"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/audit_history?entity=users&entity_id=<alice>
SELECT json_build_object('entity', 'users'::text, 'entity_id', :alice::text)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/audit_history', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body -> 0 ->> 'action' AS first_action, json_array_length(body) >= 1 AS some_changes, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "entity", "entity_id" FROM json_to_record(pgrst_payload.json_data) AS _("entity" text, "entity_id" bigint) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."audit_history"("entity" := pgrst_body."entity", "entity_id" := pgrst_body."entity_id") pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "audit_entries".* FROM "pgrst_source" AS "audit_entries") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/check_invariants: no rule broken, an empty array.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/check_invariants', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."check_invariants"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /rpc/metric_rows (support): the monitoring figures, one object per counter or gauge.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/metric_rows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT jsonb_array_length(body) > 20 AS many_metrics, body -> 0 ? 'name' AS named, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."metric_rows"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]')::jsonb AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- GET /metrics?name=eq.kobatela_health_status (support): the view over the same rows.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/metrics', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'support_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'name' AS name, body -> 'labels' AS labels FROM (
    WITH pgrst_source AS (
        SELECT "kobatela"."metrics".* FROM "kobatela"."metrics" WHERE "kobatela"."metrics"."name" = 'kobatela_health_status')
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]')::jsonb -> 0 AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "metrics".* FROM "pgrst_source" AS "metrics") _postgrest_t
) AS response;
COMMIT;
-- GET /rpc/metric_rows with a sender's key: 403 INSUFFICIENT_SCOPE (support and admin only).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'GET', true),
       set_config('request.path', '/rpc/metric_rows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'x-api-key', :'dave_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT jsonb_array_length(body) > 20 AS many_metrics, body -> 0 ? 'name' AS named, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM "kobatela"."metric_rows"() pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]')::jsonb AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "record".* FROM "pgrst_source" AS "record") _postgrest_t
) AS response;
ROLLBACK;
-- Operations (admin): the overdue sweep, pg_cron's jobs, and the currencies.
-- POST /rpc/release_overdue_escrows {}
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/release_overdue_escrows', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_typeof(body) AS answer, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."release_overdue_escrows"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "release_overdue_escrows".* FROM "pgrst_source" AS "release_overdue_escrows") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/schedule_maintenance {"schedule": "0 3 1 1 *"}: SETOF bigint, the two job ids -- once
-- kobatela.cron_conninfo logs in with a password (docs/pg_cron.md, "Who may schedule"): a request
-- runs as kobatela_anon, no superuser, so without that link it is 503 PG_CRON_UNAVAILABLE, as here.
-- (test/ops/cron_link.sh makes the link and replays both requests successfully.)
SELECT json_build_object('schedule', '0 3 1 1 *')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/schedule_maintenance', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT json_array_length(body) AS jobs, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "schedule" FROM json_to_record(pgrst_payload.json_data) AS _("schedule" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."schedule_maintenance"("schedule" := pgrst_body."schedule") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "schedule_maintenance".* FROM "pgrst_source" AS "schedule_maintenance") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/unschedule_maintenance {}
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/unschedule_maintenance', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body AS removed, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT "kobatela"."unschedule_maintenance"() pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "unschedule_maintenance".* FROM "pgrst_source" AS "unschedule_maintenance") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/enable_currency {"code": "chf"}
SELECT json_build_object('code', 'chf')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/enable_currency', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'code' AS code, body -> 'enabled' AS enabled, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "code" FROM json_to_record(pgrst_payload.json_data) AS _("code" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."enable_currency"("code" := pgrst_body."code") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "currencies".* FROM "pgrst_source" AS "currencies") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The platform's sender key: 403.
SELECT json_build_object('code', 'sek')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/enable_currency', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'code' AS code FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "code" FROM json_to_record(pgrst_payload.json_data) AS _("code" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."enable_currency"("code" := pgrst_body."code") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "currencies".* FROM "pgrst_source" AS "currencies") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message, substr(:'LAST_ERROR_SQLSTATE', 3)::int AS http_status;
-- POST /rpc/disable_currency {"code": "CHF"}
SELECT json_build_object('code', 'CHF')::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/disable_currency', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'admin_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body ->> 'code' AS code, body -> 'enabled' AS enabled, response_status FROM (
    WITH pgrst_source AS (
        SELECT "pgrst_call".* FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "code" FROM json_to_record(pgrst_payload.json_data) AS _("code" text) LIMIT 1) pgrst_body,
          LATERAL "kobatela"."disable_currency"("code" := pgrst_body."code") pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "currencies".* FROM "pgrst_source" AS "currencies") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The pure helpers: a JWT role may execute them (kobatela_sender here, no kobatela_user_id claim),
-- kobatela_anon may not. They are IMMUTABLE: a POST runs READ ONLY.
SELECT '{"role": "kobatela_sender", "sub": "rest-backend"}' AS claims \gset
-- POST /rpc/geo_distance_m {"lat1": 5.321, "lng1": -4.0123, "lat2": 5.3212, "lng2": -4.0125}  Authorization: Bearer <jwt>
SELECT json_build_object('lat1', 5.321, 'lng1', -4.0123, 'lat2', 5.3212, 'lng2', -4.0125)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/geo_distance_m', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT round((body #>> '{}')::numeric) AS metres, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "lat1", "lng1", "lat2", "lng2" FROM json_to_record(pgrst_payload.json_data) AS _("lat1" double precision, "lng1" double precision, "lat2" double precision, "lng2" double precision) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."geo_distance_m"("lat1" := pgrst_body."lat1", "lng1" := pgrst_body."lng1", "lat2" := pgrst_body."lat2", "lng2" := pgrst_body."lng2") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "geo_distance_m".* FROM "pgrst_source" AS "geo_distance_m") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- The same request anonymous (kobatela_anon, with or without a key): PostgreSQL refuses it (42501,
-- 401 without a JWT).
SELECT json_build_object('lat1', 5.321, 'lng1', -4.0123, 'lat2', 5.3212, 'lng2', -4.0125)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_anon', true),
       set_config('request.jwt.claims', '{"role":"kobatela_anon"}', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/geo_distance_m', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'x-api-key', :'sender_key')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "lat1", "lng1", "lat2", "lng2" FROM json_to_record(pgrst_payload.json_data) AS _("lat1" double precision, "lng1" double precision, "lat2" double precision, "lng2" double precision) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."geo_distance_m"("lat1" := pgrst_body."lat1", "lng1" := pgrst_body."lng1", "lat2" := pgrst_body."lat2", "lng2" := pgrst_body."lng2") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "geo_distance_m".* FROM "pgrst_source" AS "geo_distance_m") _postgrest_t
) AS response;
ABORT;
SELECT :'LAST_ERROR_SQLSTATE' AS code, :'LAST_ERROR_MESSAGE' AS message;
-- POST /rpc/within_geofence {"lat": 5.3212, "lng": -4.0125, "center_lat": 5.321, "center_lng": -4.0123, "radius_m": 500}
SELECT json_build_object('lat', 5.3212, 'lng', -4.0125, 'center_lat', 5.321, 'center_lng', -4.0123, 'radius_m', 500)::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/within_geofence', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "lat", "lng", "center_lat", "center_lng", "radius_m" FROM json_to_record(pgrst_payload.json_data) AS _("lat" double precision, "lng" double precision, "center_lat" double precision, "center_lng" double precision, "radius_m" double precision) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."within_geofence"("lat" := pgrst_body."lat", "lng" := pgrst_body."lng", "center_lat" := pgrst_body."center_lat", "center_lng" := pgrst_body."center_lng", "radius_m" := pgrst_body."radius_m") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "within_geofence".* FROM "pgrst_source" AS "within_geofence") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;
-- POST /rpc/verify_hmac_sha256 {"secret": "\\x6b6579", "message": "\\x6d7367", "signature_hex": <HMAC-SHA256("key", "msg")>}
-- (bytea arguments: JSON strings in PostgreSQL's hex format)
SELECT json_build_object('secret', '\x6b6579', 'message', '\x6d7367', 'signature_hex', encode(t.hmac('msg'::bytea, 'key'::bytea, 'sha256'), 'hex'))::text AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"kobatela", "public"', true), set_config('role', 'kobatela_sender', true),
       set_config('request.jwt.claims', :'claims', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/verify_hmac_sha256', true),
       set_config('request.headers', json_build_object('accept', 'application/json', 'content-type', 'application/json', 'authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoia29iYXRlbGFfc2VuZGVyIn0.c2lnbmF0dXJl')::text, true),
       set_config('request.cookies', '{}', true) \g /dev/null
SELECT "kobatela"."pre_request"();
SELECT body, response_status FROM (
    WITH pgrst_source AS (
        SELECT pgrst_call.pgrst_scalar FROM (SELECT :'body'::json AS json_data) pgrst_payload,
          LATERAL (SELECT "secret", "message", "signature_hex" FROM json_to_record(pgrst_payload.json_data) AS _("secret" bytea, "message" bytea, "signature_hex" text) LIMIT 1) pgrst_body,
          LATERAL (SELECT "kobatela"."verify_hmac_sha256"("secret" := pgrst_body."secret", "message" := pgrst_body."message", "signature_hex" := pgrst_body."signature_hex") pgrst_scalar) pgrst_call)
    SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
           nullif(current_setting('response.headers', true), '') AS response_headers,
           nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
    FROM (SELECT "verify_hmac_sha256".* FROM "pgrst_source" AS "verify_hmac_sha256") _postgrest_t
) AS response;
SELECT t_rest.record() \g /dev/null
COMMIT;


-- The suite's data is consistent: every deposit covers what was paid out of it.
SELECT e.amount_total, e.status, e.deposited_amount, e.paid_amount FROM kobatela.escrow_agreements e
WHERE e.id IN (:e, :e2) ORDER BY e.amount_total DESC;

-- ===== Coverage: every function of schema kobatela that an API role may execute has a request above
-- that succeeded and called it: request.path /rpc/<its name>, and that very function (each form
-- of an overloaded function counts on its own). The API roles: every kobatela_% role
-- (sql/security.sql) and the authenticator. Each row names a function without such a request: add
-- one to this file, a successful call as PostgREST sends it (and where it matters a refused one).
-- Listed apart, the functions whose successful request needs what a regression database cannot
-- have, and the suite that replays it.
CREATE TEMP TABLE rest_replayed_elsewhere (fn regprocedure PRIMARY KEY, suite text NOT NULL, why text NOT NULL);
INSERT INTO rest_replayed_elsewhere VALUES
    ('kobatela.schedule_maintenance(text)', 'test/ops/cron_link.sh', 'needs the password link to pg_cron''s database'),
    ('kobatela.unschedule_maintenance()', 'test/ops/cron_link.sh', 'needs the password link to pg_cron''s database');
SELECT fn, suite, why FROM rest_replayed_elsewhere ORDER BY fn::text;
WITH api_roles AS (
    SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'kobatela\_%' OR rolname = 't_rest_authenticator'
), api AS (
    SELECT p.oid, p.proname, string_agg(r.rolname, ', ' ORDER BY r.rolname) AS roles
    FROM pg_catalog.pg_proc p CROSS JOIN api_roles r
    WHERE p.pronamespace = 'kobatela'::regnamespace AND has_function_privilege(r.oid, p.oid, 'EXECUTE')
    GROUP BY p.oid, p.proname
)
SELECT format('%s, executable by %s: no successful request to /rpc/%s in test/sql/postgrest.sql',
              api.oid::regprocedure, api.roles, api.proname) AS function_without_a_replay
FROM api
WHERE NOT EXISTS (SELECT FROM rest_calls c WHERE c.fn = api.oid AND c.path = '/rpc/' || api.proname)
  AND api.oid NOT IN (SELECT fn FROM rest_replayed_elsewhere)
ORDER BY 1;
-- The list above is not short of a function: every function of the schema but the trigger
-- functions is executable by an API role.
SELECT p.oid::regprocedure AS outside_the_api FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'kobatela'::regnamespace AND p.prorettype <> 'trigger'::regtype
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                  WHERE (r.rolname LIKE 'kobatela\_%' OR r.rolname = 't_rest_authenticator')
                    AND has_function_privilege(r.oid, p.oid, 'EXECUTE'))
ORDER BY 1;

-- Later files must not find this file's helpers, settings or role.
RESET kobatela.api_key_pepper_file;
RESET kobatela.psp_webhook_secret_file;
DROP FUNCTION t.rest_sign(text, text);
DROP TABLE t.rest_secrets;
DROP EXTENSION pgcrypto;
DROP ROLE t_rest_authenticator;
DROP SCHEMA t_rest CASCADE;
DROP TABLE rest_calls, rest_replayed_elsewhere;
RESET track_functions;
\set SHOW_CONTEXT errors
