-- Kobatela 0.5.0 → 0.6.0: money is conserved (issue 14), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.5.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.6.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.6.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- create_escrow takes an idempotency key (issue 14, part 8): a retried call returns the escrow it
-- created instead of a second one. Keys are unique per owner, as the other keyed tables'. An
-- overload carries the key, so the contract's six-argument signature stays as it was.
-- (create_user and add_milestone need none: a retry cannot duplicate them, it is refused with
-- USER_EXISTS or MILESTONE_EXISTS; docs/reference.md, "Idempotency".)
-- ---------------------------------------------------------------------------------------------
ALTER TABLE kobatela.escrow_agreements
    ADD COLUMN idempotency_key text,
    ADD COLUMN idempotency_owner bigint,
    ADD CONSTRAINT escrow_agreements_idempotency_key_check
        CHECK (btrim(idempotency_key) <> '' AND char_length(idempotency_key) <= 64);
CREATE UNIQUE INDEX escrow_agreements_idempotency_key_idempotency_owner_key
    ON kobatela.escrow_agreements (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_key IS
    'Client key of create_escrow, unique per idempotency_owner; a replay returns the stored escrow.';
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';

CREATE FUNCTION kobatela.create_escrow(client_id bigint, provider_id bigint, amount_total numeric, currency text,
                                       release_conditions jsonb, deadline_at timestamptz, idempotency_key text)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_escrow';
COMMENT ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text) IS
    'create_escrow under an idempotency key: a replay with the same terms returns the escrow it created; other terms are IDEMPOTENCY_CONFLICT.';
-- Its privileges, as sql/security.sql's rule for a business write gives them.
REVOKE ALL ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text)
    TO kobatela_anon, kobatela_sender, kobatela_admin;

-- Currencies with minor units (issue 14, part 4; docs/operations.md, "Upgrading to 0.6.0").
-- kobatela.currencies holds the admins' choices (USD and EUR stay accepted without a row), minor
-- units come from ICU's CLDR data, and the 0.5.0 setting kobatela.currencies is migrated below,
-- then ignored (it stays defined, so that a configuration file naming it still loads).
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION kobatela.currencies_changed() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_currencies_changed';
COMMENT ON FUNCTION kobatela.currencies_changed() IS
    'AFTER statement trigger on currencies: invalidates every backend''s cache of the accepted currencies.';

