-- The Kobatela story, told with the functions that exist so far. Run by `make demo`.
-- Every step runs as an application would through PostgREST: as the role kobatela_anon, with an
-- API key authenticated for the transaction. Only step 0, the operator's, runs as a superuser.
\pset footer off
\set QUIET on

\echo '=== Kobatela demo: conditional money transfers inside PostgreSQL ==='
\echo
\echo '0. The operator (a superuser) creates the first admin key; with it, the platform gets a'
\echo '   sender key for its backend and a support key for its help desk.'
SELECT api_key AS admin_key FROM kobatela.create_api_key('demo operator', 'admin') \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS platform_key FROM kobatela.create_api_key('platform backend', 'sender') \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('help desk', 'support') \gset
SELECT name, prefix, scope, user_id FROM kobatela.api_keys ORDER BY id;
COMMIT;

\echo '1. Amara lives in Paris and supports her family in Abidjan. The platform registers her, her'
\echo '   brother Kofi, the Pharmacie du Plateau, and a stranger who will try his luck.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT id AS amara FROM kobatela.create_user('amara', 'amara@example.fr') \gset
SELECT id AS kofi FROM kobatela.create_user('kofi', 'kofi@example.ci') \gset
SELECT id AS pharmacy FROM kobatela.create_user('pharmacie_plateau', 'contact@pharmacie-plateau.ci') \gset
SELECT id AS stranger FROM kobatela.create_user('stranger', 'stranger@example.net') \gset
SELECT id, username, email FROM kobatela.users ORDER BY id;
\echo '   The platform certifies the pharmacy (GOLD): anyone may pay it.'
SELECT kobatela.add_certification(:pharmacy, 'gold') AS certification;
COMMIT;

\echo '2. Amara''s phone gets its own key, bound to her: it can act only as Amara.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS amara_key FROM kobatela.create_api_key('amara phone', 'sender', :amara) \gset
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') AS scope, kobatela.current_user_id() AS acting_as_user,
       kobatela.current_actor() AS audit_actor;
SELECT kobatela.add_to_allowlist(:amara, :kofi) AS allowlist_kofi;
\echo '3. She sends Kofi 150.00 EUR (idempotency key amara-2026-11-001) and pays the pharmacy 42.50 USD.'
SELECT id, receiver_id, amount, currency, status
FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'amara-2026-11-001');
SELECT id, receiver_id, amount, currency, status
FROM kobatela.create_transaction(:amara, :pharmacy, 42.50, 'USD');
COMMIT;

\echo '4. Her phone retries the first transfer with the same key: the same transaction comes back,'
\echo '   nothing is paid twice.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id, amount, status FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'amara-2026-11-001');
SELECT count(*) AS transfers_amara_can_see FROM kobatela.transactions;
COMMIT;

\echo '5. A transfer to someone she never allowlisted is refused, and the refusal is kept as evidence:'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id, receiver_id, amount, status FROM kobatela.create_transaction(:amara, :stranger, 500, 'EUR');
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support_key') \g /dev/null
\echo '   The help desk (support key) sees the alert:'
SELECT type, message, payload FROM kobatela.list_alerts();
COMMIT;

\echo '6. What keys may not do, and bad input, are refused with a stable code and a sentence:'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
\echo '   - Amara''s key tries to send money from Kofi''s account:'
SELECT kobatela.create_transaction(:kofi, :amara, 1000, 'EUR');
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support_key') \g /dev/null
\echo '   - the help desk tries to create a transfer:'
SELECT kobatela.create_transaction(:amara, :kofi, 10, 'EUR');
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_anon;
\echo '   - a forged key:'
SELECT kobatela.authenticate('koba_000000.forgedforgedforgedforgedforgedforgedforged');
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
\echo '   - amounts with three decimals, unknown currencies, a reused idempotency key:'
SAVEPOINT s;
SELECT kobatela.create_transaction(:amara, :kofi, 10.005, 'EUR');
ROLLBACK TO SAVEPOINT s;
SELECT kobatela.create_transaction(:amara, :kofi, 10, 'GBP');
ROLLBACK TO SAVEPOINT s;
SELECT kobatela.create_transaction(:amara, :kofi, 10.00, 'EUR', 'amara-2026-11-001');
ROLLBACK;
\set ON_ERROR_STOP on

\echo '7. Proofs to come: a builder''s photo taken 915 m from the site is outside a 200 m geofence.'
SELECT round(kobatela.geo_distance_m(5.3210, -4.0123, 5.3240, -4.0200)::numeric, 1) AS metres_from_site,
       kobatela.within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 200, 15) AS accepted;

\echo '8. And the payment provider''s webhooks are checked by HMAC-SHA256, in constant time:'
SELECT kobatela.verify_hmac_sha256('whsec_test',
         convert_to('1700000000.{"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"}', 'UTF8'),
         'd5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619') AS genuine_signature,
       kobatela.verify_hmac_sha256('whsec_test', convert_to('1700000000.{"forged":true}', 'UTF8'),
         'd5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619') AS forged_body;

\echo '9. Health:'
SELECT jsonb_pretty(kobatela.health()) AS health;
