-- The Kobatela story, told with the functions that exist so far. Run by `make demo`.
-- Every step runs as an application would through PostgREST: as the role kobatela_anon, with an
-- API key authenticated for the transaction. Only the operator's steps (0 and 18) run as a
-- superuser.
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

\echo '7. An escrow: Amara pays a builder, Bati Construct, 1 500.00 EUR for a house in Abidjan, in two'
\echo '   milestones. The foundations are proven by a geotagged photo within 200 m of the site.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT id AS builder FROM kobatela.create_user('bati_construct', 'contact@bati-construct.ci') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS builder_key FROM kobatela.create_api_key('builder phone', 'sender', :builder) \gset
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id AS house FROM kobatela.create_escrow(:amara, :builder, 1500.00, 'EUR',
    '{"project": "house, Cocody", "inspection": "photo"}', now() + interval '90 days') \gset
SELECT idx, label, amount, geofence_radius_m FROM kobatela.add_milestone(:house, 1, 'Foundations', 600.00, 'PHOTO', 'SENDER',
    5.3210, -4.0123, 200);
SELECT idx, label, amount FROM kobatela.add_milestone(:house, 2, 'Walls and roof', 900.00);
\echo '   She funds it (idempotency key house-deposit-1):'
SELECT id, amount_total, currency, status FROM kobatela.escrow_deposit(:house, 1500.00, 'house-deposit-1');
COMMIT;

