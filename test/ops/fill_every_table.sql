-- fill_every_table.sql — puts at least one row into every table of schema kobatela, through the API
-- only (the audit trigger fills audit_log). Used by the operations suites:
--   test/ops/dump_restore.sh  fills a database, dumps and restores it, then fills the restored
--                             database again (new ids must not collide with the restored ones);
--   test/ops/upgrade.sh       fills a database at each released version before ALTER EXTENSION UPDATE,
--                             and again afterwards.
-- It is re-runnable in one database: psql variable `run` (default a) makes every name and
-- idempotency key of one run unique.
--
-- Versions: the first part uses only the API of 0.1.0, the oldest released version (upgrade.sh runs
-- this file at each released version). What a later version adds goes into a section of its own
-- at the end, run only when the database has that version (\if :at_least_X_Y_Z): a new table must
-- be filled there (dump_restore.sh fails on an empty table), a new function called there
-- (upgrade.sh runs this file again after ALTER EXTENSION UPDATE, so each new call is tried on an
-- updated database as well as on a fresh one).
--
--   psql -X -q -v ON_ERROR_STOP=1 -v run=a [-v key_file=PATH] -f test/ops/fill_every_table.sql
--
-- With key_file, the last step writes the platform's sender key (plaintext) to that file, so that a
-- suite can check the key still authenticates after a restore or an upgrade.
-- Runs as a superuser (scope admin), except where a key is used, as PostgREST would.
\set QUIET on
\pset footer off
\if :{?run}
\else
\set run a
\endif

-- Test secrets, in files of the data directory that this session's settings name (never ALTER
-- SYSTEM: the test cluster is shared with the other suites). COPY ... TO PROGRAM runs as the
-- server's user, and umask 077 leaves the files readable by it only. Marked do-not-log:
-- scripts/run_tests.sh fails when one reaches the server log.
\set psp_secret 'whsec_ops-do-not-log'
SELECT current_setting('data_directory') || '/kobatela-ops-pepper' AS pepper_file,
       current_setting('data_directory') || '/kobatela-ops-psp' AS psp_file \gset
SELECT format('umask 077 && cat > ''%s''', :'pepper_file') AS write_pepper,
       format('umask 077 && cat > ''%s''', :'psp_file') AS write_psp \gset
COPY (SELECT 'ops-pepper-do-not-log') TO PROGRAM :'write_pepper';
COPY (SELECT :'psp_secret') TO PROGRAM :'write_psp';
SET kobatela.api_key_pepper_file = :'pepper_file';
SET kobatela.psp_webhook_secret_file = :'psp_file';

