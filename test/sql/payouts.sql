-- The payout hand-off to the PSP (docs/payouts.md): every path that makes a payment SENT queues
-- it; claim_payouts hands due payouts to a worker under a lease (attempts, oldest first);
-- payout_transmitted and payout_transmission_failed are idempotent, the reference must be the
-- payment's, a failure backs off, the last attempt (by failure or by an expired lease) fails the
-- payment as the PSP would and alerts; a PSP webhook marks the hand-off transmitted; queue_payout
-- queues a payment sent before 0.8.0; the worker scope may call the hand-off and nothing else; and
-- the books stay conserved. Concurrent claims: test/isolation/specs/payout_claim_race.spec.
CALL t.use_secret('api_key_pepper', 'payouts-pepper-do-not-log');
CALL t.use_secret('psp_webhook_secret', 'whsec_payouts-do-not-log');
CREATE EXTENSION pgcrypto SCHEMA t;   -- to sign webhooks (dropped at the end: psp.sql makes its own)

SELECT api_key AS worker_key FROM kobatela.create_api_key('po worker', 'worker') \gset
SELECT api_key AS sender_key FROM kobatela.create_api_key('po sender', 'sender') \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('po support', 'support') \gset
SELECT id AS c FROM kobatela.create_user('po_client', 'po_client@example.com') \gset
SELECT id AS p FROM kobatela.create_user('po_provider', 'po_provider@example.com') \gset
SELECT api_key AS bound_worker_key FROM kobatela.create_api_key('po bound worker', 'worker', :p) \gset

-- Runs `call` as PostgREST's kobatela_anon with `api_key` authenticated (NULL: none): its one text
-- value, or the error (t.pr_call, 00_setup.sql).
CREATE FUNCTION t.po_as(api_key text, call text) RETURNS text LANGUAGE sql AS $$
    SELECT t.pr_call('kobatela_anon', api_key, call) $$;
-- A worker's claim, as the instructions it got: what, to whom, which attempt, how long the lease.
CREATE FUNCTION t.po_claim(api_key text, worker text, n integer, client bigint, provider bigint) RETURNS text
LANGUAGE sql AS $$
    SELECT t.po_as(api_key, format(
        $q$SELECT coalesce(string_agg(format('%%s %%s %%s to %%s, attempt %%s, lease %%s', kind, amount,
               currency, CASE beneficiary_user_id WHEN %s THEN 'the provider' WHEN %s THEN 'the client'
                              ELSE payee_ref || ' (' || payee_label || ')' END,
               attempt, lease_expires_at - now()), '; ' ORDER BY payment_id), 'none')
           FROM kobatela.claim_payouts(%L, %s)$q$, provider, client, worker, n)) $$;
-- The hand-off of this file's payments, oldest first: kind, payment status, state, attempts, who,
-- and for a QUEUED one how long after its last change it is due, in seconds.
CREATE FUNCTION t.po_queue(client bigint) RETURNS TABLE (kind text, amount numeric, status text, state text,
    attempts integer, claimed_by text, leased boolean, due_in_s numeric, last_error text, transmitted boolean)
LANGUAGE sql AS $$
    SELECT p.kind::text, p.amount, p.status::text, coalesce(t.state::text, '(none)'), t.attempts, t.claimed_by::text,
           t.lease_expires_at IS NOT NULL, CASE WHEN t.state = 'QUEUED' THEN round(extract(epoch FROM t.next_attempt_at - t.updated_at)) END,
           t.last_error, t.transmitted_at IS NOT NULL
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN kobatela.payout_transmissions t ON t.payment_id = p.id
    WHERE e.client_id = client ORDER BY p.id $$;
-- A PSP delivery signed now.
CREATE FUNCTION t.po_deliver(event_id text, kind text, ref text) RETURNS jsonb LANGUAGE sql AS $$
    WITH body AS (SELECT json_build_object('id', event_id, 'type', kind, 'psp_ref', ref)::text AS b),
         ts AS (SELECT extract(epoch FROM now())::text AS v)
    SELECT kobatela.psp_webhook(b, encode(t.hmac(convert_to(v || '.' || b, 'UTF8'),
                                                 convert_to('whsec_payouts-do-not-log', 'UTF8'), 'sha256'), 'hex'), v)
    FROM body, ts $$;
