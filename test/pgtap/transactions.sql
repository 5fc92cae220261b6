-- transactions.sql — users, allowlist, certification, restricted transfers and alerts, through the
-- SQL API: the reference cases of spec.md §2 and §10.
BEGIN;
SELECT plan(50);

-- Row count of every table of schema kobatela: a replay must leave it unchanged.
CREATE FUNCTION pg_temp.row_counts() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    result jsonb := '{}';
    n bigint;
    tbl text;
BEGIN
    FOR tbl IN SELECT c.relname FROM pg_class c
                WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*) FROM kobatela.%I', tbl) INTO n;
        result := result || jsonb_build_object(tbl, n);
    END LOOP;
    RETURN result;
END $$;

-- The users of the story.
SELECT id AS alice FROM kobatela.create_user('tap_alice', 'tap_alice@example.com') \gset
SELECT id AS bob   FROM kobatela.create_user('tap_bob',   'tap_bob@example.com')   \gset
SELECT id AS carol FROM kobatela.create_user('tap_carol', 'tap_carol@example.com') \gset
SELECT id AS dave  FROM kobatela.create_user('tap_dave',  'tap_dave@example.com', false) \gset

SELECT row_eq(
    format('SELECT username, email, is_active, created_at, updated_at FROM kobatela.get_user(%s)', :dave),
    ROW('tap_dave'::text, 'tap_dave@example.com'::text, false, now(), now()),
    'create_user / get_user: the stored user, is_active as given, created_at = updated_at = now()');

-- ---------------------------------------------------------------------------------------------
-- Refused without allowlist: recorded as data (REJECTED + alert)
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE refused AS
SELECT * FROM kobatela.create_transaction(:alice, :bob, 10.50, 'USD', 'tap-k1');

SELECT row_eq(
    'SELECT sender_id, receiver_id, amount, currency, status::text, idempotency_key FROM refused',
    ROW(:alice::bigint, :bob::bigint, 10.50::numeric(18,2), 'USD'::text, 'REJECTED'::text, 'tap-k1'::text),
    'a transfer to a receiver neither allowlisted nor certified returns a REJECTED transaction');
SELECT row_eq(
    format('SELECT t.* FROM kobatela.get_transaction(%s) t', (SELECT id FROM refused)),
    (SELECT r FROM refused r),
    'the REJECTED transaction is stored (get_transaction returns the same row)');

SELECT results_eq(
    $$SELECT type, message, actor_user_id, (payload ->> 'sender_id')::bigint,
             (payload ->> 'attempted_receiver_id')::bigint, payload ->> 'amount'
        FROM kobatela.alerts$$,
    format($$VALUES ('UNAUTHORIZED_TRANSFER_ATTEMPT'::text, 'Receiver is not allowlisted or certified.'::text,
                     %1$s::bigint, %1$s::bigint, %2$s::bigint, '10.50'::text)$$, :alice, :bob),
    'exactly one UNAUTHORIZED_TRANSFER_ATTEMPT alert: exact message, actor = sender, payload sender_id, attempted_receiver_id, amount');
SELECT is(
    (SELECT (payload ->> 'transaction_id')::bigint FROM kobatela.alerts),
    (SELECT id FROM refused),
    'the alert payload names the REJECTED transaction');
SELECT is(
    coalesce(current_setting('response.status', true), ''), '',
    'outside PostgREST (no request.method) the refusal sets no response.status');

-- Replay of the refused key, even after the receiver became allowed: the same REJECTED row.
SELECT is(kobatela.add_to_allowlist(:alice, :bob), 'added', 'add_to_allowlist: a new pair is ''added''');
SELECT is(kobatela.add_to_allowlist(:alice, :bob), 'exists', 'add_to_allowlist: the same pair again is ''exists''');
SELECT is(
    (SELECT count(*)::int FROM kobatela.allowed_recipients WHERE owner_id = :alice AND recipient_id = :bob), 1,
    'add_to_allowlist: one allowlist row for the pair');

