-- Currencies with their minor units (0.6.0, issue 14 part 4, src/api/currencies.cpp): the built-in
-- USD and EUR, what an admin enables (minor units from ICU's CLDR data), amounts refused when they
-- are finer than the currency's minor unit, disabling, the audit trail, and the trigger that resets
-- every backend's cache. Ends with the table empty again: the suites after it use the defaults.
SELECT code, minor_units, enabled, source FROM kobatela.list_currencies();

-- The currencies Kobatela's users send and receive: enabled with ICU's minor units (XOF, XAF: none).
SELECT code, minor_units, enabled FROM kobatela.enable_currency('GBP');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('cad');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('XOF');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('XAF');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('GHS');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('NGN');
SELECT code, minor_units, enabled FROM kobatela.enable_currency('MAD');
SELECT t.row_counts() AS before_again \gset
SELECT code, minor_units, enabled FROM kobatela.enable_currency('XOF');  -- again: nothing written
SELECT t.row_counts() = :'before_again'::jsonb AS enabling_again_wrote_nothing;
SELECT code, minor_units, enabled, source FROM kobatela.list_currencies();

-- Refused at enabling time: 3 decimals (money is numeric(18,2)), codes ICU does not know as a
-- current currency, and what is not a code at all.
SELECT t.err($$SELECT kobatela.enable_currency('KWD')$$) AS three_decimals;
SELECT t.err($$SELECT kobatela.enable_currency('ABC')$$) AS unknown_code;
SELECT t.err($$SELECT kobatela.enable_currency('XXX')$$) AS no_currency;
SELECT t.err($$SELECT kobatela.enable_currency('EURO')$$) AS not_a_code;
SELECT t.err($$SELECT kobatela.enable_currency(NULL)$$) AS null_code;

-- A fractional amount in a currency without that minor unit is refused, at every entry point;
-- whole amounts pass. Nothing is written by a refusal.
SELECT id AS c_sender FROM kobatela.create_user('c_sender', 'c_sender@example.com') \gset
SELECT id AS c_receiver FROM kobatela.create_user('c_receiver', 'c_receiver@example.com') \gset
SELECT kobatela.add_to_allowlist(:c_sender, :c_receiver);
SELECT id AS c_shop FROM kobatela.create_merchant('c Shop', NULL, true) \gset
SELECT t.row_counts() AS before_refusals \gset
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 1500.50, 'XOF')$$, :c_sender, :c_receiver)) AS transfer;
SELECT t.err(format($$SELECT kobatela.create_escrow(%s, %s, 1500.50, 'XOF', '{}', now() + interval '1 day')$$,
                    :c_sender, :c_receiver)) AS escrow;
SELECT t.err(format($$SELECT kobatela.create_mandate(%s, %s, 1500.50, 'XAF')$$, :c_sender, :c_receiver)) AS mandate;
SELECT t.row_counts() = :'before_refusals'::jsonb AS refusals_wrote_nothing;
SELECT amount, currency, status FROM kobatela.create_transaction(:c_sender, :c_receiver, 15000, 'XOF');
SELECT amount, currency FROM kobatela.create_transaction(:c_sender, :c_receiver, 12.34, 'GHS');
-- Deposits, milestones and spends are in the escrow's currency.
SELECT id AS cx FROM kobatela.create_escrow(:c_sender, :c_receiver, 20000, 'XOF', '{}', now() + interval '1 day') \gset
SELECT t.err(format($$SELECT kobatela.escrow_deposit(%s, 10000.50)$$, :cx)) AS deposit;
SELECT status, deposited_amount FROM kobatela.escrow_deposit(:cx, 20000);
SELECT t.err(format($$SELECT kobatela.add_milestone(%s, 1, 'half', 5000.25, 'DOCUMENT')$$, :cx)) AS milestone;
SELECT payee_ref FROM kobatela.add_allowed_payee(:cx, 'c-pharmacy', 'Pharmacy');
SELECT t.err(format($$SELECT kobatela.spend(%s, 'c-pharmacy', 99.99)$$, :cx)) AS spend;
SELECT amount, status FROM kobatela.spend(:cx, 'c-pharmacy', 2500);
-- A payee's limits are amounts of the escrow's currency too.
SELECT t.err(format($$SELECT kobatela.add_allowed_payee(%s, 'c-clinic', 'Clinic', 1000.50)$$, :cx)) AS daily_limit;
SELECT t.err(format($$SELECT kobatela.add_allowed_payee(%s, 'c-clinic', 'Clinic', NULL, 0.01)$$, :cx)) AS total_limit;
SELECT payee_ref, daily_limit, total_limit FROM kobatela.add_allowed_payee(:cx, 'c-clinic', 'Clinic', 1000, 5000);
-- A purchase under an XAF mandate.
SELECT status FROM kobatela.create_mandate(:c_sender, :c_receiver, 30000, 'XAF');
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 100.10, 'XAF', NULL, %s)$$,
                    :c_sender, :c_shop, :c_receiver)) AS purchase;