-- What a call wrote: the row counts of every table, and the audited changes but the key uses (a
-- call made with a key records the key's use even when it changes nothing else).
CREATE FUNCTION t.po_writes() RETURNS jsonb LANGUAGE sql AS $$
    SELECT t.row_counts() - 'audit_log'
           || jsonb_build_object('changes', (SELECT count(*) FROM kobatela.audit_entries WHERE action <> 'API_KEY_USED')) $$;
-- Makes a payout due now, as if its backoff or its lease had run out (the table's owner may).
CREATE FUNCTION t.po_due_now(payment bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE kobatela.payout_transmissions
    SET next_attempt_at = now() - interval '1 second',
        lease_expires_at = CASE WHEN state = 'CLAIMED' THEN now() - interval '1 second' END
    WHERE payment_id = payment $$;

-- The payouts the files before this one made are reported transmitted (by the admin, as PostgREST
-- would call it), so that this file's claims meet only its own.
SELECT count(*) >= 0 AS earlier_payouts_transmitted
FROM (SELECT kobatela.payout_transmitted(t.payment_id, p.psp_ref)
      FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
      WHERE t.state IN ('QUEUED', 'CLAIMED')) reported;
SELECT count(*) AS due FROM kobatela.payout_transmissions WHERE state IN ('QUEUED', 'CLAIMED');

-- ---- Every path that sends a payment queues it, in the same transaction ---------------------
-- A milestone approved (decide_proof), a spend to an allowed payee, a release (the client
-- approves), a refund (the client rejects), a PENDING payment executed; a retry comes below.
SELECT id AS e1 FROM kobatela.create_escrow(:c, :p, 100, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e1, 100);
SELECT idx FROM kobatela.add_milestone(:e1, 1, 'Roof', 40, 'DOCUMENT');
SELECT id AS proof FROM kobatela.submit_proof(:e1, 1, 'PDF', 's3://po/roof.pdf', 'po-roof') \gset
SELECT status FROM kobatela.decide_proof(:proof, 'approved');
SELECT payee_ref FROM kobatela.add_allowed_payee(:e1, 'po_clinic', 'Clinic Bamako');
SELECT id AS spend FROM kobatela.spend(:e1, 'po_clinic', 10) \gset
SELECT status FROM kobatela.escrow_client_approve(:e1);
SELECT id AS e2 FROM kobatela.create_escrow(:c, :p, 30, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 30);
SELECT status FROM kobatela.escrow_client_reject(:e2);
-- A PENDING payment (what the 0.6.0 upgrade made of a balance left in an ended escrow), planted
-- past the books' guard (replica mode), then executed.
SELECT id AS e3 FROM kobatela.create_escrow(:c, :p, 20, 'EUR', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e3, 20);
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, kind) VALUES (:e3, 20, 'RELEASE') RETURNING id AS pending \gset
RESET session_replication_role;
SELECT status FROM kobatela.execute_payment(:pending);
SELECT kind, amount, status, state, attempts, claimed_by, leased, due_in_s, transmitted FROM t.po_queue(:c);
SELECT id AS milestone_pay, psp_ref AS milestone_ref FROM kobatela.payments WHERE escrow_id = :e1 AND kind = 'MILESTONE' \gset
SELECT psp_ref AS spend_ref FROM kobatela.payments WHERE id = :spend \gset
SELECT id AS release_pay, psp_ref AS release_ref FROM kobatela.payments WHERE escrow_id = :e1 AND kind = 'RELEASE' \gset
SELECT id AS refund_pay, psp_ref AS refund_ref FROM kobatela.payments WHERE escrow_id = :e2 \gset
SELECT psp_ref AS pending_ref FROM kobatela.payments WHERE id = :pending \gset
-- Each queue row was written by the call that sent its payment, under that call's audit reason.
SELECT p.kind, a.action FROM kobatela.audit_entries a JOIN kobatela.payout_transmissions t ON t.id = a.entity_id
JOIN kobatela.payments p ON p.id = t.payment_id JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
WHERE a.entity = 'payout_transmissions' AND e.client_id = :c ORDER BY p.id;
-- A payment that leaves without being SENT gets none: nothing queued for a PENDING one.
SELECT count(*) AS pending_queued FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
WHERE p.status = 'PENDING';

-- ---- Who may call the hand-off --------------------------------------------------------------
SELECT t.po_writes() AS before \gset
SELECT who, t.po_as(api_key, $$SELECT count(*)::text FROM kobatela.claim_payouts('intruder', 10)$$) AS claim,
       t.po_as(api_key, format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :milestone_pay, :'milestone_ref')) AS transmitted,
       t.po_as(api_key, format($$SELECT state::text FROM kobatela.payout_transmission_failed(%s, 'x')$$, :milestone_pay)) AS failed
FROM (VALUES ('no key', NULL), ('sender', :'sender_key'), ('support', :'support_key'),
             ('worker bound to a user', :'bound_worker_key')) AS k(who, api_key);
SELECT t.po_writes() = :'before' AS refusals_wrote_nothing;
-- A worker key may call nothing else, and reads no row of any table.
SELECT t.po_as(:'worker_key', format('SELECT status::text FROM kobatela.get_escrow(%s)', :e1)) AS worker_reads_an_escrow,
       t.po_as(:'worker_key', format('SELECT status::text FROM kobatela.retry_payment(%s)', :spend)) AS worker_retries,
       t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.queue_payout(%s)', :spend)) AS worker_queues,
       t.po_as(:'worker_key', 'SELECT count(*)::text FROM kobatela.check_invariants()') AS worker_checks_the_books;
SELECT t.po_as(:'worker_key', 'SELECT count(*)::text FROM kobatela.payments') AS payments_a_worker_sees,
       t.po_as(:'worker_key', 'SELECT count(*)::text FROM kobatela.payout_transmissions') AS queue_rows_a_worker_sees,
       t.po_as(:'worker_key', 'SELECT count(*)::text FROM kobatela.currencies') AS currencies_a_worker_sees,
       t.po_as(:'worker_key', 'SELECT kobatela.current_scope()::text') AS worker_scope;
-- The role itself (a login granted kobatela_worker): the scope worker, no table at all. (It may
-- use the test schema's t.err for this.)
GRANT USAGE ON SCHEMA t TO kobatela_worker;
BEGIN;
SET LOCAL ROLE kobatela_worker;
SELECT kobatela.current_scope() AS role_scope;
SELECT t.err('SELECT count(*) FROM kobatela.payments') AS role_reads_payments;
ROLLBACK;
BEGIN;
SET LOCAL ROLE kobatela_worker;
SELECT t.err('SELECT kobatela.get_user(1)') AS role_calls_get_user;
ROLLBACK;
REVOKE USAGE ON SCHEMA t FROM kobatela_worker;
-- Bad input, refused before anything is claimed.
SELECT t.po_writes() AS before \gset
SELECT t.po_as(:'worker_key', $$SELECT count(*)::text FROM kobatela.claim_payouts('w', 0)$$) AS n_zero,
       t.po_as(:'worker_key', $$SELECT count(*)::text FROM kobatela.claim_payouts('w', 1001)$$) AS n_too_many,
       t.po_as(:'worker_key', $$SELECT count(*)::text FROM kobatela.claim_payouts('w', NULL)$$) AS n_null,
       t.po_as(:'worker_key', $$SELECT count(*)::text FROM kobatela.claim_payouts('', 1)$$) AS worker_empty,
       t.po_as(:'worker_key', $$SELECT count(*)::text FROM kobatela.claim_payouts(NULL, 1)$$) AS worker_null,
       t.po_as(:'worker_key', format('SELECT count(*)::text FROM kobatela.claim_payouts(%L, 1)', repeat('w', 101))) AS worker_too_long;
SELECT t.po_writes() = :'before' AS bad_input_wrote_nothing;

-- ---- Claims: oldest first, at most n, one attempt more, under a lease -------------------------
SELECT t.po_claim(:'worker_key', 'w1', 2, :c, :p) AS w1_claims_two;
SELECT t.po_claim(:'worker_key', 'w2', 10, :c, :p) AS w2_claims_the_rest;
SELECT t.po_claim(:'worker_key', 'w3', 10, :c, :p) AS w3_finds_none_while_the_leases_hold;
SELECT kind, state, attempts, claimed_by, leased FROM t.po_queue(:c);
-- The admin may claim too (a worker run by hand); there is nothing due.
SELECT count(*) AS admin_claims FROM kobatela.claim_payouts('admin by hand');

-- ---- payout_transmitted ---------------------------------------------------------------------
SELECT t.po_writes() AS before \gset
SELECT t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :milestone_pay, :'spend_ref')) AS another_payments_ref,
       t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmitted(%s, 'PSP-made-up')$$, :milestone_pay)) AS made_up_ref,
       t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, NULL)', :milestone_pay)) AS no_ref,
       t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(-1, %L)', :'milestone_ref')) AS unknown_payment;
