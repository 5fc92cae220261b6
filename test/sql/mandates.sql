-- Usage mandates, purchases and their catalogue (src/api/catalogue.cpp, mandates.cpp,
-- purchases.cpp): spec.md section 6 and the reference tests of section 10 — a purchase needs a
-- mandate, then an allowed usage; by category with idempotency; exact decimals; blocked without a
-- mandate, allowed under one, denied by merchant and category restrictions; the expiry job;
-- another sender; a mandate consumed to zero — every refusal (which writes nothing), the audit
-- rows, and the key scopes. Nothing printed depends on ids or times: ids are kept in psql
-- variables and compared.

-- The parties: two senders abroad, and one beneficiary per story (a (sender, beneficiary,
-- currency) has at most one ACTIVE mandate).
SELECT id AS amara FROM kobatela.create_user('md_amara', 'md_amara@example.com') \gset
SELECT id AS yao FROM kobatela.create_user('md_yao', 'md_yao@example.com') \gset
SELECT id AS kofi FROM kobatela.create_user('md_kofi', 'md_kofi@example.com') \gset
SELECT id AS awa FROM kobatela.create_user('md_awa', 'md_awa@example.com') \gset
SELECT id AS efua FROM kobatela.create_user('md_efua', 'md_efua@example.com') \gset
SELECT id AS kwame FROM kobatela.create_user('md_kwame', 'md_kwame@example.com') \gset
SELECT id AS ama FROM kobatela.create_user('md_ama', 'md_ama@example.com') \gset
SELECT id AS kojo FROM kobatela.create_user('md_kojo', 'md_kojo@example.com') \gset
SELECT id AS kwesi FROM kobatela.create_user('md_kwesi', 'md_kwesi@example.com') \gset
SELECT id AS big FROM kobatela.create_user('md_big', 'md_big@example.com') \gset
SELECT id AS esi FROM kobatela.create_user('md_esi', 'md_esi@example.com') \gset

