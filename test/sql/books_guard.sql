-- Counters that cannot drift (issue 14, part 6): the audit trigger refuses writes to money rows made
-- outside Kobatela's functions (BOOKS_WRITE_REFUSED, core/books.hpp), for a superuser too; the
-- columns that are not the books stay writable; kobatela.correct_payment is the admin's way to
-- record what the PSP says happened to a payment (docs/operations.md, "Correcting the books by hand").
CALL t.use_secret('api_key_pepper', 'books-pepper-do-not-log');

-- One row in every guarded table, through the API.
SELECT id AS client FROM kobatela.create_user('bg_client', 'bg_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('bg_provider', 'bg_provider@example.com') \gset
SELECT kobatela.add_to_allowlist(:client, :provider);
SELECT id AS tx FROM kobatela.create_transaction(:client, :provider, 5) \gset
SELECT id AS e FROM kobatela.create_escrow(:client, :provider, 100, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e, 100);
SELECT id AS ms FROM kobatela.add_milestone(:e, 1, 'Roof', 40, 'DOCUMENT') \gset
SELECT id AS payee FROM kobatela.add_allowed_payee(:e, 'bg_clinic', 'Clinic') \gset
SELECT id AS paid, status FROM kobatela.spend(:e, 'bg_clinic', 10) \gset
SELECT id AS draft FROM kobatela.create_escrow(:client, :provider, 50, 'USD', '{}', now() + interval '30 days') \gset
SELECT id AS shop FROM kobatela.create_merchant('bg_shop', NULL, true) \gset
SELECT id AS mandate FROM kobatela.create_mandate(:client, :provider, 50) \gset
SELECT id AS purchase FROM kobatela.create_purchase(:client, :shop, 3, beneficiary_id => :provider) \gset
SELECT id AS idle_payee FROM kobatela.add_allowed_payee(:e, 'bg_idle', 'Idle') \gset
SELECT id AS idle_mandate FROM kobatela.create_mandate(:provider, :client, 20) \gset
SELECT id AS deposit FROM kobatela.escrow_deposits WHERE escrow_id = :e \gset
-- An escrow whose counter says it holds deposits, a payee and a mandate whose counters say they
-- spent, that no row references (the deposits, payments and purchases of real ones would stop
-- their DELETE on a foreign key first): planted past the guard.
SET session_replication_role = replica;
INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, status, release_conditions,
                                        deadline_at, deposited_amount)
VALUES (:client, :provider, 11, 'USD', 'FUNDED', '{}', now() + interval '1 day', 11) RETURNING id AS orphan \gset
INSERT INTO kobatela.allowed_payees (escrow_id, payee_ref, label, spent_total)
VALUES (:e, 'bg_planted', 'Planted', 2) RETURNING id AS spent_payee \gset
INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, expires_at, status, total_spent)
VALUES (:client, :provider, 10, now() + interval '1 day', 'EXPIRED', 2) RETURNING id AS spent_mandate \gset
RESET session_replication_role;

-- What the books hold, to prove that a refusal wrote nothing (audit_log included).
CREATE FUNCTION t.books() RETURNS text LANGUAGE sql AS $$
    SELECT md5(string_agg(r, '|' ORDER BY r)) || ' ' || (SELECT count(*) FROM kobatela.audit_entries)
    FROM (SELECT 'e' || e::text AS r FROM kobatela.escrow_agreements e
          UNION ALL SELECT 'd' || d::text FROM kobatela.escrow_deposits d
          UNION ALL SELECT 'p' || p::text FROM kobatela.payments p
          UNION ALL SELECT 'm' || m::text FROM kobatela.milestones m
          UNION ALL SELECT 'a' || a::text FROM kobatela.allowed_payees a
          UNION ALL SELECT 'u' || u::text FROM kobatela.usage_mandates u
          UNION ALL SELECT 'c' || c::text FROM kobatela.purchases c
          UNION ALL SELECT 't' || x::text FROM kobatela.transactions x) all_rows $$;