SELECT t.po_writes() = :'before' AS refusals_wrote_nothing;
SELECT t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :milestone_pay, :'milestone_ref')) AS transmitted;
SELECT t.po_writes() AS before \gset
SELECT updated_at AS stamped FROM kobatela.payout_transmissions WHERE payment_id = :milestone_pay \gset
SELECT t.po_as(:'worker_key', format('SELECT state::text || '' '' || attempts FROM kobatela.payout_transmitted(%s, %L)', :milestone_pay, :'milestone_ref')) AS reported_again;
SELECT t.po_writes() = :'before' AS the_replay_wrote_nothing,
       (SELECT updated_at = :'stamped' FROM kobatela.payout_transmissions WHERE payment_id = :milestone_pay) AS row_untouched;
-- A failure reported after the PSP accepted it changes nothing either.
SELECT t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmission_failed(%s, 'late timeout')$$, :milestone_pay)) AS late_failure;
SELECT t.po_writes() = :'before' AS the_late_failure_wrote_nothing;

-- ---- payout_transmission_failed: back to the queue after a backoff ---------------------------
SELECT t.po_writes() AS before \gset
SELECT t.po_as(:'worker_key', format($$SELECT 1 FROM kobatela.payout_transmission_failed(%s, '')$$, :spend)) AS empty_reason,
       t.po_as(:'worker_key', format($$SELECT 1 FROM kobatela.payout_transmission_failed(%s, E'HTTP 500\nbody')$$, :spend)) AS control_character,
       t.po_as(:'worker_key', format($$SELECT 1 FROM kobatela.payout_transmission_failed(%s, repeat('x', 501))$$, :spend)) AS reason_too_long,
       t.po_as(:'worker_key', format('SELECT 1 FROM kobatela.payout_transmission_failed(%s, NULL)', :spend)) AS no_reason,
       t.po_as(:'worker_key', $$SELECT 1 FROM kobatela.payout_transmission_failed(-1, 'x')$$) AS unknown_payment;
