-- Kobatela 0.6.0 → 0.7.0: one audit record per business action, and the hot paths (issue 15), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.6.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.7.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.7.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- One audit record per business action (issue 15): audit_log rows become records whose changes
-- are a json array (stored and hashed byte for byte), with their entity keys under a GIN index.
-- The rows written by 0.3.0 to 0.6.0 stay as they are, one change each (entity, entity_id, data),
-- and keep verifying; records chain on from each lane's tip. No row is rewritten.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE kobatela.audit_log
    ALTER COLUMN entity DROP NOT NULL,
    ALTER COLUMN data DROP NOT NULL,
    ALTER COLUMN data DROP DEFAULT,
    ADD COLUMN changes json,
    ADD COLUMN entities text[];
CREATE INDEX audit_log_entities_idx ON kobatela.audit_log USING gin (entities);
-- Only the old rows need (entity, entity_id) now: the index becomes partial.
DROP INDEX kobatela.audit_log_entity_entity_id_idx;
CREATE INDEX audit_log_entity_entity_id_idx ON kobatela.audit_log (entity, entity_id) WHERE changes IS NULL;
COMMENT ON TABLE kobatela.audit_log IS
    'Append-only, hash-chained audit trail, one record per business action: who did what, to which rows, in which transaction. Read it change by change through kobatela.audit_entries.';
COMMENT ON COLUMN kobatela.audit_log.at IS
    'Wall-clock time the record was written (the end of the call).';
COMMENT ON COLUMN kobatela.audit_log.actor IS
    'apikey:<id> or role:<outer role> (kobatela.current_actor()), or the actor a function names (e.g. psp): the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.action IS
    'Business reason (e.g. CREATE_TRANSACTION, PAYMENT_SETTLED), else <TABLE>_<INSERT|UPDATE|DELETE|TRUNCATE>: the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.entity IS
    'Rows of 0.3.0 to 0.6.0 only: the table the change is about.';
COMMENT ON COLUMN kobatela.audit_log.entity_id IS
    'Rows of 0.3.0 to 0.6.0 only: the id of the changed row; no foreign key (any table).';
COMMENT ON COLUMN kobatela.audit_log.data IS
    'Rows of 0.3.0 to 0.6.0 only: the row (insert, delete) or {"old": {...}, "new": {...}} with the changed columns only (update); secrets masked.';
COMMENT ON COLUMN kobatela.audit_log.txid IS
    'Top-level transaction that wrote the record.';
COMMENT ON COLUMN kobatela.audit_log.changes IS
    'The record''s changes, in order: [{"op", "entity", "entity_id", ["action",] ["actor",] "data"}, ...], stored and hashed byte for byte as written. NULL for the rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_log.entities IS
    'The <entity>:<id> keys of the record''s changes, for kobatela.audit_history (GIN index).';

-- Support reads the records none of whose changes is about an admin-only table (sql/security.sql).
DROP POLICY read_by_scope ON kobatela.audit_log;
CREATE POLICY read_by_scope ON kobatela.audit_log FOR SELECT USING (
    CASE (SELECT kobatela.current_scope()) WHEN 'admin' THEN true
    WHEN 'support' THEN coalesce(entity <> ALL ('{api_keys}'::text[]), true)
        AND NOT EXISTS (SELECT FROM unnest(entities) AS k (key) WHERE split_part(k.key, ':', 1) = ANY ('{api_keys}'::text[]))
    ELSE false END);

-- The log change by change, and the history of one entity (sql/audit.sql, as it is there; grants as
-- sql/security.sql gives them).
CREATE VIEW kobatela.audit_entries WITH (security_barrier = true) AS
SELECT e.record_id, e.at, e.actor, e.action, e.entity, e.entity_id, e.data, e.txid, e.operation, e.change_no
FROM (
    SELECT r.id AS record_id,
           r.at,
           coalesce(c.change ->> 'actor', r.actor) AS actor,
           coalesce(c.change ->> 'action', r.action) AS action,
           CASE WHEN r.changes IS NULL THEN r.entity ELSE c.change ->> 'entity' END AS entity,
           CASE WHEN r.changes IS NULL THEN r.entity_id ELSE (c.change ->> 'entity_id')::bigint END AS entity_id,
           CASE WHEN r.changes IS NULL THEN r.data ELSE c.change -> 'data' END AS data,
           r.txid,
           c.change ->> 'op' AS operation,
           c.n AS change_no
    FROM kobatela.audit_log r
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.changes::jsonb, '[{}]'::jsonb)) WITH ORDINALITY AS c (change, n)
) AS e
WHERE CASE (SELECT kobatela.current_scope())
          WHEN 'admin' THEN true
          WHEN 'support' THEN e.entity <> ALL ('{api_keys}'::text[])
          ELSE false
      END
ORDER BY e.record_id, e.change_no;

COMMENT ON VIEW kobatela.audit_entries IS
    'The audit log, one row per change (admin: all; support: all but api_keys), ordered by record_id then change_no. docs/audit.md.';
COMMENT ON COLUMN kobatela.audit_entries.record_id IS
    'The audit_log record (one business action) the change belongs to.';
