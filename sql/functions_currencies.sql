-- Currencies (src/api/currencies.cpp): admins enable and disable codes; every scope lists them.

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