SELECT t.po_writes() = :'before' AS refusals_wrote_nothing;
SELECT t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmission_failed(%s, 'HTTP 500 from the PSP')$$, :spend)) AS failed_once;
SELECT t.po_writes() AS before \gset
SELECT t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmission_failed(%s, 'HTTP 500 from the PSP')$$, :spend)) AS reported_again;
SELECT t.po_writes() = :'before' AS the_replay_wrote_nothing;
SELECT kind, state, attempts, claimed_by, leased, due_in_s, last_error FROM t.po_queue(:c) WHERE kind = 'PAYEE';
SELECT t.po_claim(:'worker_key', 'w3', 10, :c, :p) AS not_due_before_its_backoff;
SELECT t.po_due_now(:spend);
SELECT t.po_claim(:'worker_key', 'w3', 10, :c, :p) AS due_after_it;
SELECT t.po_as(:'worker_key', format($$SELECT state::text || ', due in ' || (next_attempt_at - now()) FROM kobatela.payout_transmission_failed(%s, 'HTTP 503')$$, :spend)) AS failed_twice;

-- ---- The last attempt fails the payment, as the PSP's "failed" would, and alerts --------------
SET kobatela.payout_max_attempts = 3;
SELECT t.po_due_now(:spend);
SELECT t.po_claim(:'worker_key', 'w4', 10, :c, :p) AS third_attempt;
SELECT to_repay_amount AS to_repay_before FROM kobatela.escrow_agreements WHERE id = :e1;
SELECT t.po_as(:'worker_key', format($$SELECT state::text || ' after ' || attempts || ' attempts' FROM kobatela.payout_transmission_failed(%s, 'HTTP 503 again')$$, :spend)) AS given_up;
SELECT kind, status, state, attempts, leased, last_error FROM t.po_queue(:c) WHERE kind = 'PAYEE';
SELECT to_repay_amount AS to_repay_after FROM kobatela.escrow_agreements WHERE id = :e1;
SELECT type, payload - 'escrow_id' - 'payment_id' - 'event_id' AS payload,
       (payload ->> 'payment_id')::bigint = :spend AS names_the_payment
