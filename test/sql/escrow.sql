-- Escrow lifecycle (src/api/escrow.cpp): spec.md section 3, the reference "happy path", every
-- refusal, and the parties' roles.
SELECT id AS client FROM kobatela.create_user('e_client', 'e_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('e_provider', 'e_provider@example.com') \gset
CREATE FUNCTION t.new_escrow(total numeric) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM kobatela.create_escrow(
        (SELECT id FROM kobatela.users WHERE username = 'e_client'),
        (SELECT id FROM kobatela.users WHERE username = 'e_provider'),
        total, 'usd', '{"deliverable": "roof"}', now() + interval '30 days') $$;

-- The reference happy path: 500 USD, deposit 500 with a key, replay, deliver, approve.
SELECT t.new_escrow(500) AS e \gset
SELECT amount_total, currency, status, release_conditions FROM kobatela.get_escrow(:e);
SELECT status FROM kobatela.escrow_deposit(:e, 500, 'e-dep-1');
SELECT status FROM kobatela.escrow_deposit(:e, 500, 'e-dep-1');   -- replay
SELECT count(*) AS deposits, sum(amount) AS deposited FROM kobatela.escrow_deposits WHERE escrow_id = :e;
SELECT status FROM kobatela.escrow_mark_delivered(:e, 'roof done', 'https://example.com/roof.jpg');
SELECT status FROM kobatela.escrow_client_approve(:e, 'thank you');
SELECT status FROM kobatela.get_escrow(:e);
SELECT kind, data - 'psp_ref' - 'payment_id' AS data FROM kobatela.escrow_events(:e);
-- The release paid the balance to the provider: one RELEASE payment, sent with a PSP reference.
SELECT kind, amount, status, milestone_id, payee_id, psp_ref LIKE 'PSP-%' AS has_psp_ref, payout_key = 'escrow:' || :e || ':release' AS release_key
FROM kobatela.payments WHERE escrow_id = :e;
SELECT deposited_amount, paid_amount, refunded_amount, to_repay_amount, reserved_amount FROM kobatela.get_escrow(:e);
SELECT * FROM t.escrow_audit(:e);

-- Deposits: a partial deposit keeps DRAFT, the next one funds; never more than the total.
SELECT t.new_escrow(100) AS e2 \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 40);
SELECT t.err(format('SELECT kobatela.escrow_deposit(%s, 60.01)', :e2)) AS over_total;
SELECT status FROM kobatela.escrow_deposit(:e2, 60);
SELECT t.err(format('SELECT kobatela.escrow_deposit(%s, 0.01)', :e2)) AS funded_and_full;

-- Idempotency keys: another amount or another escrow is a conflict; a replay on a closed escrow
-- still answers with the escrow.
SELECT t.err(format($$SELECT kobatela.escrow_deposit(%s, 499, 'e-dep-1')$$, :e)) AS same_key_other_amount;
SELECT t.err(format($$SELECT kobatela.escrow_deposit(%s, 500, 'e-dep-1')$$, :e2)) AS same_key_other_escrow;
SELECT status FROM kobatela.escrow_deposit(:e, 500, 'e-dep-1') AS replay_on_released;
SELECT t.err(format('SELECT kobatela.escrow_deposit(%s, 1)', :e)) AS deposit_into_released;

-- The state machine: anything else is INVALID_TRANSITION naming the current status.
SELECT t.new_escrow(50) AS e3 \gset
SELECT t.err(format('SELECT kobatela.escrow_mark_delivered(%s)', :e3)) AS deliver_draft;
SELECT t.err(format('SELECT kobatela.escrow_client_approve(%s)', :e3)) AS approve_draft;
SELECT status FROM kobatela.escrow_check_deadline(:e3) AS deadline_on_draft;
SELECT status FROM kobatela.escrow_client_reject(:e3, 'changed my mind');
SELECT t.row_counts() AS before \gset
SELECT status FROM kobatela.escrow_client_reject(:e3, 'again');   -- closed: unchanged, nothing written
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT t.err(format('SELECT kobatela.escrow_client_approve(%s)', :e3)) AS approve_cancelled;
SELECT t.err(format('SELECT kobatela.escrow_deposit(%s, 1)', :e3)) AS deposit_into_cancelled;
SELECT status FROM kobatela.escrow_client_reject(:e2);            -- FUNDED: refunded to the client
SELECT string_agg(kind, ', ' ORDER BY at, id) AS e2_timeline FROM kobatela.escrow_events(:e2);
SELECT kind, amount, status, payout_key = 'escrow:' || :e2 || ':refund' AS refund_key
FROM kobatela.payments WHERE escrow_id = :e2;
SELECT paid_amount, refunded_amount FROM kobatela.get_escrow(:e2);