SELECT amount, currency, status FROM kobatela.create_purchase(:c_sender, :c_shop, 100, 'XAF', NULL, :c_receiver);

-- Disabled: refused as any unaccepted currency, at once; an escrow already in it keeps working.
SELECT code, enabled FROM kobatela.disable_currency('XOF');
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 100, 'XOF')$$, :c_sender, :c_receiver)) AS disabled;
SELECT amount, status FROM kobatela.spend(:cx, 'c-pharmacy', 500);
SELECT t.err($$SELECT kobatela.disable_currency('JPY')$$) AS never_enabled;
-- A built-in default can be disabled too (a row says so), and enabled again.
SELECT code, enabled FROM kobatela.disable_currency('EUR');
SELECT code, enabled, source FROM kobatela.list_currencies() WHERE code IN ('EUR', 'USD');
SELECT code, enabled FROM kobatela.enable_currency('EUR');

-- Every change is audited.
SELECT action, count(*) FROM kobatela.audit_entries WHERE entity = 'currencies' GROUP BY action ORDER BY action;

-- Only an admin changes currencies; every scope reads them.
CALL t.use_secret('api_key_pepper', 'currencies-pepper-do-not-log');
SELECT api_key AS c_key FROM kobatela.create_api_key('c sender', 'sender') \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
SELECT t.as_key(:'c_key', $$SELECT code FROM kobatela.enable_currency('NGN')$$) AS sender_enables;
SELECT t.as_key(:'c_key', $$SELECT string_agg(code, ',' ORDER BY code) FROM kobatela.list_currencies() WHERE enabled$$) AS sender_reads;
REVOKE ALL ON SCHEMA t FROM kobatela_anon;
REVOKE ALL ON FUNCTION t.as_key(text, text) FROM kobatela_anon;

-- The cache-resetting trigger runs only on Kobatela's own table.
CREATE TEMP TABLE fake_currencies (code text);
CREATE TRIGGER steal AFTER INSERT ON fake_currencies FOR EACH STATEMENT EXECUTE FUNCTION kobatela.currencies_changed();
SELECT t.err($$INSERT INTO fake_currencies VALUES ('XOF')$$) AS foreign_table;
DROP TABLE fake_currencies;

-- Back to the defaults for the suites that follow.
DELETE FROM kobatela.currencies;
SELECT code, minor_units, enabled, source FROM kobatela.list_currencies();

-- The last accepted currency cannot be disabled: no call that moves money could be made.
SELECT code, enabled FROM kobatela.disable_currency('USD');
SELECT t.err($$SELECT kobatela.disable_currency('EUR')$$) AS last_currency;
DELETE FROM kobatela.currencies;
SELECT string_agg(code, ',' ORDER BY code) AS accepted_again FROM kobatela.list_currencies() WHERE enabled;