\echo '8. The builder''s phone sends a photo of the foundations taken 915 m from the site: refused,'
\echo '   and nothing is written.'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'builder_key') \g /dev/null
SELECT kobatela.submit_proof(:house, 1, 'PHOTO', 's3://house/foundations-wrong.jpg', repeat('a1', 32),
    jsonb_build_object('exif_timestamp', to_char(now() AT TIME ZONE 'UTC' - interval '20 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'gps_lat', 5.3240, 'gps_lng', -4.0200, 'source', 'camera'));
ROLLBACK;
\set ON_ERROR_STOP on
\echo '   Then one taken on site, 20 minutes ago: approved, and the milestone is paid out at once.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'builder_key') \g /dev/null
SELECT status, metadata ->> 'source' AS source FROM kobatela.submit_proof(:house, 1, 'PHOTO', 's3://house/foundations.jpg',
    repeat('b2', 32),
    jsonb_build_object('exif_timestamp', to_char(now() AT TIME ZONE 'UTC' - interval '20 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'gps_lat', 5.3212, 'gps_lng', -4.0121, 'source', 'camera'));
SELECT id, amount, status, psp_ref AS psp_ref FROM kobatela.payments WHERE escrow_id = :house \gset pay_
SELECT :pay_id AS payment, :'pay_amount' AS amount, :'pay_status' AS status, :'pay_psp_ref' AS psp_ref;
COMMIT;

\echo '9. The payout goes to the payment provider (PSP): Kobatela''s payout worker, with a key of'
\echo '   scope worker that may do nothing else, claims it (a lease of kobatela.payout_lease_s), sends it'
\echo '   with its psp_ref as the idempotency key (examples/payout_worker.py does it over HTTP) and'
\echo '   reports it transmitted.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS worker_key FROM kobatela.create_api_key('payout worker', 'worker') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'worker_key') \g /dev/null
SELECT payment_id, psp_ref, kind, amount, currency, beneficiary_user_id = :builder AS to_the_builder, attempt
FROM kobatela.claim_payouts('demo-worker', 10);
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'worker_key') \g /dev/null
SELECT payment_id, state, attempts, claimed_by FROM kobatela.payout_transmitted(:pay_id, :'pay_psp_ref');
COMMIT;
\echo '   The PSP then confirms the transfer with a signed webhook (HMAC-SHA256 over timestamp.body):'
\echo '   the payment is SETTLED. A replay of the same event changes nothing.'
CREATE EXTENSION IF NOT EXISTS pgcrypto;   -- the PSP's side of the demo: it signs
SELECT extract(epoch FROM now())::bigint::text AS psp_ts \gset
SELECT format('{"id":"evt_%s","type":"payment.settled","psp_ref":"%s"}', :pay_id, :'pay_psp_ref') AS psp_body \gset
SELECT encode(hmac(:'psp_ts' || '.' || :'psp_body', :'psp_secret', 'sha256'), 'hex') AS psp_signature \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;                                   -- no API key: the signature is the credential
SELECT kobatela.psp_webhook(:'psp_body', :'psp_signature', :'psp_ts') - 'processed_at' AS webhook;
SELECT kobatela.psp_webhook(:'psp_body', :'psp_signature', :'psp_ts') - 'processed_at' AS replayed;
COMMIT;
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
\echo '   A forged webhook:'
SELECT kobatela.psp_webhook(replace(:'psp_body', 'settled', 'failed'), :'psp_signature', :'psp_ts');
ROLLBACK;
\set ON_ERROR_STOP on
SELECT status AS payment_status FROM kobatela.payments WHERE id = :pay_id;

\echo '10. The walls: the builder''s photo comes from an app the platform does not trust, so it waits'
\echo '    for Amara, who approves it. The last milestone paid, the escrow closes itself.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'builder_key') \g /dev/null
SELECT id AS walls_proof, status, metadata -> 'review_reasons' AS review_reasons
FROM kobatela.submit_proof(:house, 2, 'PHOTO', 's3://house/walls.jpg', repeat('c3', 32),
    jsonb_build_object('exif_timestamp', to_char(now() AT TIME ZONE 'UTC' - interval '5 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'source', 'photo-editor')) \gset
SELECT :walls_proof AS proof, :'status' AS status, :'review_reasons' AS review_reasons;
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT status, metadata -> 'decision' AS decision FROM kobatela.decide_proof(:walls_proof, 'approved', 'walls look good');
SELECT id, status FROM kobatela.get_escrow(:house);
\echo '    The escrow''s timeline:'
SELECT kind, data FROM kobatela.escrow_events(:house);
COMMIT;

\echo '11. Amara also wants Kofi to buy the family''s groceries, and only groceries. The platform keeps a'
\echo '    catalogue of spending categories and merchants (platform data: its own key, not a user''s).'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT id AS groceries FROM kobatela.create_spend_category('GROCERIES', 'Groceries') \gset
SELECT id AS drinks FROM kobatela.create_spend_category('DRINKS', 'Wine and spirits') \gset
SELECT id AS supermarket FROM kobatela.create_merchant('Supermarché de Cocody', :groceries) \gset
SELECT id AS wine_shop FROM kobatela.create_merchant('Cave du Plateau', :drinks) \gset
SELECT m.id, m.name, c.code AS category, m.is_certified
FROM kobatela.merchants m LEFT JOIN kobatela.spend_categories c ON c.id = m.category_id ORDER BY m.id;
COMMIT;

\echo '12. Amara''s phone gives Kofi a mandate: 300.00 EUR of groceries within 30 days, and allows him the'
\echo '    groceries category. Kofi''s phone gets its own key, bound to him.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id AS grocery_mandate FROM kobatela.create_mandate(:amara, :kofi, 300.00, 'EUR', :groceries) \gset
SELECT id, beneficiary_id, total_amount, currency, status, to_char(expires_at, 'YYYY-MM-DD') AS expires_on
FROM kobatela.usage_mandates WHERE id = :grocery_mandate;
SELECT kobatela.allow_usage(:kofi, NULL, :groceries) AS usage_groceries;
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS kofi_key FROM kobatela.create_api_key('kofi phone', 'sender', :kofi) \gset
COMMIT;

\echo '13. Kofi buys 45.80 EUR of groceries at the Supermarché de Cocody (idempotency key kofi-2026-11-001):'
\echo '    accepted, and counted against the mandate.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'kofi_key') \g /dev/null
SELECT id, beneficiary_id AS buyer, merchant_id, amount, currency, status, mandate_id
FROM kobatela.create_purchase(:amara, :supermarket, 45.80, 'EUR', NULL, :kofi, 'kofi-2026-11-001');
SELECT total_amount, total_spent, total_amount - total_spent AS remaining, status
FROM kobatela.usage_mandates WHERE id = :grocery_mandate;
COMMIT;
\echo '    At the Cave du Plateau (wine and spirits) the mandate does not apply: refused, nothing written.'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'kofi_key') \g /dev/null
SELECT kobatela.create_purchase(:amara, :wine_shop, 30.00, 'EUR', NULL, :kofi);
ROLLBACK;
\set ON_ERROR_STOP on

\echo '14. Their mother''s care: Amara funds a 400.00 EUR escrow, managed by Kofi, that may pay only the'
\echo '    Clinique des Deux Plateaux, at most 100.00 EUR a day and 300.00 EUR in all.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id AS care FROM kobatela.create_escrow(:amara, :kofi, 400.00, 'EUR', '{"purpose": "mother''s care"}',
    now() + interval '180 days') \gset
SELECT id, amount_total, currency, status FROM kobatela.escrow_deposit(:care, 400.00, 'care-deposit-1');
SELECT payee_ref, label, daily_limit, total_limit
FROM kobatela.add_allowed_payee(:care, 'clinique-deux-plateaux', 'Clinique des Deux Plateaux', 100.00, 300.00);
COMMIT;
\echo '    A consultation, 80.00 EUR (idempotency key care-2026-11-001): within the limits, paid at once.'
\echo '    The app keeps its own references on the payment (metadata: the clinic''s invoice number).'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id, amount, status, psp_ref, metadata FROM kobatela.spend(:care, 'clinique-deux-plateaux', 80.00, 'consultation',
    'care-2026-11-001', '{"invoice": "CDP-2026-1142", "visit": 1}');
SELECT payee_ref, spent_today, daily_limit, spent_total, total_limit FROM kobatela.allowed_payees WHERE escrow_id = :care;
SELECT deposited_amount, paid_amount, deposited_amount - paid_amount AS balance
FROM kobatela.escrow_agreements WHERE id = :care;
COMMIT;
\echo '    The same day, 45.00 EUR more would pass the daily limit (80.00 + 45.00 > 100.00); and the escrow'
\echo '    cannot pay anyone who is not on its list:'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SAVEPOINT s;
SELECT kobatela.spend(:care, 'clinique-deux-plateaux', 45.00, 'lab tests');
ROLLBACK TO SAVEPOINT s;
SELECT kobatela.spend(:care, 'pharmacie-inconnue', 10.00, 'medicine');
ROLLBACK;
\set ON_ERROR_STOP on
\echo '    Their mother moves in with Amara: she ends the arrangement. The 320.00 EUR left are refunded to'
\echo '    her, as a payment the payment provider settles like any other; nothing stays in the ended escrow.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT status, deposited_amount, paid_amount, refunded_amount FROM kobatela.escrow_client_reject(:care, 'mother moved to Paris');
SELECT kind, amount, status, psp_ref IS NOT NULL AS has_psp_ref FROM kobatela.payments WHERE escrow_id = :care ORDER BY id;
COMMIT;

\echo '15. Kofi''s school fees: Amara puts 250.00 EUR in an escrow for Kofi, to be released when he shows'
\echo '    the receipt. He does; she approves, and the release pays him the 250.00 EUR at once.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id AS fees FROM kobatela.create_escrow(:amara, :kofi, 250.00, 'EUR', '{"purpose": "school fees"}',
    now() + interval '60 days', 'fees-2026-11-001') \gset
SELECT status FROM kobatela.escrow_deposit(:fees, 250.00, 'fees-deposit-1');
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'kofi_key') \g /dev/null
SELECT status FROM kobatela.escrow_mark_delivered(:fees, 'fees paid', 'https://example.ci/receipt.pdf');
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT status, deposited_amount, paid_amount FROM kobatela.escrow_client_approve(:fees, 'receipt seen');
SELECT kind, amount, status FROM kobatela.payments WHERE escrow_id = :fees;
COMMIT;

\echo '16. Mandates end on their own. Amara gives her sister Awa 20.00 EUR of groceries, valid for only two'
\echo '    seconds (for the demo). Three seconds later the job kobatela.expire_mandates(), which production'
\echo '    schedules with pg_cron, expires it (admin key); Kofi''s grocery mandate is still ACTIVE.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT id AS awa FROM kobatela.create_user('awa', 'awa@example.ci') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id AS awa_mandate FROM kobatela.create_mandate(:amara, :awa, 20.00, 'EUR', :groceries, NULL,
    now() + interval '2 seconds') \gset
COMMIT;
SELECT pg_sleep(3) \g /dev/null
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT kobatela.expire_mandates() AS mandates_expired;
SELECT id, beneficiary_id, total_amount, total_spent, status FROM kobatela.usage_mandates ORDER BY id;
COMMIT;
\echo '    Awa''s groceries at the Supermarché de Cocody, paid through the platform, find no mandate:'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT kobatela.create_purchase(:amara, :supermarket, 12.00, 'EUR', NULL, :awa);
ROLLBACK;
\set ON_ERROR_STOP on

\echo '17. Every change is in the append-only, hash-chained audit log, one record per business action;'
\echo '    the help desk verifies it, and reads the history of the house escrow change by change:'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support_key') \g /dev/null
SELECT (SELECT count(*) FROM kobatela.audit_entries) AS changes_recorded, kobatela.verify_audit_chain() AS chain_intact;
SELECT actor, action, operation, entity FROM kobatela.audit_history('escrow_agreements', :house) ORDER BY record_id, change_no;
COMMIT;

\echo '18. In production nobody calls those jobs by hand: the DBA registers them with pg_cron once for the'
\echo '    cluster (here every 5 minutes; running it again only changes the schedule). The DBA is a'
\echo '    superuser: pg_cron lives in another database, and the link to it without a password is for'
\echo '    superusers only (an admin key would need kobatela.cron_conninfo, docs/pg_cron.md):'
SELECT * FROM kobatela.schedule_maintenance('*/5 * * * *') AS job_id;

\echo '19. Health, with the jobs (the two of the story and the purge of pg_cron''s run history), and'
\echo '    for the DBA, a superuser, the figures that need an operator (docs/operations.md, Monitoring):'
SELECT jsonb_pretty(kobatela.health()) AS health;

\echo '20. The books prove it: every movement of money is a posting of the view kobatela.ledger, and the'
\echo '    help desk checks that the counters, the escrows'' timelines and the ledger agree (no row: the'
\echo '    books hold); per currency, what each kind of account holds (money that came in from people'
\echo '    outside, what escrows hold, what is on its way at the payment provider, what payees got) sums to zero:'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support_key') \g /dev/null
SELECT * FROM kobatela.check_invariants();
SELECT currency, coalesce(split_part(account, ':', 1), 'all accounts') AS accounts, sum(amount) AS balance
FROM (SELECT currency, debit_account AS account, amount FROM kobatela.ledger
      UNION ALL SELECT currency, credit_account, -amount FROM kobatela.ledger) p
GROUP BY GROUPING SETS ((currency, split_part(account, ':', 1)), (currency))
ORDER BY currency, split_part(account, ':', 1) NULLS LAST;
COMMIT;

\echo '21. Applications do not poll: the event feed tells them what happened, in commit order, and'
\echo '    LISTEN kobatela_events wakes them up after commits (docs/events.md). Amara''s phone reads the'
\echo '    story as she may see it (her key is bound to her), a page of 100 from the beginning:'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT id, type, object, object_id, data ->> 'status' AS status, coalesce(data ->> 'amount', data ->> 'amount_total', data ->> 'total_amount') AS amount
FROM kobatela.events_since(NULL, 100);
COMMIT;
\echo '    The platform''s backend sees every event of the platform; what it has not read yet starts after'
\echo '    the cursor it stored with its last page:'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT type, count(*) AS events FROM kobatela.events_since(NULL, 1000) GROUP BY type ORDER BY min(id);
COMMIT;

\echo '22. Lists, a page at a time, newest first: Amara''s phone reads her escrows two by two, following'
\echo '    next_cursor until it is null (her key sees only her own), then the payments of her mother''s'
\echo '    care escrow. Each page reads along an index: it costs the same however many rows the platform holds.'
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT kobatela.list_escrows("limit" => 2) AS page \gset
SELECT e ->> 'id' AS id, e ->> 'status' AS status, e ->> 'amount_total' AS amount_total, e ->> 'currency' AS currency
FROM jsonb_array_elements(:'page'::jsonb -> 'data') e;
SELECT :'page'::jsonb -> 'has_more' AS has_more, :'page'::jsonb ->> 'next_cursor' AS next_cursor;
\echo '    The next page, with that cursor:'
SELECT kobatela.list_escrows("limit" => 2, cursor => :'page'::jsonb ->> 'next_cursor') AS page \gset
SELECT e ->> 'id' AS id, e ->> 'status' AS status, e ->> 'amount_total' AS amount_total, e ->> 'currency' AS currency
FROM jsonb_array_elements(:'page'::jsonb -> 'data') e;
SELECT :'page'::jsonb -> 'has_more' AS has_more, coalesce(:'page'::jsonb ->> 'next_cursor', 'null') AS next_cursor;
\echo '    The care escrow''s payments (list_payments), and only the refund:'
SELECT p ->> 'id' AS id, p ->> 'kind' AS kind, p ->> 'amount' AS amount, p ->> 'status' AS status
FROM jsonb_array_elements(kobatela.list_payments(:care) -> 'data') p;
SELECT p ->> 'kind' AS kind, p ->> 'amount' AS amount
FROM jsonb_array_elements(kobatela.list_payments(:care, kind => 'REFUND') -> 'data') p;
COMMIT;
