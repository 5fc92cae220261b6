-- Allowed payees and spend (src/api/allowed_payees.cpp, spend.cpp): spec.md section 7 and its reference values, the
-- order of the checks, inclusive limits, the UTC daily reset, the escrow balance, closed escrows,
-- idempotency, the counters (escrow paid_amount, payee spent_today / spent_total), the USAGE_SPEND
-- event and audit rows, the key scopes; every refusal writes nothing. Nothing printed depends on
-- ids, times or PSP references: they are kept in psql variables and compared.
SELECT id AS client FROM kobatela.create_user('sp_client', 'sp_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('sp_provider', 'sp_provider@example.com') \gset
CREATE FUNCTION t.sp_escrow(total numeric) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM kobatela.create_escrow(
        (SELECT id FROM kobatela.users WHERE username = 'sp_client'),
        (SELECT id FROM kobatela.users WHERE username = 'sp_provider'),
        total, 'USD', '{"purpose": "family expenses"}', now() + interval '30 days') $$;
-- An escrow's money: its counters, the balance, and whether paid_amount is the sum of its SENT and
-- SETTLED payments.
CREATE FUNCTION t.sp_money(escrow bigint, OUT deposited numeric, OUT paid numeric, OUT to_repay numeric,
                           OUT balance numeric, OUT paid_is_the_sum boolean) LANGUAGE sql AS $$
    SELECT e.deposited_amount, e.paid_amount, e.to_repay_amount,
           e.deposited_amount - e.paid_amount - e.refunded_amount - e.to_repay_amount,
           e.paid_amount = (SELECT coalesce(sum(p.amount), 0) FROM kobatela.payments p
                            WHERE p.escrow_id = e.id AND p.status IN ('SENT', 'SETTLED'))
    FROM kobatela.escrow_agreements e WHERE e.id = escrow $$;
-- A payee's counters; reset_today: last_reset_at is today's UTC date.
CREATE FUNCTION t.sp_payee(payee bigint, OUT spent_today numeric, OUT spent_total numeric, OUT reset_today boolean)
LANGUAGE sql AS $$
    SELECT spent_today, spent_total, last_reset_at = (now() AT TIME ZONE 'UTC')::date
    FROM kobatela.allowed_payees WHERE id = payee $$;

-- What an audit row of an update changed, times hidden: 'column=new value, ...'.
CREATE FUNCTION t.sp_changes(data jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(key || '=' || CASE WHEN key LIKE '%\_at' THEN '<time>' ELSE value #>> '{}' END, ', ' ORDER BY key)
    FROM jsonb_each(data -> 'new') $$;

-- ---------------------------------------------------------------------------------------------
-- The reference values: escrow 300, deposit 200; payee A daily 120 total 400, payee B daily 500
-- total 150
-- ---------------------------------------------------------------------------------------------
SELECT t.sp_escrow(300) AS e \gset
SELECT status FROM kobatela.escrow_deposit(:e, 200);
SELECT * FROM t.sp_money(:e);
SELECT id AS payee_a FROM kobatela.add_allowed_payee(:e, 'sp-payee-A', 'Pharmacy A', 120, 400) \gset
SELECT id AS payee_b FROM kobatela.add_allowed_payee(:e, 'sp-payee-B', 'School B', 500, 150) \gset
SELECT escrow_id = :e AS of_e, payee_ref, label, daily_limit, total_limit, spent_today, spent_total, last_reset_at
FROM kobatela.allowed_payees WHERE id IN (:payee_a, :payee_b) ORDER BY payee_ref;
SELECT action, data ->> 'payee_ref' AS payee_ref, data ->> 'daily_limit' AS daily_limit, data ->> 'total_limit' AS total_limit
FROM kobatela.audit_entries WHERE entity = 'allowed_payees' AND entity_id IN (:payee_a, :payee_b) ORDER BY record_id, change_no;

-- spend 90 with key k1: SENT, a PSP reference, the payee's and the escrow's counters move.
SELECT coalesce(max(record_id), 0) AS mark FROM kobatela.audit_entries \gset
SELECT id AS s1 FROM kobatela.spend(:e, 'sp-payee-A', 90, 'medicine', 'sp-k1') \gset
SELECT escrow_id = :e AS from_e, payee_id = :payee_a AS to_a, milestone_id, amount, status,
       psp_ref ~ '^PSP-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' AS psp_ref_is_a_uuid, idempotency_key
FROM kobatela.payments WHERE id = :s1;
-- The reference is a UUIDv7: version 7, variant 10, and first the millisecond it was made (the
-- clock's, within the minute), so that new payments sort last in payments_psp_ref_key.
SELECT psp_ref ~ '^PSP-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS psp_ref_is_a_uuid_v7,
       abs(('x' || lpad(replace(substr(psp_ref, 5, 13), '-', ''), 16, '0'))::bit(64)::bigint
           - (extract(epoch FROM clock_timestamp()) * 1000)::bigint) < 60000 AS starts_with_now
FROM kobatela.payments WHERE id = :s1;
SELECT * FROM t.sp_payee(:payee_a);
SELECT * FROM t.sp_money(:e);
-- One USAGE_SPEND event naming the payment and its PSP reference.
SELECT kind, data - 'payment_id' - 'psp_ref' AS data, (data ->> 'payment_id')::bigint = :s1 AS names_the_payment,
       data ->> 'psp_ref' = (SELECT psp_ref FROM kobatela.payments WHERE id = :s1) AS names_its_psp_ref
FROM kobatela.escrow_events(:e) WHERE kind = 'USAGE_SPEND';
-- Its audit rows, all USAGE_SPEND: the payment, the payee's counters, the escrow's paid_amount, the event.
SELECT action, entity, count(*) FROM kobatela.audit_entries WHERE record_id > :mark GROUP BY action, entity ORDER BY entity, action;
SELECT entity, t.sp_changes(data) AS changed FROM kobatela.audit_entries
WHERE record_id > :mark AND entity IN ('allowed_payees', 'escrow_agreements') ORDER BY entity;

-- Replay k1: the same payment, nothing written. The note is part of the request: another note,
-- or none, with the same key is a conflict.
SELECT t.row_counts() AS before \gset
SELECT id = :s1 AS same_payment, status, amount FROM kobatela.spend(:e, 'sp-payee-A', 90, 'medicine', 'sp-k1');
SELECT id = :s1 AS same_payment FROM kobatela.spend(:e, 'sp-payee-A', 90.00, 'medicine', 'sp-k1');
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-A', 90, NULL, 'sp-k1')$$, :e)) AS replay_without_the_note;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-A', 90, 'medicines', 'sp-k1')$$, :e)) AS replay_with_another_note;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT * FROM t.sp_payee(:payee_a);

-- spend 40: 90 + 40 > 120 a day.
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-A', 40)$$, :e)) AS a_over_daily_limit;
SELECT t.row_counts() = :'before' AS nothing_written;

-- Payee B: spend 100 SENT; spend 60: 100 + 60 > 150 in all.
SELECT status, amount FROM kobatela.spend(:e, 'sp-payee-B', 100, 'school fees');
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-B', 60)$$, :e)) AS b_over_total_limit;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT * FROM t.sp_payee(:payee_b);
SELECT * FROM t.sp_money(:e);

-- ---------------------------------------------------------------------------------------------
-- The balance: deposits - SENT/SETTLED payments; exactly the balance may be spent
-- ---------------------------------------------------------------------------------------------
SELECT id AS payee_n FROM kobatela.add_allowed_payee(:e, 'sp-payee-N', 'No limits') \gset
SELECT t.row_counts() AS before \gset
-- B may still spend 50 in all, but the escrow holds 10.
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-B', 50)$$, :e)) AS b_within_limits_over_balance;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-N', 10.01)$$, :e)) AS n_over_balance;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT status FROM kobatela.spend(:e, 'sp-payee-N', 10);
SELECT * FROM t.sp_money(:e);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-N', 0.01)$$, :e)) AS empty_escrow;
-- A deposit refills it; B then reaches its total limit exactly, and not a cent more.
SELECT status FROM kobatela.escrow_deposit(:e, 100);
SELECT status FROM kobatela.spend(:e, 'sp-payee-B', 50);
SELECT * FROM t.sp_payee(:payee_b);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-B', 0.01)$$, :e)) AS b_total_reached;
SELECT * FROM t.sp_money(:e);

