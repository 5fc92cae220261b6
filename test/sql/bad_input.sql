-- Bad input: every function of the API, fed NULLs, impossible amounts, wrong currencies, unknown
-- ids, oversized or malformed text. Each call must fail with a catalogued code (SQLSTATE and
-- MESSAGE shown) and the database must be exactly as before.
SELECT id AS alice FROM kobatela.create_user('bad_alice', 'bad_alice@example.com') \gset
SELECT id AS bob FROM kobatela.create_user('bad_bob', 'bad_bob@example.com') \gset
SELECT kobatela.add_to_allowlist(:alice, :bob);
CALL t.use_secret('psp_webhook_secret', 'bad-input-do-not-log');   -- (the webhook's bounds come after its secret)

CREATE TEMP TABLE bad_calls (label text, statement text);
INSERT INTO bad_calls VALUES
  -- NULL for every required argument
  ('create_user username NULL',        $$SELECT kobatela.create_user(NULL, 'n@example.com')$$),
  ('create_user email NULL',           $$SELECT kobatela.create_user('n', NULL)$$),
  ('create_user is_active NULL',       $$SELECT kobatela.create_user('n', 'n@example.com', NULL)$$),
  ('get_user NULL',                    $$SELECT kobatela.get_user(NULL)$$),
  ('add_to_allowlist owner NULL',      format('SELECT kobatela.add_to_allowlist(NULL, %s)', :bob)),
  ('add_to_allowlist recipient NULL',  format('SELECT kobatela.add_to_allowlist(%s, NULL)', :alice)),
  ('add_certification user NULL',      $$SELECT kobatela.add_certification(NULL, 'GOLD')$$),
  ('add_certification level NULL',     format('SELECT kobatela.add_certification(%s, NULL)', :bob)),
  ('create_transaction sender NULL',   format('SELECT kobatela.create_transaction(NULL, %s, 1)', :bob)),
  ('create_transaction receiver NULL', format('SELECT kobatela.create_transaction(%s, NULL, 1)', :alice)),
  ('create_transaction amount NULL',   format('SELECT kobatela.create_transaction(%s, %s, NULL)', :alice, :bob)),
  ('create_transaction currency NULL', format('SELECT kobatela.create_transaction(%s, %s, 1, NULL)', :alice, :bob)),
  ('get_transaction NULL',             $$SELECT kobatela.get_transaction(NULL)$$),
  ('verify_hmac message NULL',         $$SELECT kobatela.verify_hmac_sha256('k', NULL, 'aa')$$),
  ('verify_hmac signature NULL',       $$SELECT kobatela.verify_hmac_sha256('k', 'm', NULL)$$),
  ('within_geofence tolerance NULL',  $$SELECT kobatela.within_geofence(0, 0, 0, 0, 10, NULL)$$),
  ('geo_distance_m NULL',              $$SELECT kobatela.geo_distance_m(0, 0, NULL, 0)$$),
  -- amounts: zero, negative, too precise, too large, not finite
  ('amount 0',                         format('SELECT kobatela.create_transaction(%s, %s, 0)', :alice, :bob)),
  ('amount -0.01',                     format('SELECT kobatela.create_transaction(%s, %s, -0.01)', :alice, :bob)),
  ('amount -1e20',                     format('SELECT kobatela.create_transaction(%s, %s, -1e20)', :alice, :bob)),
  ('amount 0.001',                     format('SELECT kobatela.create_transaction(%s, %s, 0.001)', :alice, :bob)),
  ('amount 10.005',                    format('SELECT kobatela.create_transaction(%s, %s, 10.005)', :alice, :bob)),
  ('amount 1e16',                      format('SELECT kobatela.create_transaction(%s, %s, 1e16)', :alice, :bob)),
  ('amount 1e20',                      format('SELECT kobatela.create_transaction(%s, %s, 1e20)', :alice, :bob)),
  ('amount 1e1000',                    format('SELECT kobatela.create_transaction(%s, %s, 1e1000)', :alice, :bob)),
  ('amount NaN',                       format($$SELECT kobatela.create_transaction(%s, %s, 'NaN')$$, :alice, :bob)),
  ('amount Infinity',                  format($$SELECT kobatela.create_transaction(%s, %s, 'Infinity')$$, :alice, :bob)),
  ('amount -Infinity',                 format($$SELECT kobatela.create_transaction(%s, %s, '-Infinity')$$, :alice, :bob)),
  -- currencies
  ('currency GBP (not accepted)',      format($$SELECT kobatela.create_transaction(%s, %s, 1, 'GBP')$$, :alice, :bob)),
  ('currency US',                      format($$SELECT kobatela.create_transaction(%s, %s, 1, 'US')$$, :alice, :bob)),
  ('currency empty',                   format($$SELECT kobatela.create_transaction(%s, %s, 1, '')$$, :alice, :bob)),
  ('currency USDX',                    format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USDX')$$, :alice, :bob)),
  ('currency injection',               format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD''; DROP TABLE kobatela.users; --')$$, :alice, :bob)),
  -- unknown ids
  ('get_user unknown',                 $$SELECT kobatela.get_user(9223372036854775807)$$),
  ('get_transaction unknown',          $$SELECT kobatela.get_transaction(-9223372036854775808)$$),
  ('transaction unknown sender',       format('SELECT kobatela.create_transaction(-5, %s, 1)', :bob)),
  ('transaction unknown receiver',     format('SELECT kobatela.create_transaction(%s, -5, 1)', :alice)),
  ('allowlist unknown recipient',      format('SELECT kobatela.add_to_allowlist(%s, 0)', :alice)),
  ('certification unknown user',       $$SELECT kobatela.add_certification(0, 'GOLD')$$),
  -- text: empty, oversized, control characters, malformed
  ('username empty',                   $$SELECT kobatela.create_user('', 'e@example.com')$$),
  ('username only spaces',             $$SELECT kobatela.create_user('   ', 'e@example.com')$$),
  ('idempotency key only spaces',      format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', '   ')$$, :alice, :bob)),
  ('username 10 KB',                   $$SELECT kobatela.create_user(repeat('x', 10240), 'e@example.com')$$),
  ('username newline',                 $$SELECT kobatela.create_user(E'a\nb', 'e@example.com')$$),
  ('email 1 MB',                       $$SELECT kobatela.create_user('e', repeat('x', 1048576) || '@example.com')$$),
  ('email no domain dot',              $$SELECT kobatela.create_user('e', 'e@localhost')$$),
  ('email spaces',                     $$SELECT kobatela.create_user('e', 'e e@example.com')$$),
  ('level empty',                      format($$SELECT kobatela.add_certification(%s, '')$$, :bob)),
  ('idempotency key empty',            format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', '')$$, :alice, :bob)),
  ('idempotency key 65 chars',         format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', repeat('k', 65))$$, :alice, :bob)),
  ('idempotency key control char',     format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', E'k\x01')$$, :alice, :bob)),
  -- coordinates
  ('latitude 90.0001',                 $$SELECT kobatela.within_geofence(90.0001, 0, 0, 0, 10)$$),
  ('longitude -Infinity',              $$SELECT kobatela.within_geofence(0, '-Infinity', 0, 0, 10)$$),
  ('radius NaN',                       $$SELECT kobatela.within_geofence(0, 0, 0, 0, 'NaN')$$),
  ('empty HMAC secret',                $$SELECT kobatela.verify_hmac_sha256('', 'm', 'aa')$$),
  -- sizes and depths: every JSON and text argument without a bound of its own has one
  ('release_conditions 32 KB',         format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', jsonb_build_object('x', repeat('x', 32768)), now() + interval '1 day')$$, :alice, :bob)),
  ('release_conditions 5000 deep',     format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', (repeat('[', 5000) || repeat(']', 5000))::jsonb, now() + interval '1 day')$$, :alice, :bob)),
  ('release_conditions 17 deep',       format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', (repeat('{"a":', 17) || '1' || repeat('}', 17))::jsonb, now() + interval '1 day')$$, :alice, :bob)),
  ('metadata 32 KB',                   $$SELECT kobatela.submit_proof(0, 1, 'PHOTO', 's3://x', 'abc', jsonb_build_object('x', repeat('x', 32768)))$$),
  ('metadata 5000 deep',               $$SELECT kobatela.submit_proof(0, 1, 'PHOTO', 's3://x', 'abc', (repeat('[', 5000) || repeat(']', 5000))::jsonb)$$),
  -- an application's metadata (0.8.0; every bound in test/sql/metadata.sql)
  ('create_user metadata 32 KB',       $$SELECT kobatela.create_user('n', 'n@example.com', true, jsonb_build_object('x', repeat('x', 32768)))$$),
  ('create_transaction metadata array', format($$SELECT kobatela.create_transaction(%s, %s, 1, 'USD', NULL, '[1]')$$, :alice, :bob)),
  ('create_escrow metadata nested',    format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', '{}', now() + interval '1 day', NULL, '{"a": {"b": 1}}')$$, :alice, :bob)),
  ('spend metadata 100 deep',          $$SELECT kobatela.spend(0, 'p', 1, NULL, NULL, (repeat('{"a":', 100) || '1' || repeat('}', 100))::jsonb)$$),
  ('anchors 5 deep',                   $$SELECT kobatela.verify_audit_chain('[[[[[1]]]]]')$$),
  ('webhook body 300 KB',              $$SELECT kobatela.psp_webhook(repeat(' ', 300000) || '{}', repeat('0', 64), '1')$$),
  ('webhook signature 1 KB',           $$SELECT kobatela.psp_webhook('{}', repeat('0', 1024), '1')$$),
  ('webhook timestamp 1 KB',           $$SELECT kobatela.psp_webhook('{}', repeat('0', 64), repeat('1', 1024))$$),
  ('authenticate 1 MB key',            $$SELECT kobatela.authenticate('koba_' || repeat('x', 1048576))$$),
  ('list_alerts type 1 KB',            $$SELECT kobatela.list_alerts(repeat('x', 1024))$$),
  ('verify_hmac message 2 MB',         $$SELECT kobatela.verify_hmac_sha256('k', convert_to(repeat('m', 2097152), 'UTF8'), repeat('0', 64))$$),
  ('verify_hmac signature 1 KB',       $$SELECT kobatela.verify_hmac_sha256('k', 'm', repeat('0', 1024))$$),
  -- dates beyond the horizon (10 years ahead)
  ('escrow deadline in year 10000',    format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', '{}', '10000-01-01')$$, :alice, :bob)),
  ('escrow deadline in 11 years',      format($$SELECT kobatela.create_escrow(%s, %s, 1, 'USD', '{}', now() + interval '11 years')$$, :alice, :bob)),
  ('mandate expiry in year 10000',     format($$SELECT kobatela.create_mandate(%s, %s, 10, 'USD', NULL, NULL, '10000-01-01')$$, :alice, :bob)),
  ('API key expiry in year 10000',     $$SELECT kobatela.create_api_key('far', 'sender', NULL, '10000-01-01')$$),
  -- settings a session may set to anything, read as JSON
  ('request.headers not JSON',         format($$SELECT set_config('request.headers', 'not json', true), kobatela.create_transaction(%s, %s, 1)$$, :alice, :bob)),
  ('request.jwt.claims not JSON',      $$SELECT set_config('request.jwt.claims', '{"kobatela_user_id":', true), kobatela.current_user_id()$$);

SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM bad_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- Every outcome is a catalogued error: its SQLSTATE and MESSAGE are a row of the catalogue.
SELECT label, outcome FROM (SELECT label, t.err(statement) AS outcome FROM bad_calls) r
WHERE NOT EXISTS (SELECT 1 FROM kobatela.error_catalogue() c
                  WHERE r.outcome LIKE c.sqlstate || ' ' || c.code || '%');
SELECT t.row_counts() = :'before' AS still_nothing_written;
RESET kobatela.psp_webhook_secret_file;

-- The horizon itself is accepted: ten calendar years ahead, whatever the leap days.
SELECT status FROM kobatela.create_escrow(:alice, :bob, 1, 'USD', '{}', now() + interval '10 years') AS ten_years_ahead;
