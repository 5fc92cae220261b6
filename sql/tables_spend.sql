-- tables_spend.sql — spend catalogue, usage mandates, allowed usages, purchases and their refunds.
-- Conventions (ids, timestamps, money, CHECK and index names): see the head of tables_identity.sql.
-- Order follows the foreign keys: categories, merchants, mandates, usages, purchases, refunds. (Allowed payees
-- belong to escrows and live in tables_escrow.sql, before the payments that reference them.)

-- ---------------------------------------------------------------------------------------------
-- spend_categories
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.spend_categories (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL,
    label       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT spend_categories_code_check  CHECK (btrim(code) <> '' AND char_length(code) <= 64),
    CONSTRAINT spend_categories_label_check CHECK (btrim(label) <> '' AND char_length(label) <= 255),
    CONSTRAINT spend_categories_code_key    UNIQUE (code)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.spend_categories
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.spend_categories IS
    'Spending categories (e.g. FOOD, PHARMACY) that mandates and usage rules refer to.';
COMMENT ON COLUMN kobatela.spend_categories.code IS
    'Stable code, unique (case-sensitive).';

-- ---------------------------------------------------------------------------------------------
-- merchants
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.merchants (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL,
    category_id   bigint      REFERENCES kobatela.spend_categories (id),
    is_certified  boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT merchants_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 255),
    CONSTRAINT merchants_name_key   UNIQUE (name)
);

