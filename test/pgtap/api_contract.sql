-- api_contract.sql — the SQL API surface of api.md that exists today (sql/functions_*.sql):
-- signatures, argument names and defaults, return types, no STRICT, documented, and the error
-- catalogue with the SQLSTATE / MESSAGE convention of api.md.
BEGIN;
SELECT plan(78);

-- ---------------------------------------------------------------------------------------------
-- Signatures and return types
-- ---------------------------------------------------------------------------------------------
-- (0.8.0: a trailing optional metadata argument on the four calls that create an application's
-- objects, as the contract lets functions grow; issue 16)
SELECT has_function('kobatela', 'create_user', ARRAY['text', 'text', 'boolean', 'jsonb'],
    'create_user(text, text, boolean, jsonb) exists');
SELECT function_returns('kobatela', 'create_user', ARRAY['text', 'text', 'boolean', 'jsonb'], 'kobatela.users',
    'create_user returns kobatela.users');
SELECT has_function('kobatela', 'get_user', ARRAY['bigint'], 'get_user(bigint) exists');
SELECT function_returns('kobatela', 'get_user', ARRAY['bigint'], 'kobatela.users',
    'get_user returns kobatela.users');
SELECT has_function('kobatela', 'add_to_allowlist', ARRAY['bigint', 'bigint'],
    'add_to_allowlist(bigint, bigint) exists');
SELECT function_returns('kobatela', 'add_to_allowlist', ARRAY['bigint', 'bigint'], 'text',
    'add_to_allowlist returns text');
SELECT has_function('kobatela', 'add_certification', ARRAY['bigint', 'text'],
    'add_certification(bigint, text) exists');
SELECT function_returns('kobatela', 'add_certification', ARRAY['bigint', 'text'], 'text',
    'add_certification returns text');
SELECT has_function('kobatela', 'create_transaction', ARRAY['bigint', 'bigint', 'numeric', 'text', 'text', 'jsonb'],
    'create_transaction(bigint, bigint, numeric, text, text, jsonb) exists');
SELECT function_returns('kobatela', 'create_transaction', ARRAY['bigint', 'bigint', 'numeric', 'text', 'text', 'jsonb'],
    'kobatela.transactions', 'create_transaction returns kobatela.transactions');
SELECT has_function('kobatela', 'get_transaction', ARRAY['bigint'], 'get_transaction(bigint) exists');
SELECT function_returns('kobatela', 'get_transaction', ARRAY['bigint'], 'kobatela.transactions',
    'get_transaction returns kobatela.transactions');
SELECT has_function('kobatela', 'list_alerts', ARRAY['text'], 'list_alerts(text) exists');
SELECT function_returns('kobatela', 'list_alerts', ARRAY['text'], 'setof kobatela.alerts',
    'list_alerts returns SETOF kobatela.alerts');
SELECT has_function('kobatela', 'geo_distance_m',
    ARRAY['double precision', 'double precision', 'double precision', 'double precision'],
    'geo_distance_m(float8, float8, float8, float8) exists');
SELECT function_returns('kobatela', 'geo_distance_m',
    ARRAY['double precision', 'double precision', 'double precision', 'double precision'], 'double precision',
    'geo_distance_m returns float8');
SELECT has_function('kobatela', 'within_geofence',
    ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision',
          'double precision'],
    'within_geofence(float8 x 6) exists');
SELECT function_returns('kobatela', 'within_geofence',
    ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision',
          'double precision'], 'boolean',
    'within_geofence returns boolean');
SELECT has_function('kobatela', 'verify_hmac_sha256', ARRAY['bytea', 'bytea', 'text'],
    'verify_hmac_sha256(bytea, bytea, text) exists');
SELECT function_returns('kobatela', 'verify_hmac_sha256', ARRAY['bytea', 'bytea', 'text'], 'boolean',
    'verify_hmac_sha256 returns boolean');