CREATE TABLE kobatela.currencies (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text        NOT NULL,
    minor_units  smallint    NOT NULL,
    enabled      boolean     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT currencies_code_check        CHECK (code ~ '^[A-Z]{3}$'),
    CONSTRAINT currencies_minor_units_check CHECK (minor_units BETWEEN 0 AND 2),
    CONSTRAINT currencies_code_key          UNIQUE (code)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.currencies
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();
CREATE TRIGGER currencies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kobatela.currencies
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.currencies_changed();

COMMENT ON TABLE kobatela.currencies IS
    'Admins'' choices of accepted ISO 4217 currencies; USD and EUR are accepted without a row. Written by enable_currency and disable_currency.';
COMMENT ON COLUMN kobatela.currencies.minor_units IS
    'Decimals of the currency, from ICU''s CLDR data when it was enabled (0 refuses fractional amounts).';
COMMENT ON COLUMN kobatela.currencies.enabled IS
    'true: accepted for new transactions, escrows, mandates and purchases; false: refused (INVALID_CURRENCY).';

CREATE FUNCTION kobatela.enable_currency(code text)
    RETURNS kobatela.currencies
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_enable_currency';
COMMENT ON FUNCTION kobatela.enable_currency(text) IS
    'Accepts a current ISO 4217 currency from now on, with ICU''s minor units; CURRENCY_NOT_SUPPORTED when ICU does not know it or it has 3 decimals or more.';

CREATE FUNCTION kobatela.disable_currency(code text)
    RETURNS kobatela.currencies
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_disable_currency';
COMMENT ON FUNCTION kobatela.disable_currency(text) IS
    'Refuses a currency for new objects from now on (existing escrows and mandates carry on); INVALID_CURRENCY when it is not enabled.';

CREATE FUNCTION kobatela.list_currencies()
    RETURNS TABLE (code text, minor_units integer, enabled boolean, source text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_currencies';
COMMENT ON FUNCTION kobatela.list_currencies() IS
    'The accepted and the disabled currencies with their minor units, by code; source default (built in) or admin (a row).';

SELECT pg_catalog.pg_extension_config_dump('kobatela.currencies'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('kobatela.currencies', 'id')::regclass, '');

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON kobatela.currencies
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();
CREATE TRIGGER audit_truncate AFTER TRUNCATE ON kobatela.currencies
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row();

-- security.sql's rules: enable/disable are 'admin', list_currencies 'read', the trigger nobody's.
REVOKE ALL ON FUNCTION kobatela.enable_currency(text)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.enable_currency(text) TO kobatela_anon, kobatela_admin;
REVOKE ALL ON FUNCTION kobatela.disable_currency(text)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.disable_currency(text) TO kobatela_anon, kobatela_admin;
REVOKE ALL ON FUNCTION kobatela.list_currencies()
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.list_currencies()
    TO kobatela_anon, kobatela_sender, kobatela_support, kobatela_admin;
REVOKE ALL ON FUNCTION kobatela.currencies_changed()
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
REVOKE ALL ON kobatela.currencies FROM PUBLIC;
REVOKE ALL ON SEQUENCE kobatela.currencies_id_seq FROM PUBLIC;
GRANT SELECT ON kobatela.currencies TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
ALTER TABLE kobatela.currencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE kobatela.currencies FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_scope ON kobatela.currencies FOR SELECT USING ((SELECT kobatela.current_scope()) IS NOT NULL);

-- The 0.5.0 setting, as this session sees it (postgresql.conf, ALTER SYSTEM, ALTER DATABASE or
-- ROLE ... SET): the codes it lists beyond USD and EUR are enabled (with ICU's minor units), the
-- default codes it leaves out disabled. A code 0.6.0 cannot enable (unknown to ICU, or 3 decimals)
-- stops the update, naming it.
DO $$
DECLARE
    setting constant text := current_setting('kobatela.currencies', true);
    listed text[];
    code text;
    failure text;
    failure_detail text;
BEGIN
    SELECT coalesce(array_agg(DISTINCT upper(btrim(c))) FILTER (WHERE btrim(c) <> ''), '{}')
      INTO listed FROM unnest(string_to_array(coalesce(setting, 'USD,EUR'), ',')) AS c;
    IF listed @> ARRAY['USD', 'EUR'] AND listed <@ ARRAY['USD', 'EUR'] THEN
        RETURN;  -- the default: nothing to migrate
    END IF;
    FOREACH code IN ARRAY listed LOOP
        CONTINUE WHEN code IN ('USD', 'EUR');
        BEGIN
            PERFORM kobatela.enable_currency(code);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS failure = MESSAGE_TEXT, failure_detail = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION 'kobatela 0.6.0 cannot migrate kobatela.currencies: % for %', failure, code
                USING DETAIL = failure_detail,
                      HINT = 'Remove the code from kobatela.currencies (and reload), then update again; '
                             'docs/operations.md, section "Upgrading to 0.6.0".';
        END;
    END LOOP;
    FOREACH code IN ARRAY ARRAY['USD', 'EUR'] LOOP
        CONTINUE WHEN code = ANY (listed);
        PERFORM kobatela.disable_currency(code);
    END LOOP;
    RAISE NOTICE 'kobatela.currencies = ''%'' migrated to the table kobatela.currencies; 0.6.0 ignores the setting: remove it', setting;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Release and refund move money (issue 14, parts 1-3 and 7; docs/operations.md, "Upgrading to
-- 0.6.0"). Payments get a kind (what they pay, and so to whom) and may retry a failed payment;
-- escrows count their refunds, the money of failed payments still to be repaid, and the money
-- their open milestones reserve. Milestones get the statuses that close them when their escrow ends.
-- ---------------------------------------------------------------------------------------------
ALTER TYPE kobatela.milestone_status ADD VALUE 'RELEASED';
ALTER TYPE kobatela.milestone_status ADD VALUE 'CANCELLED';
CREATE TYPE kobatela.payment_kind AS ENUM ('MILESTONE', 'PAYEE', 'RELEASE', 'REFUND');

-- Added without a default, filled, then given it: a constant default on a table with rows would be
-- a "missing value" of the catalogue that a fresh install does not have.
ALTER TABLE kobatela.escrow_agreements
    ADD COLUMN refunded_amount numeric(18,2),
    ADD COLUMN to_repay_amount numeric(18,2),
    ADD COLUMN reserved_amount numeric(18,2);
ALTER TABLE kobatela.payments
    ADD COLUMN kind kobatela.payment_kind,
    ADD COLUMN retry_of bigint REFERENCES kobatela.payments (id);
CREATE UNIQUE INDEX payments_retry_of_key ON kobatela.payments (retry_of) WHERE retry_of IS NOT NULL;

ALTER TABLE kobatela.payments DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_agreements DISABLE TRIGGER touch_updated_at;
-- Every 0.5.0 payment paid a milestone or a payee; one made by hand with neither is read as a release.
UPDATE kobatela.payments
   SET kind = CASE WHEN milestone_id IS NOT NULL THEN 'MILESTONE'
                   WHEN payee_id IS NOT NULL THEN 'PAYEE'
                   ELSE 'RELEASE' END::kobatela.payment_kind;
-- 0.5.0 gave a failed payment's money back to its escrow's balance. 0.6.0 keeps it apart, to be
-- repaid; the failures of 0.5.0 keep what happened to them: their money went back (REFUNDED).
UPDATE kobatela.payments SET status = 'REFUNDED' WHERE status = 'ERROR';
-- Nothing was refunded or is to be repaid yet; open milestones reserve their money on the escrows
-- still open.
UPDATE kobatela.escrow_agreements e
   SET refunded_amount = 0, to_repay_amount = 0,
       reserved_amount = CASE WHEN e.status IN ('DRAFT', 'FUNDED', 'RELEASABLE') THEN
           (SELECT coalesce(sum(m.amount), 0) FROM kobatela.milestones m WHERE m.escrow_id = e.id
             AND m.status IN ('WAITING', 'PENDING_REVIEW', 'APPROVED', 'PAYING')) ELSE 0 END;
-- 0.5.0 released, refunded and cancelled escrows without moving their money: what they still hold
-- becomes a PENDING payment (a release to the provider; a refund to the client of a rejected or
-- cancelled escrow), which the client or an admin sends with execute_payment. Until then the ended
-- escrow holds exactly its PENDING payments, which check_invariants() accepts.
INSERT INTO kobatela.payments (escrow_id, amount, status, kind, payout_key)
SELECT id, deposited_amount - paid_amount, 'PENDING',
       CASE WHEN status = 'RELEASED' THEN 'RELEASE' ELSE 'REFUND' END::kobatela.payment_kind,
       'upgrade-0.6.0:escrow:' || id
  FROM kobatela.escrow_agreements
 WHERE status IN ('RELEASED', 'REFUNDED', 'CANCELLED') AND deposited_amount > paid_amount
 ORDER BY id;
ALTER TABLE kobatela.payments ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_agreements ENABLE TRIGGER touch_updated_at;

ALTER TABLE kobatela.escrow_agreements
    ALTER COLUMN refunded_amount SET DEFAULT 0, ALTER COLUMN refunded_amount SET NOT NULL,
    ALTER COLUMN to_repay_amount SET DEFAULT 0, ALTER COLUMN to_repay_amount SET NOT NULL,
    ALTER COLUMN reserved_amount SET DEFAULT 0, ALTER COLUMN reserved_amount SET NOT NULL,
    ADD CONSTRAINT escrow_agreements_counters_check
        CHECK (refunded_amount >= 0 AND to_repay_amount >= 0 AND reserved_amount >= 0);
ALTER TABLE kobatela.payments
    DROP CONSTRAINT payments_target_check,   -- implied by payments_kind_check
    ALTER COLUMN kind SET NOT NULL,
    ADD CONSTRAINT payments_kind_check
        CHECK ((kind = 'MILESTONE') = (milestone_id IS NOT NULL) AND (kind = 'PAYEE') = (payee_id IS NOT NULL));

-- The comments of what changed, as sql/tables_escrow.sql has them.
COMMENT ON COLUMN kobatela.escrow_agreements.paid_amount IS
    'Sum of the escrow''s SENT and SETTLED payments to the provider and payees (kinds MILESTONE, PAYEE, RELEASE).';
COMMENT ON COLUMN kobatela.escrow_agreements.refunded_amount IS
    'Sum of the escrow''s SENT and SETTLED refunds to the client (kind REFUND).';
COMMENT ON COLUMN kobatela.escrow_agreements.to_repay_amount IS
    'Money of failed payments (ERROR, not retried) owed to their beneficiaries: "to be repaid" by retry_payment, never spendable again.';
COMMENT ON COLUMN kobatela.escrow_agreements.reserved_amount IS
    'Sum of the escrow''s open milestones: money promised to the provider, which payee spends cannot take.';
COMMENT ON COLUMN kobatela.payments.kind IS
    'What the payment pays: MILESTONE and RELEASE to the provider, PAYEE to an allowed payee, REFUND to the client.';
COMMENT ON COLUMN kobatela.payments.retry_of IS
    'The failed (ERROR) payment this one pays again (retry_payment); NULL for a first payment.';
COMMENT ON COLUMN kobatela.payments.milestone_id IS
    'The milestone paid (kind MILESTONE); NULL otherwise.';
COMMENT ON COLUMN kobatela.payments.payee_id IS
    'The allowed payee paid by spend() (kind PAYEE); NULL otherwise.';
COMMENT ON COLUMN kobatela.payments.status IS
    'SENT and SETTLED payments count against the escrow balance; an ERROR one''s amount is to be repaid.';
COMMENT ON TABLE kobatela.payments IS
    'Money leaving an escrow: a milestone''s payout, an allowed-payee spend, a release or a refund.';

-- retry_payment: a failed payment paid again; privileges as sql/security.sql gives a business write.
CREATE FUNCTION kobatela.retry_payment(payment_id bigint)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_retry_payment';
COMMENT ON FUNCTION kobatela.retry_payment(bigint) IS
    'Pays a failed (ERROR) payment again with a new SENT payment from the money it left to be repaid; a payment already retried returns its retry.';
REVOKE ALL ON FUNCTION kobatela.retry_payment(bigint)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.retry_payment(bigint) TO kobatela_anon, kobatela_sender, kobatela_admin;

-- ---------------------------------------------------------------------------------------------
-- Counters that cannot drift (issue 14, part 6; docs/operations.md, "Correcting the books by
-- hand"): the audit trigger (same function, new library) refuses writes to money rows made outside
-- Kobatela's functions, and correct_payment is the admin's way to record what the PSP says.
-- ---------------------------------------------------------------------------------------------
COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: appends one hash-chained audit_log row per change, and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';

CREATE FUNCTION kobatela.correct_payment(payment_id bigint, status kobatela.payment_status, reason text)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_correct_payment';
COMMENT ON FUNCTION kobatela.correct_payment(bigint, kobatela.payment_status, text) IS
    'Admin only: records that the PSP settled (SETTLED) or failed (ERROR) a payment when no webhook will come, as the webhook would; audited PAYMENT_CORRECTED with the reason. Idempotent.';

-- security.sql's rule for an 'admin' function.
REVOKE ALL ON FUNCTION kobatela.correct_payment(bigint, kobatela.payment_status, text)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.correct_payment(bigint, kobatela.payment_status, text)
    TO kobatela_anon, kobatela_admin;

-- ---------------------------------------------------------------------------------------------
-- Purchases can be refunded (issue 14, part 2): refund_purchase, by the merchant's side (the
-- platform, scope admin), gives the amount back to the purchase's mandate; a CONSUMED mandate
-- that has money again is ACTIVE again unless it expired or another mandate of its sender,
-- beneficiary and currency is ACTIVE. As sql/tables_spend.sql, functions_spend.sql, dump_config.sql,
-- audit.sql and security.sql declare them.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.purchase_refunds (
    id                bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purchase_id       bigint        NOT NULL REFERENCES kobatela.purchases (id),
    mandate_id        bigint        NOT NULL REFERENCES kobatela.usage_mandates (id),
    amount            numeric(18,2) NOT NULL,
    currency          text          NOT NULL,
    reason            text          NOT NULL,
    idempotency_key   text,
    idempotency_owner bigint,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now(),

    CONSTRAINT purchase_refunds_amount_check   CHECK (amount > 0),
    CONSTRAINT purchase_refunds_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT purchase_refunds_reason_check   CHECK (btrim(reason) <> '' AND char_length(reason) <= 1000),
    CONSTRAINT purchase_refunds_idempotency_key_check
        CHECK (btrim(idempotency_key) <> '' AND char_length(idempotency_key) <= 64)
);

CREATE UNIQUE INDEX purchase_refunds_idempotency_key_idempotency_owner_key
    ON kobatela.purchase_refunds (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX purchase_refunds_purchase_id_idx ON kobatela.purchase_refunds (purchase_id);
CREATE INDEX purchase_refunds_mandate_id_idx  ON kobatela.purchase_refunds (mandate_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.purchase_refunds
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.purchase_refunds IS
    'Refunds of purchases by the merchant''s side (refund_purchase), each giving its amount back to the purchase''s mandate; a purchase''s refunds never exceed it.';
COMMENT ON COLUMN kobatela.purchase_refunds.mandate_id IS
    'The purchase''s mandate, whose total_spent the refund lowered.';
COMMENT ON COLUMN kobatela.purchase_refunds.currency IS
    'The purchase''s currency.';
COMMENT ON COLUMN kobatela.purchase_refunds.reason IS
    'Why the merchant refunded, as given (1 to 1000 characters).';
COMMENT ON COLUMN kobatela.purchase_refunds.idempotency_key IS
    'Client key, unique per idempotency_owner; a replay returns the stored refund.';
COMMENT ON COLUMN kobatela.purchase_refunds.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.purchase_refunds.created_at IS
    'When the refund was decided, under its mandate''s lock.';
COMMENT ON COLUMN kobatela.usage_mandates.status IS
    'ACTIVE until expired, or CONSUMED when total_spent reaches total_amount (ACTIVE again when a refund gives money back, unless it expired or another mandate of the pair is ACTIVE).';
COMMENT ON COLUMN kobatela.usage_mandates.total_spent IS
    'Sum of the purchases made under the mandate, less their refunds.';

SELECT pg_catalog.pg_extension_config_dump('kobatela.purchase_refunds'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('kobatela.purchase_refunds', 'id')::regclass, '');

CREATE FUNCTION kobatela.refund_purchase(purchase_id bigint, amount numeric, reason text,
                                         idempotency_key text DEFAULT NULL)
    RETURNS kobatela.purchase_refunds
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_refund_purchase';
COMMENT ON FUNCTION kobatela.refund_purchase(bigint, numeric, text, text) IS
    'Refunds all or part of a purchase for the merchant (scope admin) and gives the amount back to its mandate; the refunds never exceed the purchase; idempotent by key.';

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON kobatela.purchase_refunds
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();
CREATE TRIGGER audit_truncate AFTER TRUNCATE ON kobatela.purchase_refunds
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row();

-- security.sql's rules: refund_purchase is 'admin'; the table is read as purchases are ('all':
-- a key bound to a user sees the refunds of the purchases it sees).
REVOKE ALL ON FUNCTION kobatela.refund_purchase(bigint, numeric, text, text)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.refund_purchase(bigint, numeric, text, text) TO kobatela_anon, kobatela_admin;
REVOKE ALL ON kobatela.purchase_refunds FROM PUBLIC;
REVOKE ALL ON SEQUENCE kobatela.purchase_refunds_id_seq FROM PUBLIC;
GRANT SELECT ON kobatela.purchase_refunds TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
ALTER TABLE kobatela.purchase_refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE kobatela.purchase_refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_scope ON kobatela.purchase_refunds FOR SELECT USING (
    CASE (SELECT kobatela.current_scope()) WHEN 'admin' THEN true WHEN 'support' THEN true
    WHEN 'sender' THEN (SELECT kobatela.current_user_id()) IS NULL OR (
        EXISTS (SELECT 1 FROM kobatela.purchases p WHERE p.id = purchase_id AND p.beneficiary_id = (SELECT kobatela.current_user_id()))
        OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = (SELECT kobatela.current_user_id())))
    ELSE false END);

-- ---------------------------------------------------------------------------------------------
-- The books (sql/ledger.sql, as it is there; its grants as sql/security.sql gives them)
-- ---------------------------------------------------------------------------------------------
CREATE VIEW kobatela.ledger WITH (security_invoker = true) AS
SELECT posting.*
FROM (
    -- deposit d: escrow:<e> <- external:<client>
    SELECT 'deposit:' || d.id AS posting_id, d.created_at AS at, 'DEPOSIT' AS movement,
           'escrow:' || e.id AS debit_account, 'external:' || e.client_id AS credit_account,
           d.amount, e.currency, 'escrow_deposits' AS source_table, d.id AS source_id
    FROM kobatela.escrow_deposits d JOIN kobatela.escrow_agreements e ON e.id = d.escrow_id
  UNION ALL
    -- payment p sent (every status but PENDING and 0.5.0's REFUNDED): psp:in_flight <- escrow:<e>,
    -- when the escrow's event naming it says it left
    SELECT 'payment:' || p.id || ':sent', coalesce(sent.at, p.created_at), 'PAYMENT_SENT',
           'psp:in_flight', 'escrow:' || p.escrow_id, p.amount, e.currency, 'payments', p.id
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
           'psp:in_flight', p.amount, e.currency, 'payments', p.id
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN kobatela.payments retry ON retry.retry_of = p.id
    WHERE p.status IN ('SETTLED', 'ERROR')
  UNION ALL
    -- purchase u under a mandate: merchant:<m> <- mandate:<u.mandate_id> (a purchase refund is the
    -- opposite posting, mandate:<m> <- merchant:<m>, movement PURCHASE_REFUND)
    SELECT 'purchase:' || u.id, u.created_at, 'PURCHASE', 'merchant:' || u.merchant_id, 'mandate:' || u.mandate_id,
           u.amount, u.currency, 'purchases', u.id
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

REVOKE ALL ON kobatela.ledger FROM PUBLIC;
GRANT SELECT ON kobatela.ledger TO kobatela_admin, kobatela_support, kobatela_anon;
REVOKE ALL ON FUNCTION kobatela.check_invariants()
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.check_invariants() TO kobatela_anon, kobatela_support, kobatela_admin;