-- What an audit row of an update changed, times hidden: 'column=new value, ...'.
CREATE FUNCTION t.md_changes(data jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(key || '=' || CASE WHEN key LIKE '%\_at' THEN '<time>' ELSE value #>> '{}' END, ', ' ORDER BY key)
    FROM jsonb_each(data -> 'new') $$;

-- ---------------------------------------------------------------------------------------------
-- The catalogue: categories, merchants, allowed usages
-- ---------------------------------------------------------------------------------------------
SELECT coalesce(max(record_id), 0) AS catalogue_start FROM kobatela.audit_entries \gset
SELECT id AS food FROM kobatela.create_spend_category('MD_FOOD', 'Food and groceries') \gset
SELECT id AS pharmacy FROM kobatela.create_spend_category('MD_PHARMACY', 'Pharmacy') \gset
SELECT id AS fuel FROM kobatela.create_spend_category('MD_FUEL', 'Fuel') \gset
SELECT code, label FROM kobatela.spend_categories WHERE id IN (:food, :pharmacy, :fuel) ORDER BY code;
-- The market sells food, the drugstore is certified, the kiosk has no category, the station sells fuel.
SELECT id AS market FROM kobatela.create_merchant('md Market', :food) \gset
SELECT id AS drugstore FROM kobatela.create_merchant('md Drugstore', :pharmacy, true) \gset
SELECT id AS kiosk FROM kobatela.create_merchant('md Kiosk') \gset
SELECT id AS station FROM kobatela.create_merchant('md Station', :fuel) \gset
SELECT m.name, c.code AS category, m.is_certified
FROM kobatela.merchants m LEFT JOIN kobatela.spend_categories c ON c.id = m.category_id
WHERE m.id IN (:market, :drugstore, :kiosk, :station) ORDER BY m.name;

-- Usage rules: one target each, 'added' then 'exists' (which writes nothing).
SELECT kobatela.allow_usage(:esi, :market) AS merchant_rule;
SELECT kobatela.allow_usage(:esi, category_id => :food) AS category_rule;
SELECT t.row_counts() AS before \gset
SELECT kobatela.allow_usage(:esi, :market) AS merchant_rule_again;
SELECT kobatela.allow_usage(:esi, NULL, :food) AS category_rule_again;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT count(*) AS esi_rules, count(merchant_id) AS merchant_rules, count(category_id) AS category_rules
FROM kobatela.allowed_usages WHERE owner_id = :esi;

-- Each creation audited once, under its own action.
SELECT action, entity, count(*) FROM kobatela.audit_entries
WHERE record_id > :catalogue_start AND entity IN ('spend_categories', 'merchants', 'allowed_usages')
GROUP BY action, entity ORDER BY entity, action;

-- Catalogue refusals.
CREATE TEMP TABLE md_catalogue_calls (label text, statement text);
INSERT INTO md_catalogue_calls VALUES
  ('category code taken',          $$SELECT kobatela.create_spend_category('MD_FOOD', 'Food again')$$),
  ('category code empty',          $$SELECT kobatela.create_spend_category('', 'Empty')$$),
  ('category code blank',          $$SELECT kobatela.create_spend_category('   ', 'Blank')$$),
  ('category code 65 chars',       $$SELECT kobatela.create_spend_category(repeat('C', 65), 'Long')$$),
  ('category code NULL',           $$SELECT kobatela.create_spend_category(NULL, 'None')$$),
  ('category label empty',         $$SELECT kobatela.create_spend_category('MD_X', '')$$),
  ('category label 256 chars',     $$SELECT kobatela.create_spend_category('MD_X', repeat('l', 256))$$),
  ('category label NULL',          $$SELECT kobatela.create_spend_category('MD_X', NULL)$$),
  ('merchant name taken',          $$SELECT kobatela.create_merchant('md Market')$$),
  ('merchant name empty',          $$SELECT kobatela.create_merchant('')$$),
  ('merchant name 256 chars',      $$SELECT kobatela.create_merchant(repeat('n', 256))$$),
  ('merchant name NULL',           $$SELECT kobatela.create_merchant(NULL)$$),
  ('merchant unknown category',    $$SELECT kobatela.create_merchant('md Nowhere', -1)$$),
  ('merchant is_certified NULL',   $$SELECT kobatela.create_merchant('md Nowhere', NULL, NULL)$$),
  ('usage no target',              format('SELECT kobatela.allow_usage(%s)', :esi)),
  ('usage two targets',            format('SELECT kobatela.allow_usage(%s, %s, %s)', :esi, :market, :food)),
  ('usage no target, unknown owner (rule checked first)', 'SELECT kobatela.allow_usage(-1)'),
  ('usage unknown owner',          format('SELECT kobatela.allow_usage(-1, %s)', :market)),
  ('usage unknown merchant',       format('SELECT kobatela.allow_usage(%s, -1)', :esi)),
  ('usage unknown category',       format('SELECT kobatela.allow_usage(%s, NULL, -1)', :esi)),
  ('usage owner NULL',             format('SELECT kobatela.allow_usage(NULL, %s)', :market));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM md_catalogue_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Reference: a purchase requires a mandate, then an allowed usage (amara for kofi, at the kiosk)
-- ---------------------------------------------------------------------------------------------
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 10, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)) AS without_mandate;
SELECT t.row_counts() = :'before' AS nothing_written;

-- Mandate creation: ACTIVE, nothing spent, currency upper-cased, expiry 30 days by default.
SELECT id AS m_kofi FROM kobatela.create_mandate(:amara, :kofi, 100, 'usd') \gset
SELECT sender_id = :amara AS from_amara, beneficiary_id = :kofi AS for_kofi, total_amount, currency, status,
       total_spent, allowed_category_id, allowed_merchant_id,
       round(extract(epoch FROM expires_at - now()) / 86400) AS expires_in_days
FROM kobatela.usage_mandates WHERE id = :m_kofi;
SELECT action FROM kobatela.audit_entries WHERE entity = 'usage_mandates' AND entity_id = :m_kofi ORDER BY record_id, change_no;

-- A mandate, but the kiosk is neither certified nor allowed for kofi.
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 10, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)) AS mandate_but_no_usage;
SELECT t.row_counts() = :'before' AS nothing_written;

-- Once allowed, the purchase completes; it is the beneficiary's, under the mandate.
SELECT kobatela.allow_usage(:kofi, :kiosk);
SELECT coalesce(max(record_id), 0) AS mark FROM kobatela.audit_entries \gset
SELECT id AS p_kofi FROM kobatela.create_purchase(:amara, :kiosk, 12.34, 'usd', NULL, :kofi) \gset
SELECT beneficiary_id = :kofi AS spent_by_beneficiary, merchant_id = :kiosk AS at_kiosk, category_id, amount::text,
       currency, status, mandate_id = :m_kofi AS under_mandate, idempotency_key
