-- API keys (src/api/auth.cpp, api_keys.cpp): creation, authentication, expiry, revocation, bad
-- keys. Every refusal is the same UNAUTHORIZED, writes nothing and echoes nothing.
CALL t.use_secret('api_key_pepper', 'keys-pepper-do-not-log');
SELECT id AS owner FROM kobatela.create_user('keys_owner', 'keys_owner@example.com') \gset

-- A key is koba_<6 hex>.<43 base64url>, shown once; only HMAC-SHA256(pepper, key) is stored.
SELECT id AS key_id, prefix, api_key FROM kobatela.create_api_key('keys sender', 'sender') \gset
SELECT :'api_key' ~ '^koba_[0-9a-f]{6}\.[A-Za-z0-9_-]{43}$' AS well_formed,
       left(:'api_key', 11) = :'prefix' AS prefix_is_the_public_part;
SELECT kobatela.verify_hmac_sha256('keys-pepper-do-not-log', convert_to(:'api_key', 'UTF8'), key_hash) AS hash_is_peppered_hmac,
       position(:'api_key' IN key_hash) = 0 AS plaintext_not_stored
FROM kobatela.api_keys WHERE id = :key_id;
SELECT name, prefix = :'prefix' AS same_prefix, scope, user_id, is_active, expires_at, last_used_at
FROM kobatela.get_api_key(:key_id);
-- get_api_key never shows the hash.
SELECT count(*) AS hash_columns FROM pg_attribute
WHERE attrelid = 'kobatela.api_key_info'::regclass AND attname = 'key_hash';

-- Authenticating makes the key the transaction's identity and stamps last_used_at.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.current_scope() AS before, kobatela.authenticate(:'api_key') AS scope,
       kobatela.current_scope() AS after, kobatela.current_actor() = 'apikey:' || :key_id AS actor;
COMMIT;
SELECT last_used_at IS NOT NULL AS stamped FROM kobatela.api_keys WHERE id = :key_id;
-- That use is audited once, API_KEY_USED with the scope; the stamp itself is an ordinary update.
SELECT action, CASE WHEN action = 'API_KEY_USED' THEN data
                    ELSE jsonb_build_object('changed', (SELECT jsonb_agg(k) FROM jsonb_object_keys(data -> 'new') k)) END AS data
FROM kobatela.audit_entries WHERE entity = 'api_keys' AND entity_id = :key_id AND action <> 'API_KEY_CREATED' ORDER BY record_id, change_no;

-- The identity ends with its transaction, and SQL cannot forge it.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.current_scope() AS next_transaction;
SAVEPOINT forge;
SET kobatela.scope = 'admin';
ROLLBACK TO SAVEPOINT forge;
SELECT kobatela.current_scope() AS still_none;
COMMIT;

-- ... and with a rolled-back savepoint; a released one keeps it.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SAVEPOINT a;
SELECT kobatela.authenticate(:'api_key');
ROLLBACK TO SAVEPOINT a;
SELECT kobatela.current_scope() AS after_rollback_to_savepoint;
SAVEPOINT b;
SELECT kobatela.authenticate(:'api_key');
RELEASE SAVEPOINT b;
SELECT kobatela.current_scope() AS after_release;
COMMIT;

-- A read-only transaction (PostgREST's GET) authenticates without stamping.
BEGIN READ ONLY;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'api_key') AS read_only_scope;
COMMIT;