-- ---------------------------------------------------------------------------------------------
-- Inclusive limits and the UTC daily reset (payee C: daily 50, total 80)
-- ---------------------------------------------------------------------------------------------
SELECT t.sp_escrow(1000) AS e2 \gset
SELECT status FROM kobatela.escrow_deposit(:e2, 1000);
SELECT id AS payee_c FROM kobatela.add_allowed_payee(:e2, 'sp-payee-C', 'Market C', 50, 80) \gset
SELECT status FROM kobatela.spend(:e2, 'sp-payee-C', 50);
SELECT * FROM t.sp_payee(:payee_c);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-C', 0.01)$$, :e2)) AS c_daily_reached;
-- The next UTC day (as the superuser, an audited direct update: the last spend was yesterday).
UPDATE kobatela.allowed_payees SET last_reset_at = (now() AT TIME ZONE 'UTC')::date - 1 WHERE id = :payee_c;
SELECT * FROM t.sp_payee(:payee_c);
-- spent_today restarts from 0: 30 fits the day, and brings the total to exactly 80.
SELECT status FROM kobatela.spend(:e2, 'sp-payee-C', 30);
SELECT * FROM t.sp_payee(:payee_c);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-C', 0.01)$$, :e2)) AS c_total_reached;

-- A limit of 0 is valid, and allows nothing.
SELECT daily_limit, total_limit FROM kobatela.add_allowed_payee(:e2, 'sp-payee-Z', 'Zero a day', 0, NULL);
SELECT daily_limit, total_limit FROM kobatela.add_allowed_payee(:e2, 'sp-payee-Y', 'Zero in all', NULL, 0);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-Z', 0.01)$$, :e2)) AS zero_daily_limit;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-Y', 0.01)$$, :e2)) AS zero_total_limit;