SELECT pg_temp.row_counts() AS counts_before \gset
SELECT row_eq(
    format($$SELECT t.* FROM kobatela.create_transaction(%s, %s, 10.50, 'USD', 'tap-k1') t$$, :alice, :bob),
    (SELECT r FROM refused r),
    'a replay of the refused key returns the same REJECTED row, not a new COMPLETED one');
SELECT is(pg_temp.row_counts(), :'counts_before'::jsonb,
    'the replay of the refused key writes nothing (no transaction, no second alert)');

-- ---------------------------------------------------------------------------------------------
-- Allowed after add_to_allowlist, idempotent replay
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE allowed AS
SELECT * FROM kobatela.create_transaction(:alice, :bob, 25, 'usd', 'tap-k2');

SELECT row_eq(
    'SELECT sender_id, receiver_id, amount, currency, status::text, idempotency_key FROM allowed',
    ROW(:alice::bigint, :bob::bigint, 25.00::numeric(18,2), 'USD'::text, 'COMPLETED'::text, 'tap-k2'::text),
    'after add_to_allowlist the transfer is COMPLETED (currency upper-cased to USD)');
SELECT isnt((SELECT id FROM allowed), (SELECT id FROM refused), 'the new key made a new transaction');
SELECT is(
    (SELECT count(*)::int FROM kobatela.alerts), 1,
    'an allowed transfer raises no alert');

SELECT pg_temp.row_counts() AS counts_before \gset
SELECT row_eq(
    format($$SELECT t.* FROM kobatela.create_transaction(%s, %s, 25.00, 'USD', 'tap-k2') t$$, :alice, :bob),
    (SELECT r FROM allowed r),
    'idempotent replay (same key, same payload) returns the first row, same id');
SELECT is(pg_temp.row_counts(), :'counts_before'::jsonb,
    'the idempotent replay writes nothing (row counts of every table unchanged)');

SELECT throws_ok(
    format($$SELECT kobatela.create_transaction(%s, %s, 26, 'USD', 'tap-k2')$$, :alice, :bob),
    'PT409', 'IDEMPOTENCY_CONFLICT',
    'same key with another amount raises PT409 IDEMPOTENCY_CONFLICT');
SELECT throws_ok(
    format($$SELECT kobatela.create_transaction(%s, %s, 25, 'USD', 'tap-k2')$$, :alice, :carol),
    'PT409', 'IDEMPOTENCY_CONFLICT',
    'same key with another receiver raises PT409 IDEMPOTENCY_CONFLICT');
SELECT throws_ok(
    format($$SELECT kobatela.create_transaction(%s, %s, 25, 'EUR', 'tap-k2')$$, :alice, :bob),
    'PT409', 'IDEMPOTENCY_CONFLICT',
    'same key with another currency raises PT409 IDEMPOTENCY_CONFLICT');

-- Keys are scoped per sender: dave's 'tap-k2' is his own, and alice's allowlist does not help him.
CREATE TEMP TABLE daves AS
SELECT * FROM kobatela.create_transaction(:dave, :bob, 99, 'EUR', 'tap-k2');
SELECT row_eq(
    'SELECT sender_id, receiver_id, amount, currency, status::text, idempotency_key FROM daves',
    ROW(:dave::bigint, :bob::bigint, 99.00::numeric(18,2), 'EUR'::text, 'REJECTED'::text, 'tap-k2'::text),
    'the same key from another sender is an independent transfer (no conflict, own allowlist: REJECTED)');
SELECT isnt((SELECT id FROM daves), (SELECT id FROM allowed),
    'the other sender''s transfer is a new row, not alice''s');
SELECT is(
    (SELECT count(*)::int FROM kobatela.transactions WHERE idempotency_key = 'tap-k2'), 2,
    'two transactions share the key tap-k2, one per sender');