COMMENT ON COLUMN kobatela.audit_entries.actor IS
    'Who made the change: apikey:<id>, role:<role>[/user:<id>], or an actor a function names (psp).';
COMMENT ON COLUMN kobatela.audit_entries.action IS
    'The business reason of the change (its record''s, unless the change names its own, e.g. API_KEY_USED).';
COMMENT ON COLUMN kobatela.audit_entries.operation IS
    'INSERT, UPDATE, DELETE, TRUNCATE or EVENT (a fact that is no row change, e.g. a key''s use); NULL for rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_entries.change_no IS
    'Position of the change in its record: 1, 2, 3, ...';

CREATE FUNCTION kobatela.audit_history(entity text, entity_id bigint)
    RETURNS SETOF kobatela.audit_entries
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_history';
COMMENT ON FUNCTION kobatela.audit_history(text, bigint) IS
    'The changes of one row (entity = its table, entity_id = its id), oldest first, as audit_entries shows them to the caller.';
REVOKE ALL ON FUNCTION kobatela.audit_history(text, bigint) FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.audit_history(text, bigint) TO kobatela_anon, kobatela_support, kobatela_admin;
REVOKE ALL ON kobatela.audit_entries FROM PUBLIC;
GRANT SELECT ON kobatela.audit_entries TO kobatela_admin, kobatela_support, kobatela_anon;

COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: captures each change for the audit record of its API call (or transaction), and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';

-- Hot paths 4: psp_ref is a UUIDv7 (time-ordered), made in C++ (src/core/references.hpp).
COMMENT ON COLUMN kobatela.payments.psp_ref IS
    'Reference at the payment provider: PSP-<UUIDv7>, a millisecond timestamp then 74 random bits (time-ordered); webhooks match payments by it.';