SELECT t.books() AS before \gset

-- ---------------------------------------------------------------------------------------------
-- Refused, as the superuser: every INSERT, DELETE, UPDATE (of a column of the books) and TRUNCATE.
-- (TRUNCATE ... CASCADE: the tables that others reference cannot be truncated alone; the named
-- table's trigger is the first to fire.)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE t.books_writes (ord serial, label text, statement text);
INSERT INTO t.books_writes (label, statement) VALUES
    ('payments INSERT',            format($$INSERT INTO kobatela.payments (escrow_id, amount, kind) VALUES (%s, 1, 'RELEASE')$$, :e)),
    ('payments UPDATE status',     format($$UPDATE kobatela.payments SET status = 'SETTLED' WHERE id = %s$$, :paid)),
    ('payments UPDATE amount',     format('UPDATE kobatela.payments SET amount = 1 WHERE id = %s', :paid)),
    ('payments UPDATE psp_ref',    format($$UPDATE kobatela.payments SET psp_ref = 'PSP-x' WHERE id = %s$$, :paid)),
    ('payments DELETE',            format('DELETE FROM kobatela.payments WHERE id = %s', :paid)),
    ('payments TRUNCATE',          'TRUNCATE kobatela.payments CASCADE'),
    ('escrow_deposits INSERT',     format('INSERT INTO kobatela.escrow_deposits (escrow_id, amount) VALUES (%s, 1)', :draft)),
    ('escrow_deposits UPDATE',     format('UPDATE kobatela.escrow_deposits SET amount = 1 WHERE id = %s', :deposit)),
    ('escrow_deposits DELETE',     format('DELETE FROM kobatela.escrow_deposits WHERE id = %s', :deposit)),
    ('escrow_deposits TRUNCATE',   'TRUNCATE kobatela.escrow_deposits'),
    ('purchases INSERT',           format($$INSERT INTO kobatela.purchases (beneficiary_id, merchant_id, amount) VALUES (%s, %s, 1)$$, :provider, :shop)),
    ('purchases UPDATE',           format('UPDATE kobatela.purchases SET amount = 1 WHERE id = %s', :purchase)),
    ('purchases DELETE',           format('DELETE FROM kobatela.purchases WHERE id = %s', :purchase)),
    ('purchases TRUNCATE',         'TRUNCATE kobatela.purchases CASCADE'),
    ('purchase_refunds INSERT',    format($$INSERT INTO kobatela.purchase_refunds (purchase_id, mandate_id, amount, currency, reason) SELECT id, mandate_id, 1, currency, 'by hand' FROM kobatela.purchases WHERE id = %s$$, :purchase)),
    ('purchase_refunds TRUNCATE',  'TRUNCATE kobatela.purchase_refunds'),
    ('escrow INSERT funded',       format($$INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, status, release_conditions, deadline_at) VALUES (%s, %s, 10, 'USD', 'FUNDED', '{}', now())$$, :client, :provider)),
    ('escrow INSERT deposited',    format($$INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at, deposited_amount) VALUES (%s, %s, 10, 'USD', '{}', now(), 10)$$, :client, :provider)),
    ('escrow INSERT reserved',     format($$INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at, reserved_amount) VALUES (%s, %s, 10, 'USD', '{}', now(), 1)$$, :client, :provider)),
    ('escrow UPDATE amount_total', format('UPDATE kobatela.escrow_agreements SET amount_total = 1000 WHERE id = %s', :e)),
    ('escrow UPDATE currency',     format($$UPDATE kobatela.escrow_agreements SET currency = 'EUR' WHERE id = %s$$, :draft)),
    ('escrow UPDATE status',       format($$UPDATE kobatela.escrow_agreements SET status = 'RELEASED' WHERE id = %s$$, :e)),
    ('escrow UPDATE deposited',    format('UPDATE kobatela.escrow_agreements SET deposited_amount = 0 WHERE id = %s', :e)),
    ('escrow UPDATE paid',         format('UPDATE kobatela.escrow_agreements SET paid_amount = 0 WHERE id = %s', :e)),
    ('escrow UPDATE refunded',     format('UPDATE kobatela.escrow_agreements SET refunded_amount = 1 WHERE id = %s', :e)),
    ('escrow UPDATE to_repay',     format('UPDATE kobatela.escrow_agreements SET to_repay_amount = 1 WHERE id = %s', :e)),
    ('escrow UPDATE reserved',     format('UPDATE kobatela.escrow_agreements SET reserved_amount = reserved_amount + 1 WHERE id = %s', :e)),
    ('escrow DELETE deposited',    format('DELETE FROM kobatela.escrow_agreements WHERE id = %s', :orphan)),
    ('escrow TRUNCATE',            'TRUNCATE kobatela.escrow_agreements CASCADE'),
    ('milestones INSERT',          format($$INSERT INTO kobatela.milestones (escrow_id, idx, label, amount) VALUES (%s, 1, 'x', 1)$$, :draft)),
    ('milestones UPDATE amount',   format('UPDATE kobatela.milestones SET amount = 1 WHERE id = %s', :ms)),
    ('milestones UPDATE status',   format($$UPDATE kobatela.milestones SET status = 'PAID' WHERE id = %s$$, :ms)),
    ('milestones UPDATE escrow_id', format('UPDATE kobatela.milestones SET escrow_id = %s WHERE id = %s', :draft, :ms)),
    ('milestones DELETE',          format('DELETE FROM kobatela.milestones WHERE id = %s', :ms)),
    ('milestones TRUNCATE',        'TRUNCATE kobatela.milestones CASCADE'),
    ('payees UPDATE spent_today',  format('UPDATE kobatela.allowed_payees SET spent_today = 0 WHERE id = %s', :payee)),
    ('payees UPDATE spent_total',  format('UPDATE kobatela.allowed_payees SET spent_total = 0 WHERE id = %s', :payee)),
    ('payees UPDATE escrow_id',    format('UPDATE kobatela.allowed_payees SET escrow_id = %s WHERE id = %s', :draft, :idle_payee)),
    ('payees DELETE spent',        format('DELETE FROM kobatela.allowed_payees WHERE id = %s', :spent_payee)),
    ('payees TRUNCATE',            'TRUNCATE kobatela.allowed_payees CASCADE'),
    ('mandates UPDATE total_amount', format('UPDATE kobatela.usage_mandates SET total_amount = 1000 WHERE id = %s', :mandate)),
    ('mandates UPDATE total_spent', format('UPDATE kobatela.usage_mandates SET total_spent = 0 WHERE id = %s', :mandate)),
    ('mandates UPDATE currency',   format($$UPDATE kobatela.usage_mandates SET currency = 'EUR' WHERE id = %s$$, :mandate)),
    ('mandates UPDATE status',     format($$UPDATE kobatela.usage_mandates SET status = 'EXPIRED' WHERE id = %s$$, :mandate)),
    ('mandates DELETE spent',      format('DELETE FROM kobatela.usage_mandates WHERE id = %s', :spent_mandate)),
    ('mandates TRUNCATE',          'TRUNCATE kobatela.usage_mandates CASCADE'),
    ('transactions INSERT',        format('INSERT INTO kobatela.transactions (sender_id, receiver_id, amount) VALUES (%s, %s, 1)', :client, :provider)),
    ('transactions UPDATE amount', format('UPDATE kobatela.transactions SET amount = 1 WHERE id = %s', :tx)),
    ('transactions UPDATE status', format($$UPDATE kobatela.transactions SET status = 'FAILED' WHERE id = %s$$, :tx)),
    ('transactions UPDATE sender', format('UPDATE kobatela.transactions SET sender_id = %s WHERE id = %s', :provider, :tx)),
    ('transactions UPDATE receiver', format('UPDATE kobatela.transactions SET receiver_id = %s WHERE id = %s', :client, :tx)),
    ('transactions DELETE',        format('DELETE FROM kobatela.transactions WHERE id = %s', :tx)),
    ('transactions TRUNCATE',      'TRUNCATE kobatela.transactions');