-- Without a key there is no deduplication: two calls, two payments.
SELECT id AS payee_d FROM kobatela.add_allowed_payee(:e2, 'sp-payee-D', 'Doctor D') \gset
SELECT status FROM kobatela.spend(:e2, 'sp-payee-D', 5);
SELECT status FROM kobatela.spend(:e2, 'sp-payee-D', 5);
SELECT count(*) AS payments, sum(amount) AS paid FROM kobatela.payments WHERE payee_id = :payee_d;

-- Through PostgREST the key comes from the Idempotency-Key header.
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "sp-header-1"}', true);
SELECT idempotency_key, amount FROM kobatela.spend(:e2, 'sp-payee-D', 7);
SELECT id AS s_header FROM kobatela.payments WHERE idempotency_key = 'sp-header-1' \gset
COMMIT;
SELECT t.row_counts() AS before \gset
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "sp-header-1"}', true);
SELECT id = :s_header AS same_payment FROM kobatela.spend(:e2, 'sp-payee-D', 7);
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Refusals: bad input, unknown escrow or payee, idempotency conflicts, the order of the checks
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE sp_spend_calls (label text, statement text);
INSERT INTO sp_spend_calls VALUES
  ('amount 0',                        format($$SELECT kobatela.spend(%s, 'sp-payee-A', 0)$$, :e)),
  ('amount -1',                       format($$SELECT kobatela.spend(%s, 'sp-payee-A', -1)$$, :e)),
  ('amount 1.005',                    format($$SELECT kobatela.spend(%s, 'sp-payee-A', 1.005)$$, :e)),
  ('amount 1e20',                     format($$SELECT kobatela.spend(%s, 'sp-payee-A', 1e20)$$, :e)),
  ('amount NaN',                      format($$SELECT kobatela.spend(%s, 'sp-payee-A', 'NaN')$$, :e)),
  ('amount NULL',                     format($$SELECT kobatela.spend(%s, 'sp-payee-A', NULL)$$, :e)),
  ('amount 0, unknown escrow',        $$SELECT kobatela.spend(-1, 'sp-payee-A', 0)$$),
  ('amount 0, key k1',                format($$SELECT kobatela.spend(%s, 'sp-payee-A', 0, NULL, 'sp-k1')$$, :e)),
  ('escrow NULL',                     $$SELECT kobatela.spend(NULL, 'sp-payee-A', 1)$$),
  ('escrow unknown',                  $$SELECT kobatela.spend(-1, 'sp-payee-A', 1)$$),
  ('escrow unknown, key k1',          $$SELECT kobatela.spend(-1, 'sp-payee-A', 90, NULL, 'sp-k1')$$),
  ('payee NULL',                      format($$SELECT kobatela.spend(%s, NULL, 1)$$, :e)),
  ('payee not allowed',               format($$SELECT kobatela.spend(%s, 'sp-nobody', 1)$$, :e)),
  ('payee of another escrow',         format($$SELECT kobatela.spend(%s, 'sp-payee-A', 1)$$, :e2)),
  ('key k1, other amount',            format($$SELECT kobatela.spend(%s, 'sp-payee-A', 91, NULL, 'sp-k1')$$, :e)),
  ('key k1, other payee',             format($$SELECT kobatela.spend(%s, 'sp-payee-B', 90, NULL, 'sp-k1')$$, :e)),
  ('key k1, other escrow',            format($$SELECT kobatela.spend(%s, 'sp-payee-C', 90, NULL, 'sp-k1')$$, :e2)),
  ('key empty',                       format($$SELECT kobatela.spend(%s, 'sp-payee-N', 1, NULL, '')$$, :e));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM sp_spend_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