-- Hot paths 6: the single-column CHECKs of the tables every hot path writes become domains
-- (sql/types.sql; docs/performance.md, "CHECK constraints"). The ledger view reads columns whose
-- type changes: it is dropped and made again as sql/ledger.sql makes it, with its grants
-- (sql/security.sql). Defaults are set again after each type change, as a fresh install sets them.
CREATE DOMAIN kobatela.positive_money AS numeric(18,2) CONSTRAINT positive_money_check CHECK (VALUE > 0);
CREATE DOMAIN kobatela.nonnegative_money AS numeric(18,2) CONSTRAINT nonnegative_money_check CHECK (VALUE >= 0);
-- ISO 4217 shape: 3 upper-case letters (which codes are accepted is the currencies table's).
CREATE DOMAIN kobatela.currency_code AS text CONSTRAINT currency_code_check CHECK (VALUE ~ '^[A-Z]{3}$');
-- Text that holds more than spaces, of at most N characters: kobatela.nonblank_text_N.
DO $$
DECLARE
    n integer;
BEGIN
    FOREACH n IN ARRAY ARRAY[50, 64, 100, 120, 128, 200] LOOP
        EXECUTE format('CREATE DOMAIN kobatela.nonblank_text_%s AS text CONSTRAINT nonblank_text_%s_check '
                       'CHECK (btrim(VALUE) <> '''' AND char_length(VALUE) <= %s)', n, n, n);
    END LOOP;
END $$;

DROP VIEW kobatela.ledger;

ALTER TABLE kobatela.escrow_agreements
    DROP CONSTRAINT escrow_agreements_amount_total_check,
    DROP CONSTRAINT escrow_agreements_currency_check,
    DROP CONSTRAINT escrow_agreements_deposited_amount_check,
    DROP CONSTRAINT escrow_agreements_paid_amount_check,
    DROP CONSTRAINT escrow_agreements_counters_check,
    DROP CONSTRAINT escrow_agreements_idempotency_key_check,
    ALTER COLUMN deposited_amount DROP DEFAULT,
    ALTER COLUMN paid_amount DROP DEFAULT,
    ALTER COLUMN refunded_amount DROP DEFAULT,
    ALTER COLUMN to_repay_amount DROP DEFAULT,
    ALTER COLUMN reserved_amount DROP DEFAULT,
    ALTER COLUMN amount_total TYPE kobatela.positive_money,
    ALTER COLUMN currency TYPE kobatela.currency_code,
    ALTER COLUMN deposited_amount TYPE kobatela.nonnegative_money,
    ALTER COLUMN paid_amount TYPE kobatela.nonnegative_money,
    ALTER COLUMN idempotency_key TYPE kobatela.nonblank_text_64,
    ALTER COLUMN refunded_amount TYPE kobatela.nonnegative_money,
    ALTER COLUMN to_repay_amount TYPE kobatela.nonnegative_money,
    ALTER COLUMN reserved_amount TYPE kobatela.nonnegative_money,
    ALTER COLUMN deposited_amount SET DEFAULT 0,
    ALTER COLUMN paid_amount SET DEFAULT 0,
    ALTER COLUMN refunded_amount SET DEFAULT 0,
    ALTER COLUMN to_repay_amount SET DEFAULT 0,
    ALTER COLUMN reserved_amount SET DEFAULT 0,
    ADD CONSTRAINT escrow_agreements_deposited_amount_check CHECK (deposited_amount <= amount_total);

ALTER TABLE kobatela.escrow_deposits
    DROP CONSTRAINT escrow_deposits_amount_check,
    DROP CONSTRAINT escrow_deposits_idempotency_key_check,
    ALTER COLUMN amount TYPE kobatela.positive_money,
    ALTER COLUMN idempotency_key TYPE kobatela.nonblank_text_64;

ALTER TABLE kobatela.escrow_events
    DROP CONSTRAINT escrow_events_kind_check,
    DROP CONSTRAINT escrow_events_idempotency_key_check,
    ALTER COLUMN kind TYPE kobatela.nonblank_text_50,
    ALTER COLUMN idempotency_key TYPE kobatela.nonblank_text_128;

ALTER TABLE kobatela.allowed_payees
    DROP CONSTRAINT allowed_payees_payee_ref_check,
    DROP CONSTRAINT allowed_payees_label_check,
    DROP CONSTRAINT allowed_payees_daily_limit_check,
    DROP CONSTRAINT allowed_payees_total_limit_check,
    DROP CONSTRAINT allowed_payees_spent_today_check,
    DROP CONSTRAINT allowed_payees_spent_total_check,
    ALTER COLUMN spent_today DROP DEFAULT,
    ALTER COLUMN spent_total DROP DEFAULT,
    ALTER COLUMN payee_ref TYPE kobatela.nonblank_text_120,
    ALTER COLUMN label TYPE kobatela.nonblank_text_200,
    ALTER COLUMN daily_limit TYPE kobatela.nonnegative_money,
    ALTER COLUMN total_limit TYPE kobatela.nonnegative_money,
    ALTER COLUMN spent_today TYPE kobatela.nonnegative_money,
    ALTER COLUMN spent_total TYPE kobatela.nonnegative_money,
    ALTER COLUMN spent_today SET DEFAULT 0,
    ALTER COLUMN spent_total SET DEFAULT 0;

ALTER TABLE kobatela.payments
    DROP CONSTRAINT payments_amount_check,
    DROP CONSTRAINT payments_psp_ref_check,
    DROP CONSTRAINT payments_idempotency_key_check,
    DROP CONSTRAINT payments_payout_key_check,
    ALTER COLUMN amount TYPE kobatela.positive_money,
    ALTER COLUMN psp_ref TYPE kobatela.nonblank_text_128,
    ALTER COLUMN idempotency_key TYPE kobatela.nonblank_text_128,
    ALTER COLUMN payout_key TYPE kobatela.nonblank_text_128;

ALTER TABLE kobatela.psp_webhook_events
    DROP CONSTRAINT psp_webhook_events_event_id_check,
    DROP CONSTRAINT psp_webhook_events_kind_check,
    ALTER COLUMN event_id TYPE kobatela.nonblank_text_100,
    ALTER COLUMN kind TYPE kobatela.nonblank_text_50;

ALTER TABLE kobatela.usage_mandates
    DROP CONSTRAINT usage_mandates_total_amount_check,
    DROP CONSTRAINT usage_mandates_currency_check,
    DROP CONSTRAINT usage_mandates_total_spent_check,
    ALTER COLUMN currency DROP DEFAULT,
    ALTER COLUMN total_spent DROP DEFAULT,
    ALTER COLUMN total_amount TYPE kobatela.positive_money,
    ALTER COLUMN currency TYPE kobatela.currency_code,
    ALTER COLUMN total_spent TYPE kobatela.nonnegative_money,
    ALTER COLUMN currency SET DEFAULT 'USD',
    ALTER COLUMN total_spent SET DEFAULT 0,
    ADD CONSTRAINT usage_mandates_total_spent_check CHECK (total_spent <= total_amount);

ALTER TABLE kobatela.purchases
    DROP CONSTRAINT purchases_amount_check,
    DROP CONSTRAINT purchases_currency_check,
    DROP CONSTRAINT purchases_idempotency_key_check,
    ALTER COLUMN currency DROP DEFAULT,
    ALTER COLUMN amount TYPE kobatela.positive_money,
    ALTER COLUMN currency TYPE kobatela.currency_code,
    ALTER COLUMN idempotency_key TYPE kobatela.nonblank_text_64,
    ALTER COLUMN currency SET DEFAULT 'USD';

-- The ledger again, exactly as sql/ledger.sql and sql/security.sql make it.
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

REVOKE ALL ON kobatela.ledger FROM PUBLIC;
GRANT SELECT ON kobatela.ledger TO kobatela_admin, kobatela_support, kobatela_anon;

-- Every index serves a named query (docs/performance.md, "Indexes and the queries they serve"):
-- these four served none, and each cost every spend, payout, purchase or webhook an index entry.
DROP INDEX kobatela.payments_status_idx, kobatela.escrow_events_kind_idx, kobatela.purchases_status_idx,
           kobatela.psp_webhook_events_kind_idx, kobatela.transactions_status_idx;