SELECT label, t.err(statement) AS outcome FROM t.books_writes ORDER BY ord;
SELECT t.books() = :'before' AS nothing_written;

-- The message is the code; the detail names the operation and the table; the hint the way out.
UPDATE kobatela.payments SET status = 'SETTLED' WHERE id = :paid;

-- ---------------------------------------------------------------------------------------------
-- Refused for every other role too. The API roles hold no write privilege at all (PostgreSQL
-- refuses first, 42501); a role that a DBA gave the table privileges and BYPASSRLS meets the guard.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION t.as_role(role text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', role);
        EXECUTE statement;
        RAISE EXCEPTION USING ERRCODE = 'KB000', MESSAGE = 'WRITTEN';
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE || ' ' || SQLERRM;
    END;
END $$;
CREATE ROLE kobatela_regress_books_dba NOSUPERUSER BYPASSRLS;
GRANT USAGE ON SCHEMA kobatela TO kobatela_regress_books_dba;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA kobatela TO kobatela_regress_books_dba;
SELECT r.role, w.label, t.as_role(r.role, w.statement) AS outcome
FROM (VALUES (1, 'kobatela_admin'), (2, 'kobatela_sender'), (3, 'kobatela_regress_books_dba')) AS r(ord, role)
CROSS JOIN t.books_writes w
WHERE w.label IN ('payments INSERT', 'payments UPDATE status', 'escrow UPDATE paid', 'milestones DELETE',
                  'transactions TRUNCATE')
ORDER BY r.ord, w.ord;
SELECT t.books() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Allowed outside the API: what is not the books (deadlines, expiries, labels, limits), an update
-- that changes nothing of the books (updated_at only), an escrow inserted DRAFT with zero counters
-- and deleted again, a payee and a mandate that never spent.
-- ---------------------------------------------------------------------------------------------
SELECT label, t.err(statement) AS outcome FROM (VALUES
    ('escrow deadline_at',      format($$UPDATE kobatela.escrow_agreements SET deadline_at = now() + interval '60 days' WHERE id = %s$$, :e)),
    ('escrow release_conditions', format($$UPDATE kobatela.escrow_agreements SET release_conditions = '{"note": "x"}' WHERE id = %s$$, :e)),
    ('mandate expires_at',      format($$UPDATE kobatela.usage_mandates SET expires_at = now() + interval '60 days' WHERE id = %s$$, :mandate)),
    ('milestone label',         format($$UPDATE kobatela.milestones SET label = 'Roof and gutters' WHERE id = %s$$, :ms)),
    ('payee label and limits',  format($$UPDATE kobatela.allowed_payees SET label = 'Clinic B', daily_limit = 50 WHERE id = %s$$, :payee)),
    ('payment updated_at only', format('UPDATE kobatela.payments SET updated_at = now() WHERE id = %s', :paid)),
    ('payment status = status', format('UPDATE kobatela.payments SET status = status WHERE id = %s', :paid)),
    ('escrow counters unchanged', format('UPDATE kobatela.escrow_agreements SET paid_amount = paid_amount, status = status WHERE id = %s', :e)),
    ('payee insert',            format($$INSERT INTO kobatela.allowed_payees (escrow_id, payee_ref, label) VALUES (%s, 'bg_manual', 'Manual')$$, :e)),
    ('payee delete, never spent', format('DELETE FROM kobatela.allowed_payees WHERE id = %s', :idle_payee)),
    ('mandate delete, never spent', format('DELETE FROM kobatela.usage_mandates WHERE id = %s', :idle_mandate))
) AS a(label, statement);
INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at)
VALUES (:client, :provider, 10, 'USD', '{}', now() + interval '1 day') RETURNING status, deposited_amount, paid_amount;
DELETE FROM kobatela.escrow_agreements WHERE client_id = :client AND amount_total = 10 RETURNING status;
SELECT deadline_at > now() + interval '59 days' AS deadline_moved FROM kobatela.escrow_agreements WHERE id = :e;