SELECT has_function('kobatela', 'health', ARRAY[]::text[], 'health() exists');
SELECT function_returns('kobatela', 'health', ARRAY[]::text[], 'jsonb', 'health returns jsonb');
-- The books' correction by hand (issue 14, part 6): admin only, documented in docs/operations.md.
SELECT has_function('kobatela', 'correct_payment', ARRAY['bigint', 'kobatela.payment_status', 'text'],
    'correct_payment(bigint, payment_status, text) exists');
SELECT function_returns('kobatela', 'correct_payment', ARRAY['bigint', 'kobatela.payment_status', 'text'],
    'kobatela.payments', 'correct_payment returns kobatela.payments');
SELECT has_function('kobatela', 'error_catalogue', ARRAY[]::text[], 'error_catalogue() exists');
SELECT function_returns('kobatela', 'error_catalogue', ARRAY[]::text[], 'setof record',
    'error_catalogue returns SETOF record');
SELECT has_function('kobatela', 'check_invariants', ARRAY[]::text[], 'check_invariants() exists');
SELECT function_returns('kobatela', 'check_invariants', ARRAY[]::text[], 'setof record',
    'check_invariants returns SETOF record (rule text, ids bigint[], detail text)');
SELECT has_function('kobatela', 'touch_updated_at', ARRAY[]::text[], 'touch_updated_at() exists');
SELECT function_returns('kobatela', 'touch_updated_at', ARRAY[]::text[], 'trigger',
    'touch_updated_at returns trigger');

-- Argument names and defaults are the contract too (PostgREST calls functions with named arguments).
SELECT results_eq(
    $$SELECT p.proname::text COLLATE "default", pg_get_function_arguments(p.oid)
        FROM pg_proc p
       WHERE p.pronamespace = 'kobatela'::regnamespace
         AND p.proname IN ('create_user', 'get_user', 'add_to_allowlist', 'add_certification',
                           'create_transaction', 'get_transaction', 'list_alerts', 'geo_distance_m',
                           'within_geofence', 'verify_hmac_sha256', 'health', 'error_catalogue')
       ORDER BY 1, 2$$,
    $$VALUES
        ('add_certification',  'user_id bigint, level text'),
        ('add_to_allowlist',   'owner_id bigint, recipient_id bigint'),
        ('create_transaction', 'sender_id bigint, receiver_id bigint, amount numeric, currency text DEFAULT ''USD''::text, idempotency_key text DEFAULT NULL::text, metadata jsonb DEFAULT NULL::jsonb'),
        ('create_user',        'username text, email text, is_active boolean DEFAULT true, metadata jsonb DEFAULT NULL::jsonb'),
        ('error_catalogue',    'OUT code text, OUT sqlstate text, OUT http_status integer, OUT detail text'),
        ('geo_distance_m',     'lat1 double precision, lng1 double precision, lat2 double precision, lng2 double precision'),
        ('get_transaction',    'id bigint'),
        ('get_user',           'id bigint'),
        ('health',             ''),
        ('list_alerts',        'type text DEFAULT NULL::text'),
        ('verify_hmac_sha256', 'secret bytea, message bytea, signature_hex text'),
        ('within_geofence',    'lat double precision, lng double precision, center_lat double precision, center_lng double precision, radius_m double precision, tolerance_m double precision DEFAULT 0')$$,
    'argument names, order and defaults are exactly those of api.md (one overload each)');

-- Functions that write must be VOLATILE (a STABLE function may not write).
SELECT is_empty(
    $$SELECT proname FROM pg_proc
       WHERE pronamespace = 'kobatela'::regnamespace AND provolatile <> 'v'
         AND proname IN ('create_user', 'add_to_allowlist', 'add_certification', 'create_transaction')$$,
    'the functions that write (create_user, add_to_allowlist, add_certification, create_transaction) are VOLATILE');

