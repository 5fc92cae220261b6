-- ledger.sql — the books (issue 14; docs/reference.md, "The books"): the view kobatela.ledger, one
-- row per posting of every movement of money Kobatela records, and check_invariants(), which says
-- whether the counters, the tables and the ledger agree (src/api/invariants.cpp).
--
-- A posting moves `amount` from credit_account to debit_account; an account's balance is the sum
-- of its debits minus the sum of its credits. Accounts: external:<user_id> (money outside
-- Kobatela, a user's), escrow:<id> (what an escrow holds), repay:<escrow_id> (what a PSP failed to
-- pay and owes back), psp:in_flight (sent, not yet settled or failed), payee:<allowed_payee_id>,
-- mandate:<id> (what a mandate spent, negative), merchant:<id>. So escrow:<id> is the escrow's
-- balance, repay:<id> its to_repay_amount, mandate:<id> minus its total_spent, psp:in_flight the
-- sum of the SENT payments, and every currency sums to zero.
--
-- security_invoker: the view reads the tables with the querying role's rights and row-level
-- security, so it opens no read path of its own (a view with its owner's rights would read as the
-- extension's owner, usually a superuser who bypasses RLS). The tables' policies let an unbound
-- sender key read every row, and the ledger is everyone's money: rows are shown to the admin and
-- support scopes only (a sender key through PostgREST's kobatela_anon gets no row; the role
-- kobatela_sender may not select it at all: sql/security.sql).
-- (Amounts from columns typed kobatela.positive_money are cast to numeric(18,2), the type of every
-- branch's amount, so that the view's amount keeps it: a union of a domain and its base type has
-- the base type without its precision.)
CREATE VIEW kobatela.ledger WITH (security_invoker = true) AS
SELECT posting.*
FROM (
    -- deposit d: escrow:<e> <- external:<client>
    SELECT 'deposit:' || d.id AS posting_id, d.created_at AS at, 'DEPOSIT' AS movement,
           'escrow:' || e.id AS debit_account, 'external:' || e.client_id AS credit_account,
           d.amount::numeric(18,2), e.currency, 'escrow_deposits' AS source_table, d.id AS source_id
    FROM kobatela.escrow_deposits d JOIN kobatela.escrow_agreements e ON e.id = d.escrow_id
  UNION ALL
    -- payment p sent (every status but PENDING and 0.5.0's REFUNDED): psp:in_flight <- escrow:<e>,
    -- when the escrow's event naming it says it left
    SELECT 'payment:' || p.id || ':sent', coalesce(sent.at, p.created_at), 'PAYMENT_SENT',
           'psp:in_flight', 'escrow:' || p.escrow_id, p.amount::numeric(18,2), e.currency, 'payments', p.id
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN LATERAL (SELECT min(v.at) AS at FROM kobatela.escrow_events v
                       WHERE v.escrow_id = p.escrow_id AND v.data ->> 'payment_id' = p.id::text) sent ON true
    WHERE p.status NOT IN ('PENDING', 'REFUNDED')
  UNION ALL
    -- payment p SETTLED: <beneficiary> <- psp:in_flight (MILESTONE and RELEASE: the provider,
    -- REFUND: the client, PAYEE: the allowed payee); in ERROR without a retry: repay:<e> <-
    -- psp:in_flight; in ERROR with a retry: escrow:<e> <- psp:in_flight (the retry is paid from
    -- the balance)
    SELECT 'payment:' || p.id || CASE p.status WHEN 'SETTLED' THEN ':settled' ELSE ':failed' END, p.updated_at,
           CASE WHEN p.status = 'SETTLED' THEN 'PAYMENT_SETTLED'
                WHEN retry.id IS NULL THEN 'PAYMENT_FAILED' ELSE 'PAYMENT_RETRIED_FROM_BALANCE' END,
           CASE WHEN p.status = 'ERROR' AND retry.id IS NULL THEN 'repay:' || p.escrow_id
                WHEN p.status = 'ERROR' THEN 'escrow:' || p.escrow_id
                WHEN p.kind = 'PAYEE' THEN 'payee:' || p.payee_id
                WHEN p.kind = 'REFUND' THEN 'external:' || e.client_id
                ELSE 'external:' || e.provider_id END,
           'psp:in_flight', p.amount::numeric(18,2), e.currency, 'payments', p.id
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN kobatela.payments retry ON retry.retry_of = p.id
    WHERE p.status IN ('SETTLED', 'ERROR')
  UNION ALL
    -- purchase u under a mandate: merchant:<m> <- mandate:<u.mandate_id> (a purchase refund is the
    -- opposite posting, mandate:<m> <- merchant:<m>, movement PURCHASE_REFUND)
    SELECT 'purchase:' || u.id, u.created_at, 'PURCHASE', 'merchant:' || u.merchant_id, 'mandate:' || u.mandate_id,
           u.amount::numeric(18,2), u.currency, 'purchases', u.id
    FROM kobatela.purchases u WHERE u.mandate_id IS NOT NULL
  UNION ALL
    -- purchase refund r: mandate:<m> <- merchant:<merchant>
    SELECT 'purchase_refund:' || r.id, r.created_at, 'PURCHASE_REFUND', 'mandate:' || r.mandate_id,
           'merchant:' || u.merchant_id, r.amount, r.currency, 'purchase_refunds', r.id
    FROM kobatela.purchase_refunds r JOIN kobatela.purchases u ON u.id = r.purchase_id
  UNION ALL
    -- transfer t COMPLETED: external:<receiver> <- external:<sender>
    SELECT 'transaction:' || t.id, t.created_at, 'TRANSFER', 'external:' || t.receiver_id, 'external:' || t.sender_id,
           t.amount, t.currency, 'transactions', t.id
    FROM kobatela.transactions t WHERE t.status = 'COMPLETED'
) AS posting (posting_id, at, movement, debit_account, credit_account, amount, currency, source_table, source_id)
WHERE (SELECT kobatela.current_scope()) IN ('admin', 'support');

COMMENT ON VIEW kobatela.ledger IS
    'The books: one row per posting (amount moves from credit_account to debit_account), for the admin and support scopes. docs/reference.md, "The books".';
COMMENT ON COLUMN kobatela.ledger.posting_id IS
    'Stable id of the posting: deposit:<id>, payment:<id>:sent, payment:<id>:settled, payment:<id>:failed, purchase:<id>, purchase_refund:<id>, transaction:<id>.';
COMMENT ON COLUMN kobatela.ledger.movement IS
    'DEPOSIT, PAYMENT_SENT, PAYMENT_SETTLED, PAYMENT_FAILED, PAYMENT_RETRIED_FROM_BALANCE, PURCHASE, PURCHASE_REFUND or TRANSFER.';
COMMENT ON COLUMN kobatela.ledger.debit_account IS
    'The account the money goes to: external:<user>, escrow:<id>, repay:<escrow>, psp:in_flight, payee:<id>, mandate:<id> or merchant:<id>.';
COMMENT ON COLUMN kobatela.ledger.credit_account IS
    'The account the money comes from.';

CREATE FUNCTION kobatela.check_invariants()
    RETURNS TABLE (rule text, ids bigint[], detail text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_check_invariants';
COMMENT ON FUNCTION kobatela.check_invariants() IS
    'Support and admin: one row per violated rule of the books (counters, events, minor units, ledger) with the offending ids; no row when the books hold.';