FROM kobatela.alerts WHERE type IN ('PAYMENT_TO_REPAY', 'PAYOUT_TRANSMISSION_FAILED') AND (payload ->> 'payment_id')::bigint = :spend
ORDER BY id;
-- The payment's audit: failed as by the PSP's webhook (PAYMENT_FAILED), by the worker's key.
SELECT a.action, split_part(a.actor, ':', 1) AS actor FROM kobatela.audit_entries a
WHERE a.entity = 'payments' AND a.entity_id = :spend AND a.action <> 'USAGE_SPEND' ORDER BY a.record_id, a.change_no;
SELECT count(*) AS violations FROM kobatela.check_invariants();
-- A report after it was given up: the PSP had it after all. Recorded, with an alert; the payment
-- stays ERROR until the PSP's webhook says what happened.
SELECT t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :spend, :'spend_ref')) AS transmitted_after_all;
SELECT t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :spend, :'spend_ref')) AS reported_again;
SELECT type, payload ->> 'attempts' AS attempts, payload ->> 'psp_ref' = :'spend_ref' AS names_the_ref
FROM kobatela.alerts WHERE type = 'PAYOUT_TRANSMITTED_AFTER_ABANDON' AND (payload ->> 'payment_id')::bigint = :spend;
SELECT status FROM kobatela.payments WHERE id = :spend;
-- The hand-off's history, change by change (audit_history), and who made each change.
-- (PAYOUT_TRANSMISSIONS_UPDATE by a role: this file's t.po_due_now, the table owner's hand.)
SELECT action, split_part(a.actor, ':', 1) AS actor
FROM kobatela.payout_transmissions t, kobatela.audit_history('payout_transmissions', t.id) a WHERE t.payment_id = :spend;
-- retry_payment pays it again: a new payment, queued.
SELECT kind, status, retry_of = :spend AS retries_it FROM kobatela.retry_payment(:spend);
SELECT id AS retry_pay, psp_ref AS retry_ref FROM kobatela.payments WHERE retry_of = :spend \gset
SELECT kind, status, state, attempts FROM t.po_queue(:c) WHERE kind = 'PAYEE';

-- ---- Leases: a claim that lapsed is claimed again; the last one lapsing gives the payout up -----
-- The release's worker (w2) went silent: its lease runs out, w5 claims it, attempt 2.
SELECT t.po_due_now(:release_pay);
SELECT t.po_claim(:'worker_key', 'w5', 10, :c, :p) AS claimed_again;
-- w2's late report still counts (the PSP has it, whoever holds the lease).
SELECT t.po_due_now(:refund_pay);
SELECT t.po_as(:'worker_key', format('SELECT state::text FROM kobatela.payout_transmitted(%s, %L)', :refund_pay, :'refund_ref')) AS late_report_after_the_lease;
-- w5 dies too, and the limit is 2 attempts: the next claim gives the release up instead.
SET kobatela.payout_max_attempts = 2;
SELECT t.po_due_now(:release_pay);
SELECT t.po_claim(:'worker_key', 'w6', 10, :c, :p) AS not_handed_out;
SELECT kind, status, state, attempts, claimed_by, leased FROM t.po_queue(:c) WHERE kind = 'RELEASE';
SELECT payload ->> 'why' AS why, payload ->> 'attempts' AS attempts, payload ->> 'payment_status' AS payment_status
FROM kobatela.alerts WHERE type = 'PAYOUT_TRANSMISSION_FAILED' AND (payload ->> 'payment_id')::bigint = :release_pay;
RESET kobatela.payout_max_attempts;
SELECT count(*) AS violations FROM kobatela.check_invariants();