-- ---------------------------------------------------------------------------------------------
-- Catalog-wide rules: no STRICT, every function documented
-- ---------------------------------------------------------------------------------------------
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p
       WHERE p.pronamespace = 'kobatela'::regnamespace AND p.proisstrict
         AND p.prorettype <> 'trigger'::regtype$$,
    'no function of schema kobatela is STRICT (NULL arguments must raise INVALID_ARGUMENT)');

SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p
       WHERE p.pronamespace = 'kobatela'::regnamespace
         AND coalesce(btrim(obj_description(p.oid, 'pg_proc')), '') = ''$$,
    'every function of schema kobatela has a COMMENT');

SELECT is_empty(
    $$SELECT c.oid::regclass FROM pg_class c
       WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
         AND coalesce(btrim(obj_description(c.oid, 'pg_class')), '') = ''$$,
    'every table of schema kobatela has a COMMENT');

SELECT throws_ok('SELECT kobatela.get_user(NULL)', 'PT400', 'INVALID_ARGUMENT',
    'get_user(NULL) raises PT400 INVALID_ARGUMENT');
SELECT throws_ok($$SELECT kobatela.create_user('tap_x', NULL)$$, 'PT400', 'INVALID_ARGUMENT',
    'create_user with a NULL email raises PT400 INVALID_ARGUMENT');
SELECT throws_ok('SELECT kobatela.add_to_allowlist(1, NULL)', 'PT400', 'INVALID_ARGUMENT',
    'add_to_allowlist with a NULL recipient raises PT400 INVALID_ARGUMENT');
SELECT throws_ok($$SELECT kobatela.add_certification(NULL, 'GOLD')$$, 'PT400', 'INVALID_ARGUMENT',
    'add_certification with a NULL user raises PT400 INVALID_ARGUMENT');
-- A NULL amount is a 400 too; its MESSAGE is BAD_AMOUNT today (src/pg/args.cpp), not pinned here.
SELECT throws_ok('SELECT kobatela.create_transaction(1, 2, NULL)', 'PT400', NULL,
    'create_transaction with a NULL amount raises PT400');
SELECT throws_ok('SELECT kobatela.create_transaction(1, 2, 10, NULL)', 'PT400', 'INVALID_ARGUMENT',
    'create_transaction with an explicit NULL currency raises PT400 INVALID_ARGUMENT');
SELECT throws_ok($$SELECT kobatela.correct_payment(1, 'SETTLED', NULL)$$, 'PT400', 'INVALID_ARGUMENT',
    'correct_payment without a reason raises PT400 INVALID_ARGUMENT');
SELECT throws_ok('SELECT kobatela.get_transaction(NULL)', 'PT400', 'INVALID_ARGUMENT',
    'get_transaction(NULL) raises PT400 INVALID_ARGUMENT');
SELECT throws_ok('SELECT kobatela.geo_distance_m(0, 0, NULL, 0)', 'PT400', 'INVALID_ARGUMENT',
    'geo_distance_m with a NULL coordinate raises PT400 INVALID_ARGUMENT');
SELECT throws_ok($$SELECT kobatela.verify_hmac_sha256('k', NULL, 'ab')$$, 'PT400', 'INVALID_ARGUMENT',
    'verify_hmac_sha256 with a NULL message raises PT400 INVALID_ARGUMENT');

-- ---------------------------------------------------------------------------------------------
-- The error catalogue
-- ---------------------------------------------------------------------------------------------
SELECT is_empty(
    $$SELECT code FROM kobatela.error_catalogue() GROUP BY code HAVING count(*) > 1$$,
    'error_catalogue(): every code appears once');
SELECT is_empty(
    $$SELECT code FROM kobatela.error_catalogue() WHERE code IS NULL OR code !~ '^[A-Z][A-Z0-9_]*$'$$,
    'error_catalogue(): every code is an upper-case identifier');
SELECT is_empty(
    $$SELECT code, sqlstate FROM kobatela.error_catalogue()
       WHERE sqlstate IS NULL OR sqlstate !~ '^[0-9A-Z]{5}$'$$,
    'error_catalogue(): every sqlstate matches ^[0-9A-Z]{5}$');