FROM kobatela.purchases WHERE id = :p_kofi;
SELECT status, total_spent::text FROM kobatela.usage_mandates WHERE id = :m_kofi;
-- Its audit rows: the purchase (CREATE_PURCHASE) and the mandate's update (MANDATE_CONSUMED).
SELECT action, entity, entity_id IN (:p_kofi, :m_kofi) AS about_them,
       CASE entity WHEN 'usage_mandates' THEN data::text ELSE data ->> 'amount' END AS data
FROM kobatela.audit_entries WHERE record_id > :mark ORDER BY entity, record_id, change_no;

-- Reference: purchase amounts are kept as exact decimals.
SELECT amount::text FROM kobatela.create_purchase(:amara, :kiosk, 0.1, 'USD', NULL, :kofi);
SELECT amount::text FROM kobatela.create_purchase(:amara, :kiosk, 0.20, 'USD', NULL, :kofi);
SELECT amount::text FROM kobatela.create_purchase(:amara, :kiosk, 7.100, 'USD', NULL, :kofi);
SELECT total_spent::text, total_spent = 12.34 + 0.1 + 0.2 + 7.1 AS exact,
       total_spent = (SELECT sum(amount) FROM kobatela.purchases WHERE mandate_id = :m_kofi) AS sum_of_purchases
FROM kobatela.usage_mandates WHERE id = :m_kofi;

-- Reference: allowed under the mandate at a certified merchant, with no usage rule.
SELECT status, amount, category_id = :pharmacy AS merchant_category
FROM kobatela.create_purchase(:amara, :drugstore, 5, 'USD', NULL, :kofi);
SELECT count(*) AS kofi_rules_for_the_drugstore FROM kobatela.allowed_usages
WHERE owner_id = :kofi AND (merchant_id = :drugstore OR category_id = :pharmacy);

-- Not certified and not allowed; another sender (reference: MANDATE_REQUIRED); the beneficiary
-- as his own sender; another currency. None writes anything.
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :station, :kofi)) AS station_not_allowed;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :market, :kofi)) AS market_not_allowed;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :yao, :kiosk, :kofi)) AS different_sender;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1)$$, :kofi, :kiosk)) AS beneficiary_as_sender;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'EUR', NULL, %s)$$, :amara, :kiosk, :kofi)) AS other_currency;
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Mandate creation refusals
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE md_mandate_calls (label text, statement text);
INSERT INTO md_mandate_calls VALUES
  ('already active',                  format('SELECT kobatela.create_mandate(%s, %s, 50)', :amara, :kofi)),
  ('already active, currency lower',  format($$SELECT kobatela.create_mandate(%s, %s, 50, 'usd')$$, :amara, :kofi)),
  ('amount 0',                        format('SELECT kobatela.create_mandate(%s, %s, 0)', :amara, :efua)),
  ('amount -5',                       format('SELECT kobatela.create_mandate(%s, %s, -5)', :amara, :efua)),
  ('amount 10.005',                   format('SELECT kobatela.create_mandate(%s, %s, 10.005)', :amara, :efua)),
  ('amount 1e20',                     format('SELECT kobatela.create_mandate(%s, %s, 1e20)', :amara, :efua)),
  ('amount NaN',                      format($$SELECT kobatela.create_mandate(%s, %s, 'NaN')$$, :amara, :efua)),
  ('amount NULL',                     format('SELECT kobatela.create_mandate(%s, %s, NULL)', :amara, :efua)),
  ('currency GBP',                    format($$SELECT kobatela.create_mandate(%s, %s, 10, 'GBP')$$, :amara, :efua)),
  ('currency NULL',                   format('SELECT kobatela.create_mandate(%s, %s, 10, NULL)', :amara, :efua)),
  ('sender NULL',                     format('SELECT kobatela.create_mandate(NULL, %s, 10)', :efua)),
  ('beneficiary NULL',                format('SELECT kobatela.create_mandate(%s, NULL, 10)', :amara)),
  ('sender is the beneficiary',       format('SELECT kobatela.create_mandate(%s, %s, 10)', :amara, :amara)),
  ('unknown sender',                  format('SELECT kobatela.create_mandate(-1, %s, 10)', :efua)),
  ('unknown beneficiary',             format('SELECT kobatela.create_mandate(%s, -1, 10)', :amara)),
  ('unknown category',                format($$SELECT kobatela.create_mandate(%s, %s, 10, 'USD', -1)$$, :amara, :efua)),
  ('unknown merchant',                format($$SELECT kobatela.create_mandate(%s, %s, 10, 'USD', NULL, -1)$$, :amara, :efua)),
  ('expires a minute ago',            format($$SELECT kobatela.create_mandate(%s, %s, 10, 'USD', NULL, NULL, now() - interval '1 minute')$$, :amara, :efua)),
  ('expires now',                     format($$SELECT kobatela.create_mandate(%s, %s, 10, 'USD', NULL, NULL, now())$$, :amara, :efua));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM md_mandate_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- Another currency is another mandate; an explicit expiry is kept.