-- HMAC-SHA256 (RFC 2104) in plain SQL, as the PSP signs its webhooks: no extension is created, so
-- the dump holds Kobatela alone. Temporary: gone with the session.
CREATE FUNCTION pg_temp.hmac_sha256_hex(secret text, message text) RETURNS text LANGUAGE sql AS $$
    WITH k AS (SELECT CASE WHEN octet_length(convert_to(secret, 'UTF8')) > 64
                           THEN sha256(convert_to(secret, 'UTF8')) ELSE convert_to(secret, 'UTF8') END AS key),
         pads AS (
             SELECT decode(string_agg(lpad(to_hex(b # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
                    decode(string_agg(lpad(to_hex(b # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
             FROM (SELECT i, CASE WHEN i < octet_length(key) THEN get_byte(key, i) ELSE 0 END AS b
                   FROM k, generate_series(0, 63) AS i) AS bytes)
    SELECT encode(sha256(opad || sha256(ipad || convert_to(message, 'UTF8'))), 'hex') FROM pads $$;

-- api_keys: an admin key (by the superuser), then the platform's sender key with it, as PostgREST.
SELECT api_key AS admin_key FROM kobatela.create_api_key('ops admin ' || :'run', 'admin') \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT api_key AS platform_key FROM kobatela.create_api_key('ops platform ' || :'run', 'sender') \gset
COMMIT;

-- users, certified_accounts (as the platform's key)
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'platform_key') \g /dev/null
SELECT id AS amara    FROM kobatela.create_user('amara_' || :'run', 'amara_' || :'run' || '@example.fr') \gset
SELECT id AS kofi     FROM kobatela.create_user('kofi_' || :'run', 'kofi_' || :'run' || '@example.ci') \gset
SELECT id AS pharmacy FROM kobatela.create_user('pharmacy_' || :'run', 'pharmacy_' || :'run' || '@example.ci') \gset
SELECT id AS stranger FROM kobatela.create_user('stranger_' || :'run', 'stranger_' || :'run' || '@example.net') \gset
SELECT id AS builder  FROM kobatela.create_user('builder_' || :'run', 'builder_' || :'run' || '@example.ci') \gset
SELECT kobatela.add_certification(:pharmacy, 'gold') \g /dev/null
COMMIT;

-- An API key bound to a user (the rest runs as the superuser).
SELECT api_key AS amara_key FROM kobatela.create_api_key('amara phone ' || :'run', 'sender', :amara) \gset

-- allowed_recipients, transactions (one COMPLETED, one to a certified account, one REJECTED),
-- alerts (the refused transfer raises UNAUTHORIZED_TRANSFER_ATTEMPT); as Amara's bound key.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT kobatela.add_to_allowlist(:amara, :kofi) \g /dev/null
SELECT id FROM kobatela.create_transaction(:amara, :kofi, 150.00, 'EUR', 'ops-tx-' || :'run') \g /dev/null
SELECT id FROM kobatela.create_transaction(:amara, :pharmacy, 42.50, 'USD') \g /dev/null
SELECT id FROM kobatela.create_transaction(:amara, :stranger, 500, 'EUR') \g /dev/null
COMMIT;

-- escrow_agreements, milestones, escrow_deposits, escrow_events, proofs, payments: a PHOTO proof
-- on site pays milestone 1 at once; an untrusted photo waits, is approved, pays milestone 2 and
-- releases the escrow.
SELECT id AS house FROM kobatela.create_escrow(:amara, :builder, 1500.00, 'EUR',
    '{"project": "house"}', now() + interval '90 days') \gset
SELECT kobatela.add_milestone(:house, 1, 'Foundations', 600.00, 'PHOTO', 'SENDER', 5.3210, -4.0123, 200) \g /dev/null
SELECT kobatela.add_milestone(:house, 2, 'Walls and roof', 900.00) \g /dev/null
SELECT kobatela.escrow_deposit(:house, 1500.00, 'ops-deposit-' || :'run') \g /dev/null
SELECT kobatela.submit_proof(:house, 1, 'PHOTO', 's3://house/foundations.jpg',
    encode(sha256(convert_to('foundations ' || :'run', 'UTF8')), 'hex'),
    jsonb_build_object('exif_timestamp', to_char(now() AT TIME ZONE 'UTC' - interval '20 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'gps_lat', 5.3212, 'gps_lng', -4.0121, 'source', 'camera')) \g /dev/null
SELECT id AS walls_proof FROM kobatela.submit_proof(:house, 2, 'PHOTO', 's3://house/walls.jpg',
    encode(sha256(convert_to('walls ' || :'run', 'UTF8')), 'hex'),
    jsonb_build_object('exif_timestamp', to_char(now() AT TIME ZONE 'UTC' - interval '5 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'source', 'photo-editor')) \gset
SELECT kobatela.decide_proof(:walls_proof, 'approved', 'walls look good') \g /dev/null

-- psp_webhook_events: the PSP settles the first payout with a signed webhook (its own transaction:
-- the timestamp is checked against now()).
SELECT psp_ref AS pay_ref FROM kobatela.payments WHERE escrow_id = :house ORDER BY id LIMIT 1 \gset
SELECT extract(epoch FROM now())::bigint::text AS psp_ts \gset
SELECT format('{"id":"evt_ops_%s","type":"payment.settled","psp_ref":"%s"}', :'run', :'pay_ref') AS psp_body \gset
SELECT pg_temp.hmac_sha256_hex(:'psp_secret', :'psp_ts' || '.' || :'psp_body') AS psp_signature \gset
SELECT kobatela.psp_webhook(:'psp_body', :'psp_signature', :'psp_ts') \g /dev/null

-- spend_categories, merchants, usage_mandates, allowed_usages, purchases
SELECT id AS groceries FROM kobatela.create_spend_category('GROCERIES_' || :'run', 'Groceries') \gset
SELECT id AS supermarket FROM kobatela.create_merchant('Supermarket ' || :'run', :groceries) \gset
SELECT kobatela.create_mandate(:amara, :kofi, 300.00, 'EUR', :groceries) \g /dev/null
SELECT kobatela.allow_usage(:kofi, NULL, :groceries) \g /dev/null
SELECT kobatela.create_purchase(:amara, :supermarket, 45.80, 'EUR', NULL, :kofi, 'ops-purchase-' || :'run') \g /dev/null

-- allowed_payees, and a spend (a payment to a payee)
SELECT id AS care FROM kobatela.create_escrow(:amara, :kofi, 400.00, 'EUR', '{"purpose": "care"}',
    now() + interval '180 days') \gset
SELECT kobatela.escrow_deposit(:care, 400.00, 'ops-care-deposit-' || :'run') \g /dev/null
SELECT kobatela.add_allowed_payee(:care, 'clinic', 'Clinic', 100.00, 300.00) \g /dev/null
SELECT kobatela.spend(:care, 'clinic', 80.00, 'consultation', 'ops-spend-' || :'run') \g /dev/null

-- ---- sections of later versions ---------------------------------------------------------------
SELECT string_to_array(extversion, '.')::int[] >= '{0,2,0}' AS at_least_0_2_0
FROM pg_catalog.pg_extension WHERE extname = 'kobatela' \gset

\if :at_least_0_2_0
-- 0.2.0: PostgREST's raw-body webhook entry point (signature and timestamp in the request headers,
-- as PostgREST sets them) settles the spend's payment; the escrow deadline sweep.
SELECT psp_ref AS spend_ref FROM kobatela.payments WHERE escrow_id = :care \gset
SELECT extract(epoch FROM now())::bigint::text AS psp_ts \gset
SELECT format('{"id":"evt_ops_raw_%s","type":"payment.settled","psp_ref":"%s"}', :'run', :'spend_ref') AS psp_body \gset
SELECT pg_temp.hmac_sha256_hex(:'psp_secret', :'psp_ts' || '.' || :'psp_body') AS psp_signature \gset
BEGIN;
SELECT set_config('request.headers', jsonb_build_object('x-psp-signature', :'psp_signature',
                                                        'x-psp-timestamp', :'psp_ts')::text, true) \g /dev/null
SELECT kobatela.psp_webhook_raw(:'psp_body'::json) \g /dev/null
COMMIT;
SELECT kobatela.release_overdue_escrows() \g /dev/null
\endif

SELECT string_to_array(extversion, '.')::int[] >= '{0,3,0}' AS at_least_0_3_0
FROM pg_catalog.pg_extension WHERE extname = 'kobatela' \gset

\if :at_least_0_3_0
-- 0.3.0: a proof's sha256 is any digest of up to 128 characters, not only 64 hex digits.
SELECT id AS digest_escrow FROM kobatela.create_escrow(:amara, :kofi, 10.00, 'EUR', '{"purpose": "digest"}',
    now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:digest_escrow, 10.00, 'ops-digest-deposit-' || :'run') \g /dev/null
SELECT kobatela.add_milestone(:digest_escrow, 1, 'Invoice', 10.00, 'DOCUMENT') \g /dev/null
SELECT kobatela.submit_proof(:digest_escrow, 1, 'PDF', 's3://ops/digest.pdf', 'ops-digest-' || :'run') \g /dev/null
\endif

SELECT string_to_array(extversion, '.')::int[] >= '{0,6,0}' AS at_least_0_6_0
FROM pg_catalog.pg_extension WHERE extname = 'kobatela' \gset

\if :at_least_0_6_0
-- 0.6.0: create_escrow under an idempotency key (its overload), replayed once.
SELECT id AS keyed_escrow FROM kobatela.create_escrow(:amara, :kofi, 15.00, 'EUR', '{"purpose": "keyed"}',
    '2031-01-01 00:00:00+00', 'ops-escrow-' || :'run') \gset
SELECT kobatela.create_escrow(:amara, :kofi, 15.00, 'EUR', '{"purpose": "keyed"}',
    '2031-01-01 00:00:00+00', 'ops-escrow-' || :'run') \g /dev/null

-- 0.6.0: currencies with minor units. XOF (no minor unit) enabled (a row of kobatela.currencies;
-- enabling it again writes nothing), and a transfer of a whole number of CFA francs.
SELECT kobatela.enable_currency('XOF') \g /dev/null
-- ... and one more per run (a row of its own, so that a run on a restored database adds one).
SELECT kobatela.enable_currency((ARRAY['XAF', 'GHS', 'NGN', 'MAD', 'GBP', 'CAD'])[1 + ascii(:'run') % 6]) \g /dev/null
SELECT kobatela.create_transaction(:amara, :kofi, 15000, 'XOF', 'ops-xof-' || :'run') \g /dev/null

-- 0.6.0: purchase_refunds. The merchant's side (the platform's admin key, as PostgREST would call
-- it) refunds part of the run's purchase under a key, replayed once; the mandate gets it back.
SELECT id AS refunded_purchase FROM kobatela.purchases
WHERE idempotency_key = 'ops-purchase-' || :'run' AND idempotency_owner IS NULL \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT kobatela.refund_purchase(:refunded_purchase, 5.80, 'one item returned', 'ops-refund-' || :'run') \g /dev/null
SELECT kobatela.refund_purchase(:refunded_purchase, 5.80, 'one item returned', 'ops-refund-' || :'run') \g /dev/null
COMMIT;
-- 0.6.0: the books, read as the help desk would (a support key, as PostgREST): the ledger and
-- check_invariants() (the suites assert what they say: upgrade.sh and dump_restore.sh).
SELECT api_key AS support_key FROM kobatela.create_api_key('ops support ' || :'run', 'support') \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'support_key') \g /dev/null
SELECT count(*) FROM kobatela.ledger \g /dev/null
SELECT count(*) FROM kobatela.check_invariants() \g /dev/null
COMMIT;
\endif

SELECT string_to_array(extversion, '.')::int[] >= '{0,8,0}' AS at_least_0_8_0
FROM pg_catalog.pg_extension WHERE extname = 'kobatela' \gset

\if :at_least_0_8_0
-- 0.8.0, metadata (issue 16): a user, a transfer, an escrow and a spend with the application's
-- references, each keyed call replayed once with the same metadata.
SELECT kobatela.create_user('meta_' || :'run', 'meta_' || :'run' || '@example.ci', true,
                            jsonb_build_object('crm_id', 'ops-' || :'run', 'tier', 2)) \g /dev/null
SELECT kobatela.create_transaction(:amara, :kofi, 3.00, 'EUR', 'ops-meta-tx-' || :'run', '{"order_id": "ops-1"}') \g /dev/null
SELECT kobatela.create_transaction(:amara, :kofi, 3.00, 'EUR', 'ops-meta-tx-' || :'run', '{"order_id": "ops-1"}') \g /dev/null
SELECT kobatela.create_escrow(:amara, :kofi, 12.00, 'EUR', '{}', '2031-01-01 00:00:00+00', 'ops-meta-escrow-' || :'run',
                              '{"contract": "ops-K-1"}') \g /dev/null
SELECT kobatela.spend(:care, 'clinic', 1.00, NULL, 'ops-meta-spend-' || :'run', '{"invoice": "ops-INV-1"}') \g /dev/null
SELECT kobatela.spend(:care, 'clinic', 1.00, NULL, 'ops-meta-spend-' || :'run', '{"invoice": "ops-INV-1"}') \g /dev/null

-- 0.8.0 (lists): every list read by amara's phone (a key bound to her, as PostgREST would call
-- them), a first page and the next one; list_api_keys by the admin. They write nothing.
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'amara_key') \g /dev/null
SELECT kobatela.list_escrows("limit" => 1) ->> 'next_cursor' AS list_cursor \gset
SELECT kobatela.list_escrows("limit" => 1, cursor => :'list_cursor') \g /dev/null
SELECT kobatela.list_payments(:house), kobatela.list_milestones(:house), kobatela.list_deposits(:house),
       kobatela.list_payees(), kobatela.list_escrow_events(:house, 2), kobatela.list_transactions(),
       kobatela.list_mandates(), kobatela.list_purchases(), kobatela.list_alerts_page() \g /dev/null
COMMIT;
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'admin_key') \g /dev/null
SELECT kobatela.list_api_keys(:amara) \g /dev/null
COMMIT;
-- 0.8.0: the payout hand-off (payout_transmissions). An escrow released pays its balance: the
-- payment is queued; a worker key (as PostgREST would call it) claims the due payouts and reports
-- that one transmitted, twice; queue_payout (admin) returns its row as it is.
SELECT id AS handoff_escrow FROM kobatela.create_escrow(:amara, :kofi, 12.00, 'EUR', '{"purpose": "hand-off"}',
    now() + interval '30 days') \gset
SELECT kobatela.escrow_deposit(:handoff_escrow, 12.00, 'ops-handoff-deposit-' || :'run') \g /dev/null
SELECT kobatela.escrow_client_approve(:handoff_escrow) \g /dev/null
SELECT id AS handoff_payment, psp_ref AS handoff_ref FROM kobatela.payments WHERE escrow_id = :handoff_escrow \gset
SELECT api_key AS worker_key FROM kobatela.create_api_key('ops worker ' || :'run', 'worker') \gset
BEGIN;
SET LOCAL ROLE kobatela_anon;
SELECT kobatela.authenticate(:'worker_key') \g /dev/null
SELECT count(*) FROM kobatela.claim_payouts('ops-worker-' || :'run', 1000) \g /dev/null
SELECT kobatela.payout_transmitted(:handoff_payment, :'handoff_ref') \g /dev/null
SELECT kobatela.payout_transmitted(:handoff_payment, :'handoff_ref') \g /dev/null
COMMIT;
SELECT kobatela.queue_payout(:handoff_payment) \g /dev/null
\endif

\if :{?key_file}
\pset tuples_only on
\pset format unaligned
SELECT :'platform_key' \g :key_file
\endif
