-- tables_currencies.sql — the accepted currencies (issue 14; docs/reference.md, "Currencies").
-- Conventions (ids, timestamps, CHECK and index names): see the head of tables_identity.sql.
--
-- The table holds the admins' choices only: USD and EUR are accepted without a row (Kobatela's
-- built-in default, core/currencies.hpp), so CREATE EXTENSION writes no row. A row enables or
-- disables its code whatever the default says. Written by enable_currency / disable_currency.
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