-- Bad keys: all UNAUTHORIZED with the same sentence, nothing written, the key never echoed.
CREATE TEMP TABLE bad_keys (label text, api_key text);
INSERT INTO bad_keys VALUES
    ('NULL', NULL),
    ('empty', ''),
    ('10 KB', repeat('k', 10240)),
    ('wrong prefix', 'koba_zzzzzz.' || repeat('A', 43)),
    ('unknown prefix', 'koba_000000.' || repeat('A', 43)),
    ('right prefix, wrong secret', left(:'api_key', 12) || repeat('B', 43)),
    ('right key, one character off', left(:'api_key', 54) || CASE right(:'api_key', 1) WHEN 'A' THEN 'B' ELSE 'A' END),
    ('upper-cased', upper(:'api_key')),
    ('with spaces', ' ' || :'api_key' || ' '),
    ('SQL metacharacters', $$koba_abcdef.'; DROP TABLE kobatela.api_keys; --$$),
    ('SQL metacharacters, key-shaped', 'koba_abcdef.' || rpad($$' OR 1=1 --$$, 43, 'x')),
    ('a secret-looking marker', 'koba_abcdef.SECRETMARKER' || repeat('x', 31));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(format('SELECT kobatela.authenticate(%L)', api_key)) AS outcome FROM bad_keys ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT count(*) AS errors_echoing_the_key FROM bad_keys
WHERE length(api_key) > 3 AND position(api_key IN t.err(format('SELECT kobatela.authenticate(%L)', api_key))) > 0;

-- A refused key never reaches the server log: the failing statement is logged without its text
-- (errhidestmt). scripts/run_tests.sh scans the log for SECRETMARKER and the test peppers.
SELECT kobatela.authenticate('koba_abcdef.SECRETMARKER-direct-call-xxxxxxxxxxxxxxxxxxxxxxx');

-- Expiry and revocation are checked on every use.
SELECT id AS soon_id, api_key AS soon_key FROM kobatela.create_api_key('keys soon', 'support', NULL, now() + interval '1 hour') \gset
SELECT kobatela.authenticate(:'soon_key') AS before_expiry;
UPDATE kobatela.api_keys SET expires_at = now() - interval '1 second' WHERE id = :soon_id;
SELECT t.err(format('SELECT kobatela.authenticate(%L)', :'soon_key')) AS after_expiry;
SELECT kobatela.revoke_api_key(:key_id);
SELECT t.err(format('SELECT kobatela.authenticate(%L)', :'api_key')) AS after_revocation;
SELECT kobatela.revoke_api_key(:key_id) AS revoking_twice;
SELECT is_active FROM kobatela.get_api_key(:key_id);

-- Creating keys: bound to an existing user, never without a pepper; one born expired never
-- authenticates.
-- (get_api_key is STABLE: it reads on its calling statement's snapshot, so it finds a key only
-- from the next statement on.)
SELECT t.err($$SELECT kobatela.get_api_key((SELECT id FROM kobatela.create_api_key('keys same statement', 'sender')))$$)
       AS read_in_the_same_statement;
SELECT id AS bound_key FROM kobatela.create_api_key('keys bound', 'sender', :owner) \gset
SELECT scope, user_id = :owner AS bound_to_owner FROM kobatela.get_api_key(:bound_key);
SELECT t.err($$SELECT kobatela.create_api_key('k', 'sender', 424242)$$) AS unknown_user;
SELECT api_key AS born_expired FROM kobatela.create_api_key('k born expired', 'sender', NULL, now() - interval '1 day') \gset
SELECT t.err(format('SELECT kobatela.authenticate(%L)', :'born_expired')) AS expired_at_birth;
SELECT t.err($$SELECT kobatela.create_api_key('', 'sender')$$) AS empty_name;
SELECT t.err($$SELECT kobatela.create_api_key('k', 'root')$$) AS unknown_scope;
-- An unknown scope is refused by PostgreSQL's enum input, before Kobatela runs: reported, the
-- error carries a HINT with the valid scopes (src/pg/enum_input_hint.hpp). Caught by PL/pgSQL (t.err
-- above), an error is never reported, and keeps no hint.
SELECT * FROM kobatela.create_api_key('k', 'root');
SELECT t.err('SELECT kobatela.get_api_key(-1)') AS get_unknown;
SELECT t.err('SELECT kobatela.revoke_api_key(-1)') AS revoke_unknown;
RESET kobatela.api_key_pepper_file;
SELECT t.err($$SELECT kobatela.create_api_key('k', 'sender')$$) AS no_pepper_create;
SELECT t.err(format('SELECT kobatela.authenticate(%L)', :'soon_key')) AS no_pepper_authenticate;