-- The superuser's escape hatch: replica mode skips the audit trigger, so the guard and the audit
-- with it (docs/operations.md). What it writes drifts from the books: rolled back here.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.escrow_agreements SET paid_amount = 0 WHERE id = :e RETURNING paid_amount AS drifted;
ROLLBACK;

-- ---------------------------------------------------------------------------------------------
-- correct_payment: the PSP's word recorded by an admin, through the webhook's decision.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION t.money(escrow bigint) RETURNS text LANGUAGE sql AS $$
    SELECT format('deposited=%s paid=%s refunded=%s to_repay=%s reserved=%s', deposited_amount, paid_amount,
                  refunded_amount, to_repay_amount, reserved_amount)
    FROM kobatela.escrow_agreements WHERE id = escrow $$;
-- The escrow's PAYMENT_CORRECTED events, the payment's id shown as which of this file's payments.
CREATE FUNCTION t.corrections(escrow bigint, paid bigint, failing bigint DEFAULT NULL) RETURNS SETOF jsonb LANGUAGE sql AS $$
    SELECT data || jsonb_build_object('payment_id', CASE (data ->> 'payment_id')::bigint WHEN paid THEN 'paid'
                                                        WHEN failing THEN 'failing' ELSE 'other' END)
    FROM kobatela.escrow_events WHERE escrow_id = escrow AND kind = 'PAYMENT_CORRECTED' ORDER BY id $$;
