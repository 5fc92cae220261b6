-- Runs after every other pg_regress file: the money and audit invariants over everything the
-- suites wrote, including the refusals and races.

-- The books hold (docs/reference.md, "The books"): every counter of every escrow, mandate and
-- payee is the sum it stands for, the escrow timeline records every deposit and payment, every
-- amount fits its currency, and the ledger agrees with the counters. No row.
SELECT * FROM kobatela.check_invariants();

-- What check_invariants() does not cover: the limits and statuses that go with the counters.
-- A mandate never spends above its total; it is never ACTIVE when all spent; it is CONSUMED with
-- money left only after a refund (one that could not make it ACTIVE again: docs/state_machines.md).
SELECT count(*) AS mandates_with_a_wrong_status FROM kobatela.usage_mandates m
WHERE m.total_spent > m.total_amount
   OR (m.total_spent = m.total_amount AND m.status = 'ACTIVE')
   OR (m.status = 'CONSUMED' AND m.total_spent < m.total_amount
       AND NOT EXISTS (SELECT 1 FROM kobatela.purchase_refunds r WHERE r.mandate_id = m.id));
-- A purchase's refunds never exceed it, and each is of its mandate and currency.
SELECT count(*) AS purchases_refunded_beyond_their_amount FROM kobatela.purchases p
WHERE p.amount < (SELECT coalesce(sum(amount), 0) FROM kobatela.purchase_refunds WHERE purchase_id = p.id);
SELECT count(*) AS refunds_not_of_their_purchase FROM kobatela.purchase_refunds r JOIN kobatela.purchases p ON p.id = r.purchase_id
WHERE r.mandate_id IS DISTINCT FROM p.mandate_id OR r.currency <> p.currency;

-- A payee's spent_total never above its total limit; its spent_today never above its daily limit.
SELECT count(*) AS payees_over_their_limits FROM kobatela.allowed_payees a
WHERE a.spent_total > a.total_limit OR a.spent_today > a.daily_limit;

-- A PAID milestone has exactly one SENT or SETTLED payment of its amount (check_invariants()
-- says no milestone has two).
SELECT count(*) AS paid_milestones_without_one_payment FROM kobatela.milestones m
WHERE m.status = 'PAID'
  AND (SELECT count(*) FROM kobatela.payments p WHERE p.milestone_id = m.id AND p.amount = m.amount
       AND p.status IN ('SENT', 'SETTLED')) <> 1;

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
