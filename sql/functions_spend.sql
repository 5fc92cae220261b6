-- Conditional spending: the merchant catalogue, usage mandates, purchases and their refunds
-- (src/api/catalogue.cpp, src/api/mandates.cpp, src/api/purchases.cpp), and spends from an escrow to allowed payees
-- (src/api/allowed_payees.cpp, spend.cpp). All run as the extension owner with a pinned search_path: they check the
-- caller's scope and party themselves (docs/security.md).

CREATE FUNCTION kobatela.create_spend_category(code text, label text)
    RETURNS kobatela.spend_categories
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_spend_category';
COMMENT ON FUNCTION kobatela.create_spend_category(text, text) IS
    'A spending category (e.g. GROCERIES); CATEGORY_EXISTS when the code is taken.';

CREATE FUNCTION kobatela.create_merchant(name text, category_id bigint DEFAULT NULL, is_certified boolean DEFAULT false)
    RETURNS kobatela.merchants
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_merchant';
COMMENT ON FUNCTION kobatela.create_merchant(text, bigint, boolean) IS
    'A merchant with its default purchase category; a certified one needs no allowed-usage rule.';

CREATE FUNCTION kobatela.allow_usage(owner_id bigint, merchant_id bigint DEFAULT NULL, category_id bigint DEFAULT NULL,
                                     sender_id bigint DEFAULT NULL)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_allow_usage';
COMMENT ON FUNCTION kobatela.allow_usage(bigint, bigint, bigint, bigint) IS
    'Lets a beneficiary spend at one merchant or in one category, with sender_id''s mandates (a key bound to a user: its own) or, NULL, every sender''s: ''added'', or ''exists''.';

CREATE FUNCTION kobatela.create_mandate(sender_id bigint, beneficiary_id bigint, total_amount numeric,
                                        currency text DEFAULT 'USD', allowed_category_id bigint DEFAULT NULL,
                                        allowed_merchant_id bigint DEFAULT NULL, expires_at timestamptz DEFAULT NULL)
    RETURNS kobatela.usage_mandates
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_mandate';
COMMENT ON FUNCTION kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz) IS
    'An ACTIVE mandate: the beneficiary may spend up to total_amount until expires_at (default: 30 days).';

CREATE FUNCTION kobatela.expire_mandates()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_expire_mandates';
COMMENT ON FUNCTION kobatela.expire_mandates() IS
    'Sets EXPIRED every ACTIVE mandate past its expiry, each once; returns how many. Safe to run concurrently.';

CREATE FUNCTION kobatela.create_purchase(sender_id bigint, merchant_id bigint, amount numeric,
                                         currency text DEFAULT 'USD', category_id bigint DEFAULT NULL,
                                         beneficiary_id bigint DEFAULT NULL, idempotency_key text DEFAULT NULL)
    RETURNS kobatela.purchases
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_purchase';
COMMENT ON FUNCTION kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text) IS
    'A purchase under the sender''s mandate for the beneficiary, consuming it atomically; idempotent by key.';

CREATE FUNCTION kobatela.refund_purchase(purchase_id bigint, amount numeric, reason text,
                                         idempotency_key text DEFAULT NULL)
    RETURNS kobatela.purchase_refunds
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_refund_purchase';
COMMENT ON FUNCTION kobatela.refund_purchase(bigint, numeric, text, text) IS
    'Refunds all or part of a purchase for the merchant (scope admin) and gives the amount back to its mandate; the refunds never exceed the purchase; idempotent by key.';

CREATE FUNCTION kobatela.add_allowed_payee(escrow_id bigint, payee_ref text, label text,
                                           daily_limit numeric DEFAULT NULL, total_limit numeric DEFAULT NULL)
    RETURNS kobatela.allowed_payees
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_allowed_payee';
COMMENT ON FUNCTION kobatela.add_allowed_payee(bigint, text, text, numeric, numeric) IS
    'Lets the escrow pay payee_ref by spend(), within optional daily (UTC day) and total limits.';

CREATE FUNCTION kobatela.spend(escrow_id bigint, payee_ref text, amount numeric, note text DEFAULT NULL,
                               idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_spend';
COMMENT ON FUNCTION kobatela.spend(bigint, text, numeric, text, text, jsonb) IS
    'Pays an allowed payee out of the escrow (SENT) within its limits and the balance; idempotent by key; the payment carries the application''s metadata.';