SELECT t.money(:e) AS before_corrections;

-- SENT -> SETTLED: the money had left already; nothing else moves.
SELECT id = :paid AS same_payment, status, amount FROM kobatela.correct_payment(:paid, 'SETTLED', 'PSP dashboard: settled 2026-12-01');
SELECT t.money(:e) AS after_settled;
SELECT action, entity, data FROM kobatela.audit_entries WHERE action = 'PAYMENT_CORRECTED' AND entity NOT IN ('escrow_events', 'events') ORDER BY record_id, change_no;
SELECT count(*) AS corrected_event_audited FROM kobatela.audit_entries WHERE action = 'PAYMENT_CORRECTED' AND entity = 'escrow_events';
SELECT * FROM t.corrections(:e, :paid);
-- Replayed: nothing changes, nothing is written.
SELECT t.books() AS before_replay \gset
SELECT status FROM kobatela.correct_payment(:paid, 'SETTLED', 'PSP dashboard: settled 2026-12-01');
SELECT status FROM kobatela.correct_payment(:paid, 'SETTLED', 'another reason, same fact');
SELECT t.books() = :'before_replay' AS replay_wrote_nothing, (SELECT count(*) FROM t.corrections(:e, :paid)) AS corrections;
-- A SETTLED payment is final: correcting it to ERROR is refused.
SELECT t.err(format($$SELECT kobatela.correct_payment(%s, 'ERROR', 'chargeback')$$, :paid)) AS unsettle;

-- SENT -> ERROR: the PSP failed it; the counters follow as a payment.failed webhook moves them.
SELECT id AS failing FROM kobatela.spend(:e, 'bg_clinic', 5) \gset
SELECT t.money(:e) AS before_failed;
SELECT status FROM kobatela.correct_payment(:failing, 'ERROR', 'PSP support: rejected by the beneficiary bank');
SELECT t.money(:e) AS after_failed;
SELECT * FROM t.corrections(:e, :paid, :failing);
SELECT status FROM kobatela.correct_payment(:failing, 'ERROR', 'replayed') AS replayed;
-- ... and a late settlement of it is believed, as from the PSP.
SELECT status FROM kobatela.correct_payment(:failing, 'SETTLED', 'PSP: paid after all');
SELECT t.money(:e) AS after_late_settlement;
SELECT count(*) AS corrections FROM t.corrections(:e, :paid);