-- ---- A PSP webhook proves the PSP has it -------------------------------------------------------
-- The executed payment (CLAIMED by w2, never reported) settles, the retry (QUEUED) fails: both
-- hand-offs are TRANSMITTED by the webhook, under the PSP's actor; a replay writes nothing.
SELECT t.po_deliver('po_evt_1', 'payment.settled', :'pending_ref') ->> 'ok' AS settled;
SELECT t.po_deliver('po_evt_2', 'payment.failed', :'retry_ref') ->> 'ok' AS failed;
SELECT t.po_writes() AS before \gset
SELECT t.po_deliver('po_evt_2', 'payment.failed', :'retry_ref') ->> 'ok' AS replayed;
SELECT t.po_writes() = :'before' AS the_replay_wrote_nothing;
SELECT kind, status, state, attempts, claimed_by, leased, transmitted FROM t.po_queue(:c);
SELECT a.action, a.actor FROM kobatela.audit_entries a JOIN kobatela.payout_transmissions t ON t.id = a.entity_id
WHERE a.entity = 'payout_transmissions' AND t.payment_id IN (:pending, :retry_pay) AND a.action = 'PAYOUT_TRANSMITTED'
ORDER BY t.payment_id;
-- Nothing is left for a worker.
SELECT t.po_claim(:'worker_key', 'w7', 10, :c, :p) AS nothing_due;

-- ---- queue_payout: a payment SENT before 0.8.0 ------------------------------------------------
-- Planted SENT without a queue row, as an upgraded database holds its earlier payouts (past the
-- books' guard, with the escrow's counter it would have moved).
SELECT id AS e4 FROM kobatela.create_escrow(:c, :p, 15, 'USD', '{}', now() + interval '30 days') \gset
SELECT status FROM kobatela.escrow_deposit(:e4, 15);
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, psp_ref, status, kind)
VALUES (:e4, 15, 'PSP-po-before-0.8.0', 'SENT', 'RELEASE') RETURNING id AS old_pay \gset
UPDATE kobatela.escrow_agreements SET paid_amount = 15, status = 'RELEASED' WHERE id = :e4;
INSERT INTO kobatela.escrow_events (escrow_id, kind, data)   -- and the timeline its payout left
VALUES (:e4, 'PAYMENT_SENT', jsonb_build_object('payment_id', :old_pay, 'amount', 15, 'psp_ref', 'PSP-po-before-0.8.0'));
RESET session_replication_role;
SELECT t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmitted(%s, 'PSP-po-before-0.8.0')$$, :old_pay)) AS report_without_a_queue_row,
       t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmission_failed(%s, 'x')$$, :old_pay)) AS failure_without_a_queue_row;
SELECT t.po_claim(:'worker_key', 'w7', 10, :c, :p) AS never_claimed_by_itself;
-- The operator confirmed it was never paid by hand: queued, once.
SELECT state, attempts, claimed_by FROM kobatela.queue_payout(:old_pay);
SELECT t.po_writes() AS before \gset
SELECT state, attempts FROM kobatela.queue_payout(:old_pay);
SELECT t.po_writes() = :'before' AS queued_again_wrote_nothing;
SELECT t.err(format('SELECT kobatela.queue_payout(%s)', :milestone_pay)) AS already_transmitted_returns_it,
       t.err('SELECT kobatela.queue_payout(-1)') AS unknown_payment;
SET session_replication_role = replica;
INSERT INTO kobatela.payments (escrow_id, amount, kind) VALUES (:e3, 1, 'RELEASE') RETURNING id AS another_pending \gset
RESET session_replication_role;
SELECT t.err(format('SELECT kobatela.queue_payout(%s)', :another_pending)) AS pending_is_not_sent;
-- (claimed by the admin here, to compare the instruction with the payment)
SELECT i.kind, i.amount, i.currency, i.attempt, i.psp_ref = p.psp_ref AS the_payments_ref,
       i.escrow_id = p.escrow_id AS its_escrow, i.beneficiary_user_id = :p AS to_the_provider
FROM kobatela.claim_payouts('w7', 10) i JOIN kobatela.payments p ON p.id = i.payment_id;
SELECT t.po_as(:'worker_key', format($$SELECT state::text FROM kobatela.payout_transmitted(%s, 'PSP-po-before-0.8.0')$$, :old_pay)) AS transmitted;

-- ---- The books hold, and nothing is left in flight --------------------------------------------
SELECT count(*) AS violations FROM kobatela.check_invariants();
SELECT state, count(*) FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id WHERE e.client_id = :c GROUP BY state ORDER BY state;
DROP EXTENSION pgcrypto;