SELECT is_empty(
    $$SELECT code, sqlstate, http_status FROM kobatela.error_catalogue()
       WHERE sqlstate LIKE 'PT%' AND sqlstate <> 'PT' || http_status$$,
    'error_catalogue(): every PTxxx sqlstate equals ''PT'' || http_status');
SELECT is_empty(
    $$SELECT code, http_status FROM kobatela.error_catalogue()
       WHERE http_status IS NULL OR http_status NOT BETWEEN 400 AND 599$$,
    'error_catalogue(): every http_status is a 4xx or 5xx status');
SELECT is_empty(
    $$SELECT code FROM kobatela.error_catalogue() WHERE coalesce(btrim(detail), '') = ''$$,
    'error_catalogue(): every code has a default DETAIL');

-- Every error code named in api.md, with the HTTP status api.md gives it.
SELECT set_has(
    'SELECT code, http_status FROM kobatela.error_catalogue()',
    $$VALUES
        ('UNAUTHORIZED', 401), ('INSUFFICIENT_SCOPE', 403), ('APIKEY_NOT_FOUND', 404),
        ('USER_EXISTS', 409), ('INVALID_EMAIL', 400), ('USER_NOT_FOUND', 404), ('INVALID_LEVEL', 400),
        ('TRANSACTION_NOT_FOUND', 404), ('IDEMPOTENCY_CONFLICT', 409),
        ('MILESTONE_EXISTS', 409), ('ESCROW_NOT_FOUND', 404), ('INVALID_TRANSITION', 409),
        ('MILESTONE_NOT_FOUND', 404), ('NO_OPEN_MILESTONE', 409), ('SEQUENCE_ERROR', 422),
        ('MILESTONE_NOT_WAITING', 409), ('GEOFENCE_VIOLATION', 422), ('MISSING_EXIF_TIMESTAMP', 422),
        ('STALE_TIMESTAMP', 422), ('FUTURE_TIMESTAMP', 422), ('MISSING_GPS', 422), ('PROOF_EXISTS', 409),
        ('PROOF_NOT_FOUND', 404), ('INVALID_DECISION', 400), ('PROOF_ALREADY_APPROVED', 409),
        ('PROOF_ALREADY_REJECTED', 409), ('PAYMENT_NOT_FOUND', 404), ('INSUFFICIENT_ESCROW_BALANCE', 409),
        ('INVALID_SIGNATURE', 401), ('PSP_SECRET_MISSING', 503),
        ('ACTIVE_MANDATE_EXISTS', 409), ('MANDATE_EXPIRES_IN_PAST', 400), ('MERCHANT_NOT_FOUND', 404),
        ('CATEGORY_NOT_FOUND', 404), ('CATEGORY_EXISTS', 409), ('MERCHANT_EXISTS', 409),
        ('INVALID_USAGE_RULE', 400), ('MANDATE_REQUIRED', 403), ('MANDATE_MERCHANT_FORBIDDEN', 403),
        ('MANDATE_CATEGORY_FORBIDDEN', 403), ('UNAUTHORIZED_USAGE', 403), ('MANDATE_CONFLICT', 409),
        ('PAYEE_ALREADY_ALLOWED', 409), ('BAD_AMOUNT', 400), ('ESCROW_NOT_ACTIVE', 409),
        ('PAYEE_NOT_ALLOWED', 403), ('DAILY_LIMIT_REACHED', 409), ('TOTAL_LIMIT_REACHED', 409)$$,
    'error_catalogue() has every error code of api.md with api.md''s HTTP status');

-- The codes spec.md adds beyond api.md (and INVALID_ARGUMENT / INVALID_CURRENCY, which the API raises).
SELECT set_has(
    'SELECT code, http_status FROM kobatela.error_catalogue()',
    $$VALUES ('MILESTONE_EXCEEDS_TOTAL', 409), ('DEPOSIT_EXCEEDS_TOTAL', 409), ('PAYMENT_IN_ERROR', 409),
             ('INVALID_ARGUMENT', 400), ('INVALID_CURRENCY', 400), ('INVALID_METADATA', 400)$$,
    'error_catalogue() has the codes of spec.md and the argument errors with their HTTP status');

