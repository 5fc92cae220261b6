-- The books (sql/ledger.sql, src/api/invariants.cpp; docs/reference.md, "The books"): a small world
-- made through the API (deposits, a milestone paid on an auto-approved photo, a payee spend, a PSP
-- webhook settling one payment and failing another, a release, a refund, a purchase under a
-- mandate, a transfer), then: check_invariants() finds nothing, the ledger balances in every
-- currency and each account equals its counter, a sender key reads neither; then the books are
-- broken by hand, one way at a time (as a superuser in replica mode, which skips the triggers a
-- write through the API would run), and check_invariants() names each broken rule with its ids.
-- Nothing printed depends on ids or times: ids are shown by the labels of t.books_names.
CALL t.use_secret('api_key_pepper', 'books-pepper-do-not-log');
CALL t.use_secret('psp_webhook_secret', 'whsec_books-do-not-log');
-- PSP deliveries signed here with pgcrypto's HMAC, as test/sql/psp.sql does (dropped at the end:
-- psp.sql installs it again).
CREATE EXTENSION pgcrypto SCHEMA t;
CREATE FUNCTION t.books_deliver(body text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT kobatela.psp_webhook(body, encode(t.hmac(convert_to(ts || '.' || body, 'UTF8'),
                                                    convert_to('whsec_books-do-not-log', 'UTF8'), 'sha256'), 'hex'), ts)
    FROM (SELECT extract(epoch FROM now())::text AS ts) now $$;
CREATE FUNCTION t.books_photo() RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('exif_timestamp', to_char((now() - interval '5 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                              'gps_lat', 5.3210, 'gps_lng', -4.0123, 'source', 'app') $$;

-- The labels of this world's ids, by kind (user, escrow, deposit, milestone, payment, payee,
-- mandate, merchant, purchase, transaction).
CREATE TABLE t.books_names (kind text, id bigint, label text, PRIMARY KEY (kind, id));
-- An account or a posting id with its id replaced by its label: escrow:12 -> escrow:E1.
CREATE FUNCTION t.books_label(ref text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN split_part(ref, ':', 2) ~ '^[0-9]+$' THEN
        split_part(ref, ':', 1) || ':'
        || coalesce((SELECT n.label FROM t.books_names n
                     WHERE n.kind = CASE split_part(ref, ':', 1) WHEN 'repay' THEN 'escrow' WHEN 'external' THEN 'user'
                                    ELSE split_part(ref, ':', 1) END
                       AND n.id = split_part(ref, ':', 2)::bigint), 'other')
        || coalesce(':' || nullif(split_part(ref, ':', 3), ''), '')
    ELSE ref END $$;
-- The ids of a check_invariants() row as labels (their kind follows from the rule's name).
CREATE FUNCTION t.books_ids(rule text, ids bigint[]) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(coalesce(n.label, 'other'), ', ' ORDER BY i.n), '')
    FROM unnest(ids) WITH ORDINALITY AS i(id, n)
    LEFT JOIN t.books_names n ON n.id = i.id AND n.kind = CASE
        WHEN rule ~ '^(escrow|terminal_escrow|ledger_escrow|ledger_repay)' THEN 'escrow'
        WHEN rule ~ '^(mandate|ledger_mandate)' THEN 'mandate'
        WHEN rule ~ '^transfer' THEN 'transaction'
        ELSE split_part(rule, '_', 1) END $$;
-- What check_invariants() says, ids as labels.
CREATE FUNCTION t.books_check(OUT rule text, OUT ids text) RETURNS SETOF record LANGUAGE sql AS $$
    SELECT c.rule, t.books_ids(c.rule, c.ids) FROM kobatela.check_invariants() c $$;

SELECT id AS client FROM kobatela.create_user('b_client', 'b_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('b_provider', 'b_provider@example.com') \gset
SELECT id AS family FROM kobatela.create_user('b_family', 'b_family@example.com') \gset
INSERT INTO t.books_names VALUES ('user', :client, 'client'), ('user', :provider, 'provider'), ('user', :family, 'family');

-- E1: 300 USD deposited in two parts; milestone 1 (100) paid on an auto-approved photo, milestone 2
-- (100) still open; a payee spend of 50.
SELECT id AS e1 FROM kobatela.create_escrow(:client, :provider, 300, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e1, 200);
SELECT status FROM kobatela.escrow_deposit(:e1, 100);
SELECT count(*) AS milestones FROM (
    SELECT kobatela.add_milestone(:e1, i, 'Step ' || i, 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 500)
    FROM generate_series(1, 2) i) m;
SELECT status FROM kobatela.submit_proof(:e1, 1, 'PHOTO', 's3://books/1.jpg',
                                         encode(sha256('books-1'::bytea), 'hex'), t.books_photo());
SELECT id AS m1, status FROM kobatela.milestones WHERE escrow_id = :e1 AND idx = 1 \gset
SELECT id AS m2 FROM kobatela.milestones WHERE escrow_id = :e1 AND idx = 2 \gset
SELECT id AS pay_m1, psp_ref AS ref_m1, status FROM kobatela.payments WHERE milestone_id = :m1 \gset
SELECT id AS payee FROM kobatela.add_allowed_payee(:e1, 'b-pharmacy', 'Pharmacy') \gset
SELECT id AS pay_spend, psp_ref AS ref_spend, status FROM kobatela.spend(:e1, 'b-pharmacy', 50, 'medicine') \gset
-- The PSP settles the milestone's payment and fails the spend's.
SELECT t.books_deliver(format('{"id":"evt_books_1","type":"payment.settled","psp_ref":"%s"}', :'ref_m1')) ->> 'ok' AS settled;
SELECT t.books_deliver(format('{"id":"evt_books_2","type":"payment.failed","psp_ref":"%s"}', :'ref_spend')) ->> 'ok' AS failed;
SELECT status FROM kobatela.payments WHERE id IN (:pay_m1, :pay_spend) ORDER BY id;

-- E2: 100 USD released by the client; E3: 80 USD rejected, so refunded.
SELECT id AS e2 FROM kobatela.create_escrow(:client, :provider, 100, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 100);
SELECT status FROM kobatela.escrow_client_approve(:e2);
SELECT id AS e3 FROM kobatela.create_escrow(:client, :provider, 80, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e3, 80);
SELECT status FROM kobatela.escrow_client_reject(:e3);

-- A mandate of 100 USD for the family, a purchase of 30 under it; a transfer of 25.
SELECT id AS shop FROM kobatela.create_merchant('b_shop', NULL, true) \gset
SELECT id AS mandate FROM kobatela.create_mandate(:client, :family, 100) \gset
SELECT id AS purchase, status FROM kobatela.create_purchase(:client, :shop, 30, beneficiary_id => :family) \gset
SELECT kobatela.add_to_allowlist(:client, :family);
SELECT id AS transfer, status FROM kobatela.create_transaction(:client, :family, 25) \gset

INSERT INTO t.books_names
SELECT 'escrow', :e1, 'E1' UNION ALL SELECT 'escrow', :e2, 'E2' UNION ALL SELECT 'escrow', :e3, 'E3'
UNION ALL SELECT 'milestone', :m1, 'E1.m1' UNION ALL SELECT 'milestone', :m2, 'E1.m2'
UNION ALL SELECT 'payee', :payee, 'pharmacy' UNION ALL SELECT 'merchant', :shop, 'shop'
UNION ALL SELECT 'mandate', :mandate, 'M' UNION ALL SELECT 'purchase', :purchase, 'purchase'
UNION ALL SELECT 'transaction', :transfer, 'transfer'
UNION ALL SELECT 'deposit', d.id, e.label || '.d' || row_number() OVER (PARTITION BY d.escrow_id ORDER BY d.id)
          FROM kobatela.escrow_deposits d JOIN (VALUES (:e1, 'E1'), (:e2, 'E2'), (:e3, 'E3')) e(id, label) ON e.id = d.escrow_id
UNION ALL SELECT 'payment', p.id, e.label || '.' || lower(p.kind::text)
          FROM kobatela.payments p JOIN (VALUES (:e1, 'E1'), (:e2, 'E2'), (:e3, 'E3')) e(id, label) ON e.id = p.escrow_id;
SELECT kind, label FROM t.books_names WHERE kind IN ('deposit', 'payment') ORDER BY kind, id;

-- ---------------------------------------------------------------------------------------------
-- The books hold
-- ---------------------------------------------------------------------------------------------
SELECT * FROM kobatela.check_invariants();

-- This world's postings, ids as labels.
SELECT t.books_label(posting_id) AS posting, movement, t.books_label(debit_account) AS debit,
       t.books_label(credit_account) AS credit, amount, currency, source_table
FROM kobatela.ledger
WHERE t.books_label(debit_account) !~ ':other' OR t.books_label(credit_account) !~ ':other'
ORDER BY source_table, source_id, posting_id;

-- Every currency sums to zero (the whole ledger, every suite's postings so far).
SELECT currency, sum(amount) AS total FROM (
    SELECT currency, amount FROM kobatela.ledger UNION ALL SELECT currency, -amount FROM kobatela.ledger) p
GROUP BY currency ORDER BY currency;

-- Each account of this world against its counter: escrow:<id> = deposited - paid - refunded -
-- to_repay, repay:<id> = to_repay_amount, mandate:<id> = -total_spent; psp:in_flight holds the
-- SENT payments.
CREATE TEMP VIEW books_accounts AS
SELECT account, sum(amount) AS balance FROM (
    SELECT debit_account AS account, amount FROM kobatela.ledger
    UNION ALL SELECT credit_account, -amount FROM kobatela.ledger) p GROUP BY account;
SELECT t.books_label(c.account) AS account, coalesce(a.balance, 0.00) AS ledger, c.counter, coalesce(a.balance, 0) = c.counter AS equal
FROM (SELECT 'escrow:' || id AS account, deposited_amount - paid_amount - refunded_amount - to_repay_amount AS counter
      FROM kobatela.escrow_agreements WHERE id IN (:e1, :e2, :e3)
      UNION ALL SELECT 'repay:' || id, to_repay_amount FROM kobatela.escrow_agreements WHERE id IN (:e1, :e2, :e3)
      UNION ALL SELECT 'mandate:' || id, -total_spent FROM kobatela.usage_mandates WHERE id = :mandate) c
LEFT JOIN books_accounts a ON a.account = c.account ORDER BY 1;
SELECT (SELECT coalesce(sum(balance), 0) FROM books_accounts WHERE account = 'psp:in_flight')
     = (SELECT coalesce(sum(amount), 0) FROM kobatela.payments WHERE status = 'SENT') AS in_flight_is_the_sent_payments;

-- ---------------------------------------------------------------------------------------------
-- Who reads the books: support and admin; not a sender
-- ---------------------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT api_key AS sender_key FROM kobatela.create_api_key('books sender', 'sender') \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('books support', 'support') \gset
SELECT api_key AS admin_key FROM kobatela.create_api_key('books admin', 'admin') \gset
SELECT who, t.as_key(k, 'SELECT count(*)::text FROM kobatela.ledger') <> '0' AS reads_the_ledger,
       t.as_key(k, 'SELECT count(*)::text FROM kobatela.check_invariants()') AS check_invariants
FROM (VALUES ('sender', :'sender_key'), ('support', :'support_key'), ('admin', :'admin_key')) k(who, k);
REVOKE EXECUTE ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
REVOKE USAGE ON SCHEMA t FROM kobatela_anon;
-- The role kobatela_sender may not select the view at all, nor call the function.
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT count(*) FROM kobatela.ledger;
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_sender;
SELECT count(*) FROM kobatela.check_invariants();
ROLLBACK;

-- ---------------------------------------------------------------------------------------------
-- Broken books, one way at a time, each rolled back
-- ---------------------------------------------------------------------------------------------
-- A counter: E1's deposited_amount one less than its deposits.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.escrow_agreements SET deposited_amount = deposited_amount - 1 WHERE id = :e1;
SELECT * FROM t.books_check();
ROLLBACK;

-- A payment's amount: E1's milestone payment 5 more than paid_amount says.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.payments SET amount = amount + 5 WHERE id = :pay_m1;
SELECT * FROM t.books_check();
ROLLBACK;

-- A second SENT payment of milestone E1.m1, with no event, counted in paid_amount.
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, milestone_id, amount, status, kind) VALUES (:e1, :m1, 100, 'SENT', 'MILESTONE')
RETURNING id AS twice \gset
INSERT INTO t.books_names VALUES ('payment', :twice, 'E1.milestone again');
UPDATE kobatela.escrow_agreements SET paid_amount = paid_amount + 100 WHERE id = :e1;
SELECT * FROM t.books_check();
ROLLBACK;

-- More paid than held: E1's paid_amount 400.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.escrow_agreements SET paid_amount = 400 WHERE id = :e1;
SELECT * FROM t.books_check();
ROLLBACK;

-- E1 marked RELEASED with its money and an open milestone still in it.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.escrow_agreements SET status = 'RELEASED' WHERE id = :e1;
SELECT * FROM t.books_check();
ROLLBACK;

-- E1's failed spend forgotten: to_repay_amount 0.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.escrow_agreements SET to_repay_amount = 0 WHERE id = :e1;
SELECT * FROM t.books_check();
ROLLBACK;

-- A deposit of 10 into E2 without its DEPOSIT event, over E2's total of 100.
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO kobatela.escrow_deposits (escrow_id, amount) VALUES (:e2, 10);
SELECT * FROM t.books_check();
ROLLBACK;

-- The payee's spent_total, the mandate's total_spent, the purchase's currency.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.allowed_payees SET spent_total = spent_total + 1 WHERE id = :payee;
UPDATE kobatela.usage_mandates SET total_spent = total_spent + 1 WHERE id = :mandate;
UPDATE kobatela.purchases SET currency = 'EUR' WHERE id = :purchase;
SELECT * FROM t.books_check();
ROLLBACK;

-- Amounts with more decimals than their currency has: XOF (0 minor units), enabled for this
-- transaction only; an escrow of 2000 XOF with 1500 deposited through the API, then by hand a
-- deposit of 0.50 (with its event and counter) and an amount_total of 2000.25.
BEGIN;
SELECT code, minor_units FROM kobatela.enable_currency('XOF');
SELECT id AS ex FROM kobatela.create_escrow(:client, :provider, 2000, 'XOF', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:ex, 1500);
INSERT INTO t.books_names VALUES ('escrow', :ex, 'EX');
SELECT * FROM t.books_check();
SET LOCAL session_replication_role = replica;
INSERT INTO kobatela.escrow_deposits (escrow_id, amount) VALUES (:ex, 0.50) RETURNING id AS fractional \gset
INSERT INTO t.books_names VALUES ('deposit', :fractional, 'EX.d2');
INSERT INTO kobatela.escrow_events (escrow_id, kind, data) VALUES (:ex, 'DEPOSIT', '{}');
UPDATE kobatela.escrow_agreements SET deposited_amount = deposited_amount + 0.50, amount_total = 2000.25 WHERE id = :ex;
SELECT * FROM t.books_check();
ROLLBACK;

-- Restored: the books hold again.
SELECT * FROM kobatela.check_invariants();

DROP EXTENSION pgcrypto;