-- Under PostgREST (request.method set) the refusal sets HTTP 403 and X-Kobatela-Error.
DO $$ BEGIN PERFORM set_config('request.method', 'POST', true); END $$;
SELECT is(
    (SELECT status::text FROM kobatela.create_transaction(:dave, :carol, 5, 'USD', 'tap-pgrst')), 'REJECTED',
    'a refused transfer under PostgREST is still returned as a REJECTED row');
SELECT is(current_setting('response.status', true), '403',
    'under PostgREST a refused transfer sets response.status 403');
SELECT is(current_setting('response.headers', true)::jsonb,
    '[{"X-Kobatela-Error": "UNAUTHORIZED_TRANSFER"}]'::jsonb,
    'under PostgREST a refused transfer sets the X-Kobatela-Error: UNAUTHORIZED_TRANSFER header');
DO $$ BEGIN PERFORM set_config('request.method', '', true); END $$;

-- Under PostgREST a NULL idempotency_key falls back to the Idempotency-Key request header.
DO $$ BEGIN PERFORM set_config('request.headers', '{"idempotency-key": "tap-hdr"}', true); END $$;
CREATE TEMP TABLE by_header AS SELECT * FROM kobatela.create_transaction(:alice, :bob, 3);
SELECT is((SELECT idempotency_key FROM by_header), 'tap-hdr',
    'with idempotency_key NULL, the Idempotency-Key request header is the key');
SELECT row_eq(
    format('SELECT t.* FROM kobatela.create_transaction(%s, %s, 3) t', :alice, :bob),
    (SELECT r FROM by_header r),
    'a second call carrying the same Idempotency-Key header is a replay (same row)');
DO $$ BEGIN PERFORM set_config('request.headers', '', true); END $$;

-- ---------------------------------------------------------------------------------------------
-- Certified receiver
-- ---------------------------------------------------------------------------------------------
SELECT is(kobatela.add_certification(:carol, 'gold'), 'certified',
    'add_certification ''gold'' (lower case) on a new user is ''certified''');
SELECT row_eq(
    format('SELECT level::text, certified_at FROM kobatela.certified_accounts WHERE user_id = %s', :carol),
    ROW('GOLD'::text, now()),
    'the level is stored as GOLD, certified_at = now()');
SELECT is(
    (SELECT status::text FROM kobatela.create_transaction(:alice, :carol, 42.42)), 'COMPLETED',
    'a transfer to a certified receiver needs no allowlist entry: COMPLETED');
SELECT is(
    (SELECT status::text FROM kobatela.create_transaction(:dave, :carol, 1)), 'COMPLETED',
    'any sender may pay the certified receiver');
SELECT is(kobatela.add_certification(:carol, 'BASIC'), 'updated',
    'add_certification ''BASIC'' on a certified user is ''updated''');
SELECT results_eq(
    format('SELECT level::text FROM kobatela.certified_accounts WHERE user_id = %s', :carol),
    $$VALUES ('BASIC'::text)$$,
    'one certification row for the user, its level now BASIC');
SELECT is(kobatela.add_certification(:carol, 'gOLd'), 'updated',
    'add_certification accepts a mixed-case level');
SELECT is(
    (SELECT level::text FROM kobatela.certified_accounts WHERE user_id = :carol), 'GOLD',
    'the mixed-case level is stored as GOLD');

-- ---------------------------------------------------------------------------------------------
-- list_alerts: newest first, filter by type
-- ---------------------------------------------------------------------------------------------
-- Alerts with distinct created_at, inserted so that id order and time order disagree.
INSERT INTO kobatela.alerts (type, message, created_at) VALUES
    ('TAP_OTHER', 'newest',  now() + interval '1 hour'),
    ('TAP_OTHER', 'oldest',  now() - interval '2 hours'),
    ('TAP_OTHER', 'middle',  now() - interval '1 hour');