SELECT id AS m_kofi_eur FROM kobatela.create_mandate(:amara, :kofi, 50, 'EUR', NULL, NULL, now() + interval '7 days') \gset
SELECT currency, status, expires_at = created_at + interval '7 days' AS expiry_kept
FROM kobatela.usage_mandates WHERE id = :m_kofi_eur;
SELECT status FROM kobatela.create_purchase(:amara, :kiosk, 1, 'eur', NULL, :kofi);

-- ---------------------------------------------------------------------------------------------
-- Reference: purchase by category, with idempotency (amara for awa, who may spend on food)
-- ---------------------------------------------------------------------------------------------
SELECT id AS m_awa FROM kobatela.create_mandate(:amara, :awa, 200) \gset
SELECT kobatela.allow_usage(:awa, NULL, :food);
SELECT id AS p_cat FROM kobatela.create_purchase(:amara, :market, 25.50, 'USD', :food, :awa, 'md-cat-1') \gset
SELECT status, amount, category_id = :food AS food, idempotency_key FROM kobatela.purchases WHERE id = :p_cat;

-- The replay returns the same purchase and writes nothing (with or without the category, which
-- is compared only when given).
SELECT t.row_counts() AS before \gset
SELECT id = :p_cat AS same_purchase, status FROM kobatela.create_purchase(:amara, :market, 25.50, 'USD', :food, :awa, 'md-cat-1');
SELECT id = :p_cat AS same_purchase FROM kobatela.create_purchase(:amara, :market, 25.5, 'usd', NULL, :awa, 'md-cat-1');
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT total_spent FROM kobatela.usage_mandates WHERE id = :m_awa;

-- The same key for anything else: IDEMPOTENCY_CONFLICT, nothing written.
CREATE TEMP TABLE md_key_calls (label text, statement text);
INSERT INTO md_key_calls VALUES
  ('other amount',      format($$SELECT kobatela.create_purchase(%s, %s, 25.51, 'USD', %s, %s, 'md-cat-1')$$, :amara, :market, :food, :awa)),
  ('other merchant',    format($$SELECT kobatela.create_purchase(%s, %s, 25.50, 'USD', %s, %s, 'md-cat-1')$$, :amara, :kiosk, :food, :awa)),
  ('other category',    format($$SELECT kobatela.create_purchase(%s, %s, 25.50, 'USD', %s, %s, 'md-cat-1')$$, :amara, :market, :pharmacy, :awa)),
  ('other currency',    format($$SELECT kobatela.create_purchase(%s, %s, 25.50, 'EUR', %s, %s, 'md-cat-1')$$, :amara, :market, :food, :awa)),
  ('other beneficiary', format($$SELECT kobatela.create_purchase(%s, %s, 25.50, 'USD', %s, %s, 'md-cat-1')$$, :amara, :market, :food, :kofi)),
  ('other sender',      format($$SELECT kobatela.create_purchase(%s, %s, 25.50, 'USD', %s, %s, 'md-cat-1')$$, :yao, :market, :food, :awa)),
  ('bad amount first',  format($$SELECT kobatela.create_purchase(%s, %s, 0, 'USD', %s, %s, 'md-cat-1')$$, :amara, :market, :food, :awa));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM md_key_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- A category given with the purchase: the kiosk has none, awa may spend on food there.
SELECT status, category_id = :food AS food FROM kobatela.create_purchase(:amara, :kiosk, 4, 'USD', :food, :awa);
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 4, 'USD', %s, %s)$$, :amara, :kiosk, :fuel, :awa)) AS fuel_not_allowed;