-- Refused, and nothing written: another target, a missing or blank or too long reason, an unknown
-- or missing payment.
SELECT t.books() AS before_refusals \gset
SELECT label, t.err(statement) AS outcome FROM (VALUES
    ('to SENT',          format($$SELECT kobatela.correct_payment(%s, 'SENT', 'x')$$, :failing)),
    ('to PENDING',       format($$SELECT kobatela.correct_payment(%s, 'PENDING', 'x')$$, :failing)),
    ('to REFUNDED',      format($$SELECT kobatela.correct_payment(%s, 'REFUNDED', 'x')$$, :failing)),
    ('not a status',     format($$SELECT kobatela.correct_payment(%s, 'PAID', 'x')$$, :failing)),
    ('NULL status',      format($$SELECT kobatela.correct_payment(%s, NULL, 'x')$$, :failing)),
    ('NULL reason',      format($$SELECT kobatela.correct_payment(%s, 'SETTLED', NULL)$$, :failing)),
    ('empty reason',     format($$SELECT kobatela.correct_payment(%s, 'SETTLED', '')$$, :failing)),
    ('blank reason',     format($$SELECT kobatela.correct_payment(%s, 'SETTLED', '   ')$$, :failing)),
    ('control character', format($$SELECT kobatela.correct_payment(%s, 'SETTLED', E'a\nb')$$, :failing)),
    ('501 characters',   format($$SELECT kobatela.correct_payment(%s, 'SETTLED', repeat('x', 501))$$, :failing)),
    ('unknown payment',  $$SELECT kobatela.correct_payment(-1, 'SETTLED', 'x')$$),
    ('NULL payment',     $$SELECT kobatela.correct_payment(NULL, 'SETTLED', 'x')$$)
) AS r(label, statement);
SELECT t.books() = :'before_refusals' AS nothing_written;

-- Admin only: a sender's or support's key is refused, an admin's key goes through.
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT api_key AS sender_key FROM kobatela.create_api_key('bg sender', 'sender') \gset
SELECT api_key AS bound_key FROM kobatela.create_api_key('bg bound client', 'sender', :client) \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('bg support', 'support') \gset
SELECT api_key AS admin_key FROM kobatela.create_api_key('bg admin', 'admin') \gset
SELECT id AS by_key FROM kobatela.spend(:e, 'bg_clinic', 1) \gset
SELECT who, t.as_key(api_key, format($$SELECT status::text FROM kobatela.correct_payment(%s, 'SETTLED', 'by key')$$, :by_key)) AS outcome
FROM (VALUES (1, 'sender', :'sender_key'), (2, 'bound client', :'bound_key'), (3, 'support', :'support_key'),
             (4, 'admin', :'admin_key')) AS k(ord, who, api_key) ORDER BY ord;
SELECT actor = 'apikey:' || (SELECT id FROM kobatela.api_keys WHERE name = 'bg admin') AS audited_as_the_admin_key
FROM kobatela.audit_entries WHERE action = 'PAYMENT_CORRECTED' AND entity = 'payments' AND entity_id = :by_key;
REVOKE EXECUTE ON FUNCTION t.as_key(text, text) FROM kobatela_anon;

-- Clean up the planted rows (past the guard, as they came) and the role; the other rows stay
-- (test/sql/zz_invariants.sql checks them).
SET session_replication_role = replica;
DELETE FROM kobatela.escrow_agreements WHERE id = :orphan;
DELETE FROM kobatela.allowed_payees WHERE id = :spent_payee;
DELETE FROM kobatela.usage_mandates WHERE id = :spent_mandate;
RESET session_replication_role;
REVOKE ALL ON ALL TABLES IN SCHEMA kobatela FROM kobatela_regress_books_dba;
REVOKE USAGE ON SCHEMA kobatela FROM kobatela_regress_books_dba;
DROP ROLE kobatela_regress_books_dba;