SELECT results_eq(
    'SELECT id FROM kobatela.list_alerts()',
    'SELECT id FROM kobatela.alerts ORDER BY created_at DESC, id DESC',
    'list_alerts() returns every alert, newest first (by created_at, then id)');
SELECT results_eq(
    $$SELECT message FROM kobatela.list_alerts('TAP_OTHER')$$,
    $$VALUES ('newest'::text), ('middle'::text), ('oldest'::text)$$,
    'list_alerts(type) orders by created_at, not by id');
SELECT results_eq(
    $$SELECT type, (payload ->> 'transaction_id')::bigint FROM kobatela.list_alerts('UNAUTHORIZED_TRANSFER_ATTEMPT')$$,
    $$SELECT type, (payload ->> 'transaction_id')::bigint FROM kobatela.alerts
       WHERE type = 'UNAUTHORIZED_TRANSFER_ATTEMPT' ORDER BY id DESC$$,
    'list_alerts(''UNAUTHORIZED_TRANSFER_ATTEMPT'') returns only those alerts, newest first');
SELECT is(
    (SELECT count(*)::int FROM kobatela.list_alerts('UNAUTHORIZED_TRANSFER_ATTEMPT')), 3,
    'three refused transfers (alice->bob, dave->bob, dave->carol), three alerts');
SELECT is_empty($$SELECT * FROM kobatela.list_alerts('TAP_NO_SUCH_TYPE')$$,
    'list_alerts of an unknown type is empty');
SELECT is(
    (SELECT count(*)::int FROM kobatela.list_alerts(NULL)), (SELECT count(*)::int FROM kobatela.alerts),
    'list_alerts(NULL) is the unfiltered list');

-- ---------------------------------------------------------------------------------------------
-- Amounts are exact decimals
-- ---------------------------------------------------------------------------------------------
SELECT is(
    (SELECT amount::text FROM kobatela.create_transaction(:alice, :bob, 0.01)), '0.01',
    'amount 0.01 round-trips exactly');
SELECT is(
    (SELECT amount::text FROM kobatela.create_transaction(:alice, :bob, 12345678901234.56, 'EUR')),
    '12345678901234.56',
    'amount 12345678901234.56 round-trips exactly');
CREATE TEMP TABLE biggest AS
SELECT * FROM kobatela.create_transaction(:alice, :bob, '9999999999999999.99');
SELECT is((SELECT amount::text FROM biggest), '9999999999999999.99',
    'amount 9999999999999999.99 (the largest numeric(18,2)) round-trips exactly');
SELECT is(
    (SELECT amount::text FROM kobatela.get_transaction((SELECT id FROM biggest))), '9999999999999999.99',
    'get_transaction returns the largest amount exactly');
SELECT is(
    (SELECT amount::text FROM kobatela.create_transaction(:alice, :bob, 7)), '7.00',
    'an integer amount is returned with two decimals');
SELECT is(
    (SELECT amount::text FROM kobatela.create_transaction(:alice, :bob, 10.500)), '10.50',
    'trailing zeros beyond the second decimal are accepted');
SELECT throws_ok(
    format('SELECT kobatela.create_transaction(%s, %s, 10.005)', :alice, :bob),
    'PT400', 'BAD_AMOUNT',
    '10.005 (three decimals) is refused with BAD_AMOUNT, not rounded');
SELECT throws_ok(
    format('SELECT kobatela.create_transaction(%s, %s, 10000000000000000.00)', :alice, :bob),
    'PT400', 'BAD_AMOUNT',
    '10000000000000000.00 (out of numeric(18,2) range) is refused with BAD_AMOUNT');
SELECT is(
    (SELECT payload ->> 'amount' FROM kobatela.alerts WHERE (payload ->> 'sender_id')::bigint = :dave
      AND (payload ->> 'attempted_receiver_id')::bigint = :bob),
    '99.00',
    'the alert payload keeps the refused amount as exact decimal text');

SELECT * FROM finish();
ROLLBACK;