-- What reference.md adds to api.md (it extends the contract): purchase refunds (0.6.0, issue 14).
SELECT has_function('kobatela', 'refund_purchase', ARRAY['bigint', 'numeric', 'text', 'text'],
    'refund_purchase(bigint, numeric, text, text) exists');
SELECT function_returns('kobatela', 'refund_purchase', ARRAY['bigint', 'numeric', 'text', 'text'],
    'kobatela.purchase_refunds', 'refund_purchase returns kobatela.purchase_refunds');
SELECT set_has(
    'SELECT code, http_status FROM kobatela.error_catalogue()',
    $$VALUES ('PURCHASE_NOT_FOUND', 404), ('REFUND_EXCEEDS_PURCHASE', 409)$$,
    'error_catalogue() has the codes of refund_purchase with their HTTP status');

-- The payout hand-off (0.8.0, issue 16; api.md's "Payout hand-off to the PSP").
SELECT has_function('kobatela', 'claim_payouts', ARRAY['text', 'integer'], 'claim_payouts(text, integer) exists');
SELECT function_returns('kobatela', 'claim_payouts', ARRAY['text', 'integer'], 'setof kobatela.payout_instruction',
    'claim_payouts returns setof kobatela.payout_instruction');
SELECT is((SELECT pg_get_function_arguments('kobatela.claim_payouts(text, integer)'::regprocedure)),
    'worker text, n integer DEFAULT 10', 'claim_payouts takes worker and n, n 10 by default');
SELECT function_returns('kobatela', 'payout_transmitted', ARRAY['bigint', 'text'], 'kobatela.payout_transmissions',
    'payout_transmitted(id bigint, psp_ref text) returns kobatela.payout_transmissions');
SELECT function_returns('kobatela', 'payout_transmission_failed', ARRAY['bigint', 'text'], 'kobatela.payout_transmissions',
    'payout_transmission_failed(id bigint, reason text) returns kobatela.payout_transmissions');
SELECT function_returns('kobatela', 'queue_payout', ARRAY['bigint'], 'kobatela.payout_transmissions',
    'queue_payout(payment_id bigint) returns kobatela.payout_transmissions');
SELECT set_has(
    'SELECT code, http_status FROM kobatela.error_catalogue()',
    $$VALUES ('PSP_REF_MISMATCH', 409), ('PAYOUT_NOT_QUEUED', 409), ('INVALID_LIMIT', 400)$$,
    'error_catalogue() has the codes of the payout hand-off with their HTTP status');
SELECT enum_has_labels('kobatela', 'api_scope', ARRAY['sender', 'support', 'admin', 'worker'],
    'api_scope has the worker scope, last');

-- ---------------------------------------------------------------------------------------------
-- SQLSTATE and MESSAGE of real calls
-- ---------------------------------------------------------------------------------------------
SELECT id AS tap_user FROM kobatela.create_user('tap_contract', 'tap_contract@example.com') \gset

SELECT throws_ok('SELECT kobatela.get_user(-1)', 'PT404', 'USER_NOT_FOUND',
    'get_user(-1) raises PT404 USER_NOT_FOUND');
SELECT throws_ok('SELECT kobatela.get_transaction(-1)', 'PT404', 'TRANSACTION_NOT_FOUND',
    'get_transaction(-1) raises PT404 TRANSACTION_NOT_FOUND');
SELECT throws_ok($$SELECT kobatela.create_user('tap_bad_mail', 'not-an-address')$$, 'PT400', 'INVALID_EMAIL',
    'create_user with a malformed email raises PT400 INVALID_EMAIL');
SELECT throws_ok($$SELECT kobatela.create_user('TAP_CONTRACT', 'tap_other@example.com')$$, 'PT409', 'USER_EXISTS',
    'create_user with a taken username (other case) raises PT409 USER_EXISTS');
SELECT throws_ok($$SELECT kobatela.create_user('tap_other', 'TAP_Contract@Example.com')$$, 'PT409', 'USER_EXISTS',
    'create_user with a taken email (other case) raises PT409 USER_EXISTS');
SELECT throws_ok(format('SELECT kobatela.create_transaction(%s, %s, 0)', :tap_user, :tap_user),
    'PT400', 'BAD_AMOUNT',
    'create_transaction with amount 0 raises PT400 BAD_AMOUNT');
SELECT throws_ok(format('SELECT kobatela.create_transaction(%s, %s, -5)', :tap_user, :tap_user),
    'PT400', 'BAD_AMOUNT',
    'create_transaction with a negative amount raises PT400 BAD_AMOUNT');
SELECT throws_ok(format($$SELECT kobatela.create_transaction(%s, %s, 'NaN')$$, :tap_user, :tap_user),
    'PT400', 'BAD_AMOUNT',
    'create_transaction with amount NaN raises PT400 BAD_AMOUNT');
SELECT throws_ok(format($$SELECT kobatela.create_transaction(%s, %s, 10, 'GBP')$$, :tap_user, :tap_user),
    'PT400', 'INVALID_CURRENCY',
    'create_transaction with currency GBP (not accepted) raises PT400 INVALID_CURRENCY');
SELECT throws_ok(format($$SELECT kobatela.add_certification(%s, 'PLATINUM')$$, :tap_user),
    'PT400', 'INVALID_LEVEL',
    'add_certification with level PLATINUM raises PT400 INVALID_LEVEL');
SELECT throws_ok(format('SELECT kobatela.add_to_allowlist(%s, -1)', :tap_user), 'PT404', 'USER_NOT_FOUND',
    'add_to_allowlist to an unknown recipient raises PT404 USER_NOT_FOUND');
SELECT throws_ok($$SELECT kobatela.add_certification(-1, 'GOLD')$$, 'PT404', 'USER_NOT_FOUND',
    'add_certification of an unknown user raises PT404 USER_NOT_FOUND');
SELECT throws_ok(format('SELECT kobatela.create_transaction(%s, -1, 10)', :tap_user), 'PT404', 'USER_NOT_FOUND',
    'create_transaction to an unknown receiver raises PT404 USER_NOT_FOUND');

-- Each error above carries the catalogued SQLSTATE for its MESSAGE and a DETAIL sentence.
CREATE FUNCTION pg_temp.raised(statement text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END $$;

SELECT is_empty(
    format($$
    SELECT s.statement, r.state, r.message, r.detail
      FROM (VALUES ('SELECT kobatela.get_user(-1)'),
                   ('SELECT kobatela.get_user(NULL)'),
                   ('SELECT kobatela.get_transaction(-1)'),
                   ('SELECT kobatela.create_user(''tap_bad_mail'', ''not-an-address'')'),
                   ('SELECT kobatela.create_user(''TAP_CONTRACT'', ''tap_other@example.com'')'),
                   ('SELECT kobatela.create_transaction(%1$s, %1$s, 0)'),
                   ('SELECT kobatela.create_transaction(%1$s, %1$s, 10.005)'),
                   ('SELECT kobatela.create_transaction(%1$s, %1$s, 10, ''GBP'')'),
                   ('SELECT kobatela.add_certification(%1$s, ''PLATINUM'')')) AS s (statement)
     CROSS JOIN LATERAL pg_temp.raised(s.statement) AS r
     WHERE r.state IS NULL
        OR coalesce(btrim(r.detail), '') = ''
        OR NOT EXISTS (SELECT FROM kobatela.error_catalogue() c
                        WHERE c.code = r.message AND c.sqlstate = r.state)$$, :tap_user),
    'every error raised above is a catalogued (SQLSTATE, MESSAGE) pair with a non-empty DETAIL');

SELECT * FROM finish();
ROLLBACK;