-- The deadline: a FUNDED escrow past it is released as if the client approved.
SELECT t.new_escrow(10) AS e4 \gset
SELECT status FROM kobatela.escrow_deposit(:e4, 10);
SELECT status FROM kobatela.escrow_check_deadline(:e4) AS before_deadline;
UPDATE kobatela.escrow_agreements SET deadline_at = now() - interval '1 minute' WHERE id = :e4;  -- time passes
SELECT status FROM kobatela.escrow_check_deadline(:e4) AS after_deadline;
SELECT kind, data FROM kobatela.escrow_events(:e4) ORDER BY at DESC LIMIT 1;

-- Milestones: indexes from 1, unique per escrow, never more than the escrow total in sum.
SELECT t.new_escrow(300) AS m \gset
SELECT idx, label, amount, proof_type, validator, geofence_radius_m, status
FROM kobatela.add_milestone(:m, 1, 'Foundations', 100, 'PHOTO', 'SENDER', 5.3210, -4.0123, 200);
SELECT idx, label, amount, proof_type, geofence_radius_m FROM kobatela.add_milestone(:m, 2, 'Walls', 150);
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 2, 'Walls again', 10)$$, :m)) AS duplicate_idx;
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 3, 'Roof', 50.01)$$, :m)) AS over_total;
SELECT amount FROM kobatela.add_milestone(:m, 3, 'Roof', 50);
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 0, 'Zero', 1)$$, :m)) AS idx_zero;
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 4, 'Half fence', 1, 'PHOTO', 'SENDER', 5.3, NULL, NULL)$$, :m)) AS half_geofence;
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 4, 'Bad fence', 1, 'PHOTO', 'SENDER', 95, 0, 10)$$, :m)) AS bad_latitude;
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 4, 'Bad fence', 1, 'PHOTO', 'SENDER', 5, 0, 0)$$, :m)) AS zero_radius;
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 1, 'Late', 1)$$, :e)) AS milestone_on_released;

-- Creating escrows: parties, conditions, deadline, money.
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 10, 'USD', '{}', now() + interval '1 day')$$, :client, :client)) AS same_parties;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 10, 'USD', '[1, 2]', now() + interval '1 day')$$, :client, :provider)) AS conditions_not_an_object;
-- A deadline already past is allowed: funded, the escrow is released by escrow_check_deadline.
SELECT id AS overdue, status FROM kobatela.create_escrow(:client, :provider, 10, 'USD', '{}', now() - interval '1 day') \gset
SELECT :'status' AS deadline_in_the_past;
SELECT status FROM kobatela.escrow_deposit(:overdue, 10);
SELECT status AS released_at_its_deadline FROM kobatela.escrow_check_deadline(:overdue);
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, -1, 10, 'USD', '{}', now() + interval '1 day')$$, :client)) AS unknown_provider;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 0, 'USD', '{}', now() + interval '1 day')$$, :client, :provider)) AS zero_total;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 10, 'XOF', '{}', now() + interval '1 day')$$, :client, :provider)) AS currency;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 10, 'USD', NULL, now() + interval '1 day')$$, :client, :provider)) AS no_conditions;
SELECT t.err('SELECT kobatela.get_escrow(-1)') AS unknown_escrow;
SELECT t.err('SELECT kobatela.escrow_deposit(-1, 1)') AS deposit_unknown_escrow;

-- Parties: a key bound to the client funds and approves but cannot deliver; the provider's key
-- delivers but cannot approve or deposit.
CALL t.use_secret('api_key_pepper', 'escrow-pepper-do-not-log');
SELECT api_key AS client_key FROM kobatela.create_api_key('e client', 'sender', :client) \gset
SELECT api_key AS provider_key FROM kobatela.create_api_key('e provider', 'sender', :provider) \gset
SELECT t.new_escrow(20) AS p \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT t.as_key(:'client_key', format('SELECT status::text FROM kobatela.escrow_deposit(%s, 20)', :p)) AS client_deposits;
SELECT t.as_key(:'provider_key', format('SELECT status::text FROM kobatela.escrow_client_approve(%s)', :p)) AS provider_approves;
SELECT t.as_key(:'client_key', format('SELECT status::text FROM kobatela.escrow_mark_delivered(%s)', :p)) AS client_delivers;
SELECT t.as_key(:'provider_key', format('SELECT status::text FROM kobatela.escrow_mark_delivered(%s)', :p)) AS provider_delivers;
SELECT t.as_key(:'provider_key', format('SELECT count(*)::text FROM kobatela.escrow_events(%s)', :p)) AS provider_reads_timeline;
SELECT t.as_key(:'client_key', format('SELECT status::text FROM kobatela.escrow_client_approve(%s)', :p)) AS client_approves;
REVOKE ALL ON SCHEMA t FROM kobatela_anon;
REVOKE ALL ON FUNCTION t.as_key(text, text) FROM kobatela_anon;

-- The invariant: no escrow ever holds more deposits than its total.
SELECT count(*) AS overfunded_escrows FROM kobatela.escrow_agreements e
WHERE (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits d WHERE d.escrow_id = e.id) > e.amount_total;