-- Through PostgREST the key comes from the Idempotency-Key header.
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "md-header-1"}', true);
SELECT idempotency_key FROM kobatela.create_purchase(:amara, :market, 3, 'USD', NULL, :awa);
SELECT id AS p_header FROM kobatela.purchases WHERE idempotency_key = 'md-header-1' \gset
COMMIT;
SELECT t.row_counts() AS before \gset
BEGIN;
SELECT set_config('request.headers', '{"idempotency-key": "md-header-1"}', true);
SELECT id = :p_header AS same_purchase FROM kobatela.create_purchase(:amara, :market, 3, 'USD', NULL, :awa);
COMMIT;
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT total_spent FROM kobatela.usage_mandates WHERE id = :m_awa;

-- ---------------------------------------------------------------------------------------------
-- Reference: denied by merchant and category restrictions (yao's mandates)
-- ---------------------------------------------------------------------------------------------
-- efua's mandate allows the market only; she may spend on food.
SELECT id AS m_efua FROM kobatela.create_mandate(:yao, :efua, 100, 'USD', NULL, :market) \gset
SELECT allowed_merchant_id = :market AS market_only, allowed_category_id FROM kobatela.usage_mandates WHERE id = :m_efua;
SELECT kobatela.allow_usage(:efua, NULL, :food);
-- kwame's mandate allows food only.
SELECT id AS m_kwame FROM kobatela.create_mandate(:yao, :kwame, 100, 'USD', :food) \gset
SELECT allowed_category_id = :food AS food_only, allowed_merchant_id FROM kobatela.usage_mandates WHERE id = :m_kwame;

SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :yao, :drugstore, :efua)) AS efua_at_certified_drugstore;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', %s, %s)$$, :yao, :kiosk, :food, :efua)) AS efua_food_at_kiosk;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :yao, :drugstore, :kwame)) AS kwame_at_certified_drugstore;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', %s, %s)$$, :yao, :kiosk, :pharmacy, :kwame)) AS kwame_pharmacy_at_kiosk;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :yao, :kiosk, :kwame)) AS kwame_uncategorised;
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', %s, %s)$$, :yao, :market, :pharmacy, :kwame)) AS kwame_market_as_pharmacy;
-- Within the restriction, the usage rule still applies: kwame has none yet.
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :yao, :market, :kwame)) AS kwame_food_without_rule;
SELECT t.row_counts() = :'before' AS nothing_written;

SELECT status FROM kobatela.create_purchase(:yao, :market, 10, 'USD', NULL, :efua) AS efua_at_market;
SELECT kobatela.allow_usage(:kwame, NULL, :food);
SELECT status FROM kobatela.create_purchase(:yao, :market, 10, 'USD', NULL, :kwame) AS kwame_at_market;
SELECT status, category_id = :food AS food FROM kobatela.create_purchase(:yao, :kiosk, 10, 'USD', :food, :kwame) AS kwame_food_at_kiosk;
SELECT total_spent FROM kobatela.usage_mandates WHERE id IN (:m_efua, :m_kwame) ORDER BY id;

-- ---------------------------------------------------------------------------------------------
-- Reference: a mandate consumed to exactly zero (amara for ama, at the certified drugstore)
-- ---------------------------------------------------------------------------------------------
SELECT id AS m_ama FROM kobatela.create_mandate(:amara, :ama, 50) \gset
SELECT status FROM kobatela.create_purchase(:amara, :drugstore, 30, 'USD', NULL, :ama);
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_ama;
-- More than what is left: MANDATE_CONFLICT, nothing written.
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 20.01, 'USD', NULL, %s)$$, :amara, :drugstore, :ama)) AS over_the_rest;
SELECT t.row_counts() = :'before' AS nothing_written;
-- Exactly what is left: the mandate is CONSUMED.
SELECT id AS p_last FROM kobatela.create_purchase(:amara, :drugstore, 20.00, 'USD', NULL, :ama, 'md-last') \gset
SELECT status, total_spent, total_amount FROM kobatela.usage_mandates WHERE id = :m_ama;
-- No active mandate is left; the replay of the last purchase still answers.
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 0.01, 'USD', NULL, %s)$$, :amara, :drugstore, :ama)) AS after_consumed;
SELECT id = :p_last AS same_purchase, status FROM kobatela.create_purchase(:amara, :drugstore, 20, 'USD', NULL, :ama, 'md-last');
SELECT t.row_counts() = :'before' AS nothing_written;
SELECT action, t.md_changes(data) AS changed FROM kobatela.audit_entries WHERE entity = 'usage_mandates' AND entity_id = :m_ama ORDER BY record_id, change_no;
SELECT count(*) AS ama_purchases_audited FROM kobatela.audit_entries a JOIN kobatela.purchases p
    ON a.entity = 'purchases' AND a.entity_id = p.id AND a.action = 'CREATE_PURCHASE'