CREATE INDEX merchants_category_id_idx ON kobatela.merchants (category_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.merchants
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.merchants IS
    'Merchants where mandate beneficiaries can make purchases.';
COMMENT ON COLUMN kobatela.merchants.category_id IS
    'Default category of a purchase at this merchant.';
COMMENT ON COLUMN kobatela.merchants.is_certified IS
    'A certified merchant accepts purchases without an allowed-usage rule.';

-- ---------------------------------------------------------------------------------------------
-- usage_mandates
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.usage_mandates (
    id                   bigint                  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender_id            bigint                  NOT NULL REFERENCES kobatela.users (id),
    beneficiary_id       bigint                  NOT NULL REFERENCES kobatela.users (id),
    total_amount         kobatela.positive_money NOT NULL,
    currency             kobatela.currency_code  NOT NULL DEFAULT 'USD',
    allowed_category_id  bigint                  REFERENCES kobatela.spend_categories (id),
    allowed_merchant_id  bigint                  REFERENCES kobatela.merchants (id),
    expires_at           timestamptz             NOT NULL,
    status               kobatela.mandate_status NOT NULL DEFAULT 'ACTIVE',
    total_spent          kobatela.nonnegative_money NOT NULL DEFAULT 0,
    created_at           timestamptz             NOT NULL DEFAULT now(),
    updated_at           timestamptz             NOT NULL DEFAULT now(),

    -- Backstop of the atomic consume UPDATE: a mandate can never be overspent. (The single-column
    -- rules are the columns' domains: types.sql; every purchase updates this row.)
    CONSTRAINT usage_mandates_total_spent_check  CHECK (total_spent <= total_amount)
);

-- At most one ACTIVE mandate per (sender, beneficiary, currency): ACTIVE_MANDATE_EXISTS.
CREATE UNIQUE INDEX usage_mandates_active_key
    ON kobatela.usage_mandates (sender_id, beneficiary_id, currency)
    WHERE status = 'ACTIVE';
-- Purchase lookup of the covering mandate (also the sender_id foreign-key index).
CREATE INDEX usage_mandates_lookup_idx
    ON kobatela.usage_mandates (sender_id, beneficiary_id, currency, status, expires_at);
-- expire_mandates(): status = 'ACTIVE' AND expires_at <= now().
CREATE INDEX usage_mandates_status_expires_at_idx ON kobatela.usage_mandates (status, expires_at);
-- A party's mandates, newest first (list_mandates).
CREATE INDEX usage_mandates_sender_id_id_idx        ON kobatela.usage_mandates (sender_id, id);
CREATE INDEX usage_mandates_beneficiary_id_id_idx   ON kobatela.usage_mandates (beneficiary_id, id);
CREATE INDEX usage_mandates_allowed_category_id_idx ON kobatela.usage_mandates (allowed_category_id);
CREATE INDEX usage_mandates_allowed_merchant_id_idx ON kobatela.usage_mandates (allowed_merchant_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.usage_mandates
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.usage_mandates IS
    'Spending mandates: a sender funds purchases by a beneficiary, up to an amount, until a date.';
COMMENT ON COLUMN kobatela.usage_mandates.sender_id IS
    'Who grants (and funds) the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.beneficiary_id IS
    'Who may spend under the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.total_amount IS
    'Ceiling of all purchases under the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.allowed_category_id IS
    'When set, purchases must be in this category.';
COMMENT ON COLUMN kobatela.usage_mandates.allowed_merchant_id IS
    'When set, purchases must be at this merchant.';
COMMENT ON COLUMN kobatela.usage_mandates.expires_at IS
    'ACTIVE mandates past this instant are set EXPIRED by expire_mandates().';
COMMENT ON COLUMN kobatela.usage_mandates.status IS
    'ACTIVE until expired, or CONSUMED when total_spent reaches total_amount (ACTIVE again when a refund gives money back, unless it expired or another mandate of the pair is ACTIVE).';
COMMENT ON COLUMN kobatela.usage_mandates.total_spent IS
    'Sum of the purchases made under the mandate, less their refunds.';

-- ---------------------------------------------------------------------------------------------
-- allowed_usages
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.allowed_usages (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id     bigint      NOT NULL REFERENCES kobatela.users (id),
    merchant_id  bigint      REFERENCES kobatela.merchants (id),
    category_id  bigint      REFERENCES kobatela.spend_categories (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    sender_id    bigint      REFERENCES kobatela.users (id),

    -- Exactly one target: a merchant or a category (INVALID_USAGE_RULE).
    CONSTRAINT allowed_usages_target_check CHECK (num_nonnulls(merchant_id, category_id) = 1)
);

-- One rule per (beneficiary, whose money, target); NULLS NOT DISTINCT makes the platform's rules
-- (sender_id NULL) one set too. Partial: each index holds the rules whose target it names.
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_merchant_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, merchant_id) NULLS NOT DISTINCT WHERE merchant_id IS NOT NULL;
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_category_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, category_id) NULLS NOT DISTINCT WHERE category_id IS NOT NULL;
CREATE INDEX allowed_usages_merchant_id_idx ON kobatela.allowed_usages (merchant_id);
CREATE INDEX allowed_usages_category_id_idx ON kobatela.allowed_usages (category_id);
CREATE INDEX allowed_usages_sender_id_idx   ON kobatela.allowed_usages (sender_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.allowed_usages
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.allowed_usages IS
    'Where a beneficiary may spend: one merchant or one category per row.';
COMMENT ON COLUMN kobatela.allowed_usages.owner_id IS
    'The beneficiary the rule allows.';
COMMENT ON COLUMN kobatela.allowed_usages.sender_id IS
    'Whose money the rule lets out: purchases under this sender''s mandates only; NULL: a platform rule, for every sender''s mandates.';

-- ---------------------------------------------------------------------------------------------
-- purchases
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.purchases (
    id               bigint                   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    beneficiary_id   bigint                   NOT NULL REFERENCES kobatela.users (id),
    merchant_id      bigint                   NOT NULL REFERENCES kobatela.merchants (id),
    category_id      bigint                   REFERENCES kobatela.spend_categories (id),
    amount           kobatela.positive_money  NOT NULL,
    currency         kobatela.currency_code   NOT NULL DEFAULT 'USD',
    status           kobatela.purchase_status NOT NULL DEFAULT 'COMPLETED',
    idempotency_key  kobatela.nonblank_text_64,
    mandate_id       bigint                   REFERENCES kobatela.usage_mandates (id),
    created_at       timestamptz              NOT NULL DEFAULT now(),
    updated_at       timestamptz              NOT NULL DEFAULT now(),
    idempotency_owner bigint
    -- (its rules are its columns' domains: types.sql)
);

-- Unique per owner, as transactions (tables_identity.sql) explains.
CREATE UNIQUE INDEX purchases_idempotency_key_idempotency_owner_key
    ON kobatela.purchases (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;

CREATE INDEX purchases_mandate_id_id_idx  ON kobatela.purchases (mandate_id, id);  -- also list_purchases
CREATE INDEX purchases_created_at_idx  ON kobatela.purchases USING brin (created_at) WITH (autosummarize = on);  -- as payments'
CREATE INDEX purchases_beneficiary_id_id_idx ON kobatela.purchases (beneficiary_id, id);
CREATE INDEX purchases_merchant_id_idx ON kobatela.purchases (merchant_id);
CREATE INDEX purchases_category_id_idx ON kobatela.purchases (category_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.purchases
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.purchases IS
    'Purchases by mandate beneficiaries at merchants, each consuming a mandate.';
COMMENT ON COLUMN kobatela.purchases.beneficiary_id IS
    'The beneficiary who bought (the money is the sender''s of mandate_id). Named sender_id before 0.5.0.';
COMMENT ON COLUMN kobatela.purchases.category_id IS
    'Category of the purchase: the one given, else the merchant''s.';
COMMENT ON COLUMN kobatela.purchases.idempotency_key IS
    'Client key, unique per idempotency_owner; a replay returns the stored purchase.';
COMMENT ON COLUMN kobatela.purchases.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.purchases.mandate_id IS
    'Mandate the purchase consumed.';

-- ---------------------------------------------------------------------------------------------
-- purchase_refunds (0.6.0, issue 14 part 2)
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

-- Unique per owner, as transactions (tables_identity.sql) explains.
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
