-- The Kobatela story, told with the functions that exist so far. Run by `make demo`.
\pset footer off
\set QUIET on
\set VERBOSITY default

\echo '=== Kobatela demo: conditional money transfers inside PostgreSQL ==='
\echo
\echo '1. Amara lives in Paris and supports her family in Abidjan. We register her, her brother'
\echo '   Kofi, the Pharmacie du Plateau, and a stranger who will try his luck.'
SELECT id AS amara FROM kobatela.create_user('amara', 'amara@example.fr') \gset
SELECT id AS kofi FROM kobatela.create_user('kofi', 'kofi@example.ci') \gset
SELECT id AS pharmacy FROM kobatela.create_user('pharmacie_plateau', 'contact@pharmacie-plateau.ci') \gset
SELECT id AS stranger FROM kobatela.create_user('stranger', 'stranger@example.net') \gset
SELECT id, username, email FROM kobatela.users ORDER BY id;

\echo '2. Amara allowlists Kofi; the pharmacy is a GOLD-certified account anyone may pay.'
SELECT kobatela.add_to_allowlist(:amara, :kofi) AS allowlist,
       kobatela.add_certification(:pharmacy, 'gold') AS certification;

\echo '3. She sends Kofi 150.00 EUR (idempotency key amara-2026-11-001) and pays the pharmacy 42.50 USD.'
SELECT id, receiver_id, amount, currency, status
FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'amara-2026-11-001');
SELECT id, receiver_id, amount, currency, status
FROM kobatela.create_transaction(:amara, :pharmacy, 42.50, 'USD');

\echo '4. Her phone retries the first transfer with the same key: the same transaction comes back,'
\echo '   nothing is paid twice.'
SELECT id, amount, status, (SELECT count(*) FROM kobatela.transactions WHERE sender_id = :amara) AS transfers_so_far
FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'amara-2026-11-001');

\echo '5. A transfer to someone she never allowlisted is refused, and the refusal is kept as evidence:'
SELECT id, receiver_id, amount, status FROM kobatela.create_transaction(:amara, :stranger, 500, 'EUR');
SELECT type, message, payload FROM kobatela.list_alerts();

\echo '6. Bad input never gets in: every refusal has a stable code, an HTTP status and a sentence.'
\set ON_ERROR_STOP off
SELECT kobatela.create_transaction(:amara, :kofi, 10.005, 'EUR');
SELECT kobatela.create_transaction(:amara, :kofi, 10, 'GBP');
SELECT kobatela.create_transaction(:amara, :kofi, 10.00, 'EUR', 'amara-2026-11-001');
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