WHERE p.mandate_id = :m_ama;
-- A consumed mandate does not block a new one.
SELECT status, total_spent FROM kobatela.create_mandate(:amara, :ama, 10);

-- The largest amount: 16 integer digits, consumed to the cent.
SELECT id AS m_big FROM kobatela.create_mandate(:amara, :big, 9999999999999999.99) \gset
SELECT status FROM kobatela.create_purchase(:amara, :drugstore, 9999999999999999.98, 'USD', NULL, :big);
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 0.02, 'USD', NULL, %s)$$, :amara, :drugstore, :big)) AS one_cent_too_many;
SELECT status FROM kobatela.create_purchase(:amara, :drugstore, 0.01, 'USD', NULL, :big);
SELECT status, total_spent::text FROM kobatela.usage_mandates WHERE id = :m_big;

-- ---------------------------------------------------------------------------------------------
-- Purchase refusals: bad input, unknown ids, the order of the checks
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE md_purchase_calls (label text, statement text);
INSERT INTO md_purchase_calls VALUES
  ('amount 0',            format($$SELECT kobatela.create_purchase(%s, %s, 0, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('amount -1',           format($$SELECT kobatela.create_purchase(%s, %s, -1, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('amount 1.005',        format($$SELECT kobatela.create_purchase(%s, %s, 1.005, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('amount 1e20',         format($$SELECT kobatela.create_purchase(%s, %s, 1e20, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('amount Infinity',     format($$SELECT kobatela.create_purchase(%s, %s, 'Infinity', 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('amount NULL',         format($$SELECT kobatela.create_purchase(%s, %s, NULL, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('currency GBP',        format($$SELECT kobatela.create_purchase(%s, %s, 1, 'GBP', NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('currency NULL',       format($$SELECT kobatela.create_purchase(%s, %s, 1, NULL, NULL, %s)$$, :amara, :kiosk, :kofi)),
  ('sender NULL',         format($$SELECT kobatela.create_purchase(NULL, %s, 1, 'USD', NULL, %s)$$, :kiosk, :kofi)),
  ('merchant NULL',       format($$SELECT kobatela.create_purchase(%s, NULL, 1, 'USD', NULL, %s)$$, :amara, :kofi)),
  ('unknown merchant',    format($$SELECT kobatela.create_purchase(%s, -1, 1, 'USD', NULL, %s)$$, :amara, :kofi)),
  ('unknown merchant, no mandate', format($$SELECT kobatela.create_purchase(%s, -1, 1, 'USD', NULL, %s)$$, :yao, :kofi)),
  ('unknown category',    format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', -1, %s)$$, :amara, :kiosk, :kofi)),
  ('key empty',           format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s, '')$$, :amara, :kiosk, :kofi)),
  ('key blank',           format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s, '   ')$$, :amara, :kiosk, :kofi)),
  ('key 65 chars',        format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s, repeat('k', 65))$$, :amara, :kiosk, :kofi));
SELECT t.row_counts() AS before \gset
SELECT label, t.err(statement) AS outcome FROM md_purchase_calls ORDER BY label;
SELECT t.row_counts() = :'before' AS nothing_written;

-- ---------------------------------------------------------------------------------------------
-- Reference: the expiry job closes expired mandates, each once
-- ---------------------------------------------------------------------------------------------
SELECT id AS m_kojo FROM kobatela.create_mandate(:amara, :kojo, 40, 'USD', NULL, NULL, now() + interval '1 day') \gset
SELECT id AS p_kojo FROM kobatela.create_purchase(:amara, :drugstore, 10, 'USD', NULL, :kojo, 'md-before-expiry') \gset
SELECT id AS m_kwesi FROM kobatela.create_mandate(:amara, :kwesi, 10, 'USD', NULL, NULL, now() + interval '2 hours') \gset
-- Time passes (as the superuser: an audited direct update).
UPDATE kobatela.usage_mandates SET expires_at = now() - interval '1 minute' WHERE id IN (:m_kojo, :m_kwesi);
SELECT status FROM kobatela.usage_mandates WHERE id IN (:m_kojo, :m_kwesi) ORDER BY id;

-- Still ACTIVE, but past its expiry: no purchase; a replay still answers.
SELECT t.row_counts() AS before \gset
SELECT t.err(format($$SELECT kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :drugstore, :kojo)) AS after_expiry;
SELECT id = :p_kojo AS same_purchase FROM kobatela.create_purchase(:amara, :drugstore, 10, 'USD', NULL, :kojo, 'md-before-expiry');
SELECT t.row_counts() = :'before' AS nothing_written;

-- A mandate past its expiry does not block a new one: it is expired first.
SELECT status, total_amount FROM kobatela.create_mandate(:amara, :kwesi, 20);
SELECT status FROM kobatela.usage_mandates WHERE id = :m_kwesi;

-- The job: every due mandate (kojo's among them), then none.
SELECT count(*) AS due FROM kobatela.usage_mandates WHERE status = 'ACTIVE' AND expires_at <= now() \gset
SELECT status = 'ACTIVE' AND expires_at <= now() AS kojo_is_due FROM kobatela.usage_mandates WHERE id = :m_kojo;
SELECT kobatela.expire_mandates() = :due AS expired_every_due_mandate;
SELECT status FROM kobatela.usage_mandates WHERE id IN (:m_kojo, :m_kwesi) ORDER BY id;
SELECT kobatela.expire_mandates() AS second_run;
SELECT action, t.md_changes(data) AS changed FROM kobatela.audit_entries WHERE entity = 'usage_mandates' AND entity_id = :m_kojo ORDER BY record_id, change_no;
SELECT count(*) AS kwesi_expired_rows FROM kobatela.audit_entries
WHERE entity = 'usage_mandates' AND entity_id = :m_kwesi AND action = 'MANDATE_EXPIRED';
SELECT count(*) AS mandates_expired_twice FROM (
    SELECT entity_id FROM kobatela.audit_entries WHERE entity = 'usage_mandates' AND action = 'MANDATE_EXPIRED'
    GROUP BY entity_id HAVING count(*) > 1) twice;
SELECT count(*) AS expired_without_audit FROM kobatela.usage_mandates m
WHERE m.status = 'EXPIRED' AND m.sender_id IN (:amara, :yao)
  AND NOT EXISTS (SELECT 1 FROM kobatela.audit_entries a WHERE a.entity = 'usage_mandates' AND a.entity_id = m.id
                  AND a.action = 'MANDATE_EXPIRED');

-- ---------------------------------------------------------------------------------------------
-- Scopes: the catalogue is platform data, a bound key acts for its user only
-- ---------------------------------------------------------------------------------------------
CALL t.use_secret('api_key_pepper', 'mandates-pepper-do-not-log');
SELECT api_key AS amara_key FROM kobatela.create_api_key('md amara', 'sender', :amara) \gset
SELECT api_key AS kofi_key FROM kobatela.create_api_key('md kofi', 'sender', :kofi) \gset
SELECT api_key AS yao_key FROM kobatela.create_api_key('md yao', 'sender', :yao) \gset
SELECT api_key AS sender_key FROM kobatela.create_api_key('md sender', 'sender') \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('md support', 'support') \gset
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;
CREATE TEMP TABLE md_scope_calls (ord int, who text, api_key text, call text);
INSERT INTO md_scope_calls VALUES
  (1,  'unbound sender: category',      :'sender_key',  $$SELECT code FROM kobatela.create_spend_category('MD_BOOKS', 'Books')$$),
  (2,  'bound amara: category',         :'amara_key',   $$SELECT code FROM kobatela.create_spend_category('MD_TOYS', 'Toys')$$),
  (3,  'support: category',            :'support_key', $$SELECT code FROM kobatela.create_spend_category('MD_TOYS', 'Toys')$$),
  (4,  'unbound sender: merchant',      :'sender_key',  $$SELECT name FROM kobatela.create_merchant('md Bookshop')$$),
  (5,  'bound amara: merchant',         :'amara_key',   $$SELECT name FROM kobatela.create_merchant('md Toyshop')$$),
  (6,  'bound amara: rule for kofi',    :'amara_key',   format('SELECT kobatela.allow_usage(%s, %s)', :kofi, :station)),
  (7,  'bound amara: rule for efua',    :'amara_key',   format('SELECT kobatela.allow_usage(%s, %s)', :efua, :station)),
  (8,  'bound kofi: rule for himself',  :'kofi_key',    format('SELECT kobatela.allow_usage(%s, %s)', :kofi, :station)),
  (9,  'bound kofi: mandate from amara', :'kofi_key',   format('SELECT status::text FROM kobatela.create_mandate(%s, %s, 10)', :amara, :esi)),
  (10, 'support: mandate',              :'support_key', format('SELECT status::text FROM kobatela.create_mandate(%s, %s, 10)', :amara, :esi)),
  (11, 'bound amara: her mandate',      :'amara_key',   format('SELECT status::text FROM kobatela.create_mandate(%s, %s, 10)', :amara, :esi)),
  (12, 'bound kofi: his purchase',      :'kofi_key',    format($$SELECT status::text FROM kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  (13, 'bound amara: kofi''s purchase', :'amara_key',   format($$SELECT status::text FROM kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  (14, 'bound yao: kofi''s purchase',   :'yao_key',     format($$SELECT status::text FROM kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  (15, 'support: purchase',             :'support_key', format($$SELECT status::text FROM kobatela.create_purchase(%s, %s, 1, 'USD', NULL, %s)$$, :amara, :kiosk, :kofi)),
  (16, 'unbound sender: expire',        :'sender_key',  'SELECT kobatela.expire_mandates()::text'),
  (17, 'bound amara: expire',           :'amara_key',   'SELECT kobatela.expire_mandates()::text'),
  (18, 'support: expire',               :'support_key', 'SELECT kobatela.expire_mandates()::text');
SELECT who, t.as_key(api_key, call) AS outcome FROM md_scope_calls ORDER BY ord;
-- expire_mandates with a bound key expires only the due mandates its user is a party to.
SELECT id AS m_amara_big FROM kobatela.create_mandate(:amara, :big, 5, 'EUR') \gset
SELECT id AS m_yao_big FROM kobatela.create_mandate(:yao, :big, 5, 'EUR') \gset
UPDATE kobatela.usage_mandates SET expires_at = now() - interval '1 minute' WHERE id IN (:m_amara_big, :m_yao_big);
SELECT t.as_key(:'kofi_key', 'SELECT kobatela.expire_mandates()::text') AS kofi_party_to_neither;
SELECT t.as_key(:'amara_key', 'SELECT kobatela.expire_mandates()::text') AS amara_party_to_one;
SELECT id = :m_amara_big AS is_amaras, status FROM kobatela.usage_mandates WHERE id IN (:m_amara_big, :m_yao_big) ORDER BY id;
SELECT t.as_key(:'sender_key', 'SELECT kobatela.expire_mandates()::text') AS unbound_sender_all_due;
SELECT status FROM kobatela.usage_mandates WHERE id = :m_yao_big;
REVOKE ALL ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
REVOKE ALL ON SCHEMA t FROM kobatela_anon;
RESET kobatela.api_key_pepper_file;

-- ---------------------------------------------------------------------------------------------
-- Invariants over every mandate
-- ---------------------------------------------------------------------------------------------
-- total_spent is the sum of the mandate's purchases, never above the total; CONSUMED exactly at it.
SELECT count(*) AS mandates_with_wrong_total_spent FROM kobatela.usage_mandates m
WHERE m.total_spent <> (SELECT coalesce(sum(p.amount), 0) FROM kobatela.purchases p WHERE p.mandate_id = m.id)
   OR m.total_spent > m.total_amount;
SELECT count(*) AS consumed_mismatch FROM kobatela.usage_mandates
WHERE (status = 'CONSUMED') <> (total_spent = total_amount);
-- Every purchase is the beneficiary's, in the mandate's currency.
SELECT count(*) AS purchases_not_matching_their_mandate FROM kobatela.purchases p
JOIN kobatela.usage_mandates m ON m.id = p.mandate_id
WHERE p.beneficiary_id <> m.beneficiary_id OR p.currency <> m.currency OR p.status <> 'COMPLETED';
-- At most one ACTIVE mandate per (sender, beneficiary, currency).
SELECT count(*) AS duplicated_active_mandates FROM (
    SELECT 1 FROM kobatela.usage_mandates WHERE status = 'ACTIVE'
    GROUP BY sender_id, beneficiary_id, currency HAVING count(*) > 1) d;
