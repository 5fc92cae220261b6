-- Runs after every other pg_regress file: the money and audit invariants over everything the
-- suites wrote, including the refusals and races.

-- No escrow holds more deposits than its total.
SELECT count(*) AS overfunded_escrows FROM kobatela.escrow_agreements e
WHERE (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits d WHERE d.escrow_id = e.id) > e.amount_total;

-- No escrow paid out more than was deposited: deposits - SENT/SETTLED payments >= 0.
SELECT count(*) AS escrows_paying_more_than_they_hold FROM kobatela.escrow_agreements e
WHERE (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits WHERE escrow_id = e.id)
    < (SELECT coalesce(sum(amount), 0) FROM kobatela.payments WHERE escrow_id = e.id AND status IN ('SENT', 'SETTLED'));

-- The escrow's money counters are the sums they stand for ("sums never drift").
SELECT count(*) AS escrows_with_drifting_counters FROM kobatela.escrow_agreements e
WHERE e.deposited_amount <> (SELECT coalesce(sum(amount), 0) FROM kobatela.escrow_deposits WHERE escrow_id = e.id)
   OR e.paid_amount <> (SELECT coalesce(sum(amount), 0) FROM kobatela.payments
                        WHERE escrow_id = e.id AND status IN ('SENT', 'SETTLED'));

-- A mandate's total_spent is the sum of its purchases less their refunds, never above its total;
-- CONSUMED when it is all spent, and never ACTIVE then; CONSUMED with money left only after a
-- refund (one that could not make it ACTIVE again: docs/state_machines.md).
SELECT count(*) AS mandates_with_drifting_totals FROM kobatela.usage_mandates m
WHERE m.total_spent <> (SELECT coalesce(sum(amount), 0) FROM kobatela.purchases WHERE mandate_id = m.id)
                     - (SELECT coalesce(sum(amount), 0) FROM kobatela.purchase_refunds WHERE mandate_id = m.id)
   OR m.total_spent > m.total_amount
   OR (m.total_spent = m.total_amount AND m.status = 'ACTIVE')
   OR (m.status = 'CONSUMED' AND m.total_spent < m.total_amount
       AND NOT EXISTS (SELECT 1 FROM kobatela.purchase_refunds r WHERE r.mandate_id = m.id));
-- A purchase's refunds never exceed it, and each is of its mandate and currency.
SELECT count(*) AS purchases_refunded_beyond_their_amount FROM kobatela.purchases p
WHERE p.amount < (SELECT coalesce(sum(amount), 0) FROM kobatela.purchase_refunds WHERE purchase_id = p.id);
SELECT count(*) AS refunds_not_of_their_purchase FROM kobatela.purchase_refunds r JOIN kobatela.purchases p ON p.id = r.purchase_id
WHERE r.mandate_id IS DISTINCT FROM p.mandate_id OR r.currency <> p.currency;

-- A payee's spent_total is the sum of the spends paid to it, never above its total limit; its
-- spent_today never above its daily limit.
SELECT count(*) AS payees_with_drifting_counters FROM kobatela.allowed_payees a
WHERE a.spent_total <> (SELECT coalesce(sum(amount), 0) FROM kobatela.payments WHERE payee_id = a.id)
   OR a.spent_total > a.total_limit OR a.spent_today > a.daily_limit;

-- A PAID milestone has exactly one SENT or SETTLED payment of its amount; no milestone has two.
SELECT count(*) AS paid_milestones_without_one_payment FROM kobatela.milestones m
WHERE m.status = 'PAID'
  AND (SELECT count(*) FROM kobatela.payments p WHERE p.milestone_id = m.id AND p.amount = m.amount
       AND p.status IN ('SENT', 'SETTLED')) <> 1;
SELECT count(*) AS milestones_paid_twice FROM (
    SELECT milestone_id FROM kobatela.payments WHERE milestone_id IS NOT NULL AND status IN ('SENT', 'SETTLED')
    GROUP BY milestone_id HAVING count(*) > 1) twice;

-- Milestones never total more than their escrow.
SELECT count(*) AS escrows_with_too_many_milestones FROM kobatela.escrow_agreements e
WHERE (SELECT coalesce(sum(amount), 0) FROM kobatela.milestones m WHERE m.escrow_id = e.id) > e.amount_total;

-- A RELEASED escrow closed by its milestones has them all PAID.
SELECT count(*) AS closed_with_unpaid_milestones FROM kobatela.escrow_agreements e
WHERE EXISTS (SELECT 1 FROM kobatela.escrow_events v WHERE v.escrow_id = e.id AND v.kind = 'CLOSED')
  AND EXISTS (SELECT 1 FROM kobatela.milestones m WHERE m.escrow_id = e.id AND m.status <> 'PAID');

-- One row per idempotency key and owner, everywhere (and per sender for transfers), one payment
-- per Kobatela payout key (the unique indexes say so; this says they held).
SELECT (SELECT count(*) - count(DISTINCT (idempotency_key, idempotency_owner, sender_id)) FROM kobatela.transactions
        WHERE idempotency_key IS NOT NULL)
     + (SELECT count(*) - count(DISTINCT (idempotency_key, idempotency_owner)) FROM kobatela.escrow_deposits
        WHERE idempotency_key IS NOT NULL)
     + (SELECT count(*) - count(DISTINCT (idempotency_key, idempotency_owner)) FROM kobatela.payments
        WHERE idempotency_key IS NOT NULL)
     + (SELECT count(*) - count(DISTINCT payout_key) FROM kobatela.payments WHERE payout_key IS NOT NULL)
     + (SELECT count(*) - count(DISTINCT (idempotency_key, idempotency_owner)) FROM kobatela.purchases
        WHERE idempotency_key IS NOT NULL)
     + (SELECT count(*) - count(DISTINCT (idempotency_key, idempotency_owner)) FROM kobatela.purchase_refunds
        WHERE idempotency_key IS NOT NULL)
       AS duplicated_keys;

-- After all of it, the audit chain still verifies.
SELECT kobatela.verify_audit_chain() AS audit_chain_intact;