CREATE TEMP TABLE sp_payee_calls (label text, statement text);
INSERT INTO sp_payee_calls VALUES
  ('already allowed',       format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-A', 'Again')$$, :e)),
  ('escrow unknown',        $$SELECT kobatela.add_allowed_payee(-1, 'sp-payee-X', 'X')$$),
  ('escrow NULL',           $$SELECT kobatela.add_allowed_payee(NULL, 'sp-payee-X', 'X')$$),
  ('daily limit -1',        format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', 'X', -1)$$, :e)),
  ('total limit -0.01',     format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', 'X', NULL, -0.01)$$, :e)),
  ('daily limit 1.005',     format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', 'X', 1.005)$$, :e)),
  ('total limit 1e20',      format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', 'X', NULL, 1e20)$$, :e)),
  ('daily limit NaN',       format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', 'X', 'NaN')$$, :e)),
  ('payee_ref empty',       format($$SELECT kobatela.add_allowed_payee(%s, '', 'X')$$, :e)),
  ('payee_ref NULL',        format($$SELECT kobatela.add_allowed_payee(%s, NULL, 'X')$$, :e)),
  ('payee_ref 121 chars',   format($$SELECT kobatela.add_allowed_payee(%s, repeat('p', 121), 'X')$$, :e)),
  ('label blank',           format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', '  ')$$, :e)),
  ('label NULL',            format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', NULL)$$, :e)),
  ('label 201 chars',       format($$SELECT kobatela.add_allowed_payee(%s, 'sp-payee-X', repeat('l', 201))$$, :e));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM sp_payee_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Closed escrows: ESCROW_NOT_ACTIVE; a replay of a key still answers
-- ---------------------------------------------------------------------------------------------
SELECT t.sp_escrow(100) AS released \gset
SELECT status FROM kobatela.escrow_deposit(:released, 100);
SELECT payee_ref FROM kobatela.add_allowed_payee(:released, 'sp-payee-R', 'Builder R');
SELECT id AS s_r1 FROM kobatela.spend(:released, 'sp-payee-R', 10, NULL, 'sp-r1') \gset
SELECT status FROM kobatela.escrow_client_approve(:released);
SELECT t.sp_escrow(100) AS refunded \gset
SELECT status FROM kobatela.escrow_deposit(:refunded, 100);
SELECT payee_ref FROM kobatela.add_allowed_payee(:refunded, 'sp-payee-R', 'Builder R');
SELECT status FROM kobatela.escrow_client_reject(:refunded);
-- A DRAFT escrow is open: with nothing deposited, the balance refuses; once cancelled, the status does.
SELECT t.sp_escrow(100) AS cancelled \gset
SELECT payee_ref FROM kobatela.add_allowed_payee(:cancelled, 'sp-payee-R', 'Builder R');
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-R', 1)$$, :cancelled)) AS draft_without_deposit;
SELECT status FROM kobatela.escrow_client_reject(:cancelled);

SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-R', 1)$$, :released)) AS spend_released;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-R', 1)$$, :refunded)) AS spend_refunded;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-R', 1)$$, :cancelled)) AS spend_cancelled;
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-R', 11, NULL, 'sp-r1')$$, :released)) AS replay_other_amount;
SELECT id = :s_r1 AS same_payment, status FROM kobatela.spend(:released, 'sp-payee-R', 10, NULL, 'sp-r1');
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- The PSP: a failed spend no longer counts in paid_amount; its money is owed to the payee (to be
-- repaid), never spendable again, until retry_payment pays it again
-- ---------------------------------------------------------------------------------------------
CREATE EXTENSION pgcrypto SCHEMA t;
CALL t.use_secret('psp_webhook_secret', 'whsec_do-not-log_spend');
-- Delivers a signed event of this kind about this payment; the answer's ok.
CREATE FUNCTION t.sp_psp(kind text, payment bigint) RETURNS text LANGUAGE sql AS $$
    WITH b AS (SELECT json_build_object('id', 'evt_sp_' || kind || '_' || payment, 'type', kind,
                                        'psp_ref', (SELECT psp_ref FROM kobatela.payments WHERE id = payment))::text AS body,
                      extract(epoch FROM now())::text AS ts)
    SELECT kobatela.psp_webhook(b.body,
               encode(t.hmac(convert_to(b.ts || '.' || b.body, 'UTF8'), convert_to('whsec_do-not-log_spend', 'UTF8'), 'sha256'), 'hex'),
               b.ts) ->> 'ok'
    FROM b $$;
SELECT t.sp_escrow(50) AS e6 \gset
SELECT status FROM kobatela.escrow_deposit(:e6, 50);
SELECT payee_ref FROM kobatela.add_allowed_payee(:e6, 'sp-payee-P', 'Pharmacy P');
SELECT id AS s_fail FROM kobatela.spend(:e6, 'sp-payee-P', 50) \gset
SELECT * FROM t.sp_money(:e6);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-P', 1)$$, :e6)) AS nothing_left;
SELECT t.sp_psp('payment.failed', :s_fail) AS failed_delivered;
SELECT status FROM kobatela.payments WHERE id = :s_fail;
SELECT * FROM t.sp_money(:e6);
SELECT t.err(format($$SELECT kobatela.spend(%s, 'sp-payee-P', 20)$$, :e6)) AS failed_money_not_spendable;
SELECT type, payload->>'kind' AS kind, payload->>'amount' AS amount FROM kobatela.list_alerts('PAYMENT_TO_REPAY')
WHERE (payload->>'payment_id')::bigint = :s_fail;
SELECT id AS s_again, retry_of = :s_fail AS retries_it, kind, amount, status FROM kobatela.retry_payment(:s_fail) \gset
SELECT :'retries_it' AS retries_it, :'kind' AS kind, :'amount' AS amount, :'status' AS status;
SELECT id = :s_again AS same_retry FROM kobatela.retry_payment(:s_fail);   -- replay
SELECT t.sp_psp('payment.settled', :s_again) AS settled_delivered;
SELECT status FROM kobatela.payments WHERE id = :s_again;
SELECT * FROM t.sp_money(:e6);
SELECT spent_total FROM kobatela.allowed_payees WHERE escrow_id = :e6;   -- the retry is not a second spend
RESET kobatela.psp_webhook_secret_file;
DROP FUNCTION t.sp_psp(text, bigint);
DROP EXTENSION pgcrypto;

-- ---------------------------------------------------------------------------------------------
-- Scopes: a key bound to the client spends and adds payees; the provider's key does neither
-- ---------------------------------------------------------------------------------------------
CALL t.use_secret('api_key_pepper', 'spend-pepper-do-not-log');
SELECT api_key AS client_key FROM kobatela.create_api_key('sp client', 'sender', :client) \gset
SELECT api_key AS provider_key FROM kobatela.create_api_key('sp provider', 'sender', :provider) \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('sp support', 'support') \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
CREATE TEMP TABLE sp_scope_calls (ord int, who text, api_key text, call text);
INSERT INTO sp_scope_calls VALUES
  (1, 'provider: add payee', :'provider_key', format($$SELECT payee_ref FROM kobatela.add_allowed_payee(%s, 'sp-payee-K', 'K')$$, :e2)),
  (2, 'support: add payee',  :'support_key',  format($$SELECT payee_ref FROM kobatela.add_allowed_payee(%s, 'sp-payee-K', 'K')$$, :e2)),
  (3, 'client: add payee',   :'client_key',   format($$SELECT payee_ref FROM kobatela.add_allowed_payee(%s, 'sp-payee-K', 'K')$$, :e2)),
  (4, 'provider: spend',     :'provider_key', format($$SELECT status::text FROM kobatela.spend(%s, 'sp-payee-K', 1)$$, :e2)),
  (5, 'support: spend',      :'support_key',  format($$SELECT status::text FROM kobatela.spend(%s, 'sp-payee-K', 1)$$, :e2)),
  (6, 'client: spend',       :'client_key',   format($$SELECT status::text FROM kobatela.spend(%s, 'sp-payee-K', 1)$$, :e2)),
  (7, 'provider: replay a client''s key', :'provider_key', format($$SELECT status::text FROM kobatela.spend(%s, 'sp-payee-A', 90, NULL, 'sp-k1')$$, :e));
SELECT who, t.as_key(api_key, call) AS outcome FROM sp_scope_calls ORDER BY ord;
REVOKE ALL ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
REVOKE ALL ON SCHEMA t FROM kobatela_anon;
RESET kobatela.api_key_pepper_file;

-- ---------------------------------------------------------------------------------------------
-- The counters, over every escrow and payee of this file
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE sp_escrows AS SELECT unnest(ARRAY[:e, :e2, :released, :refunded, :cancelled, :e6]::bigint[]) AS id;
-- paid_amount = SENT + SETTLED payments but refunds, refunded_amount = the refunds; deposited_amount
-- = deposits; never paid more than deposited.
SELECT count(*) AS escrows_with_wrong_counters FROM kobatela.escrow_agreements x JOIN sp_escrows USING (id)
WHERE x.paid_amount <> (SELECT coalesce(sum(amount), 0) FROM kobatela.payments p
                        WHERE p.escrow_id = x.id AND p.status IN ('SENT', 'SETTLED') AND p.kind <> 'REFUND')
   OR x.refunded_amount <> (SELECT coalesce(sum(amount), 0) FROM kobatela.payments p
                            WHERE p.escrow_id = x.id AND p.status IN ('SENT', 'SETTLED') AND p.kind = 'REFUND')
   OR x.deposited_amount <> (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits d WHERE d.escrow_id = x.id)
   OR x.paid_amount + x.refunded_amount > x.deposited_amount;
-- spent_total = the payee's payments (none failed but on e6); limits held.
SELECT count(*) AS payees_with_wrong_spent_total FROM kobatela.allowed_payees a JOIN sp_escrows s ON s.id = a.escrow_id
WHERE a.escrow_id <> :e6
  AND a.spent_total <> (SELECT coalesce(sum(amount), 0) FROM kobatela.payments p WHERE p.payee_id = a.id);
SELECT count(*) AS payees_over_a_limit FROM kobatela.allowed_payees
WHERE spent_total > total_limit OR spent_today > daily_limit;
-- Every spend is a payment to a payee (no milestone), with a unique psp_ref, one USAGE_SPEND event and one USAGE_SPEND audit row
-- (a retry is not a spend: its event is PAYMENT_SENT, its audit PAYMENT_RETRIED).
SELECT count(*) AS spends, count(*) FILTER (WHERE p.milestone_id IS NULL AND p.psp_ref LIKE 'PSP-%') AS well_formed,
       count(DISTINCT p.psp_ref) AS distinct_psp_refs,
       count(*) FILTER (WHERE (SELECT count(*) FROM kobatela.escrow_events v WHERE v.escrow_id = p.escrow_id
                               AND v.kind = 'USAGE_SPEND' AND (v.data ->> 'payment_id')::bigint = p.id) = 1) AS with_one_event,
       count(*) FILTER (WHERE (SELECT count(*) FROM kobatela.audit_entries a WHERE a.entity = 'payments'
                               AND a.entity_id = p.id AND a.action = 'USAGE_SPEND') = 1) AS audited_once
FROM kobatela.payments p JOIN sp_escrows s ON s.id = p.escrow_id WHERE p.payee_id IS NOT NULL AND p.retry_of IS NULL;
SELECT status, count(*) FROM kobatela.payments p JOIN sp_escrows s ON s.id = p.escrow_id GROUP BY status ORDER BY status;
