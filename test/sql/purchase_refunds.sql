-- Refunds of purchases (0.6.0, issue 14 part 2; src/api/purchases.cpp, core/refund_plan): a
-- purchase refunded in full or in parts by the merchant's side (the platform, scope admin), never
-- beyond its amount, in whole minor units of its currency; the amount goes back to the mandate
-- (total_spent), and a CONSUMED mandate with money again is ACTIVE again unless another ACTIVE
-- mandate of the pair exists or it expired; idempotency; scopes; every refusal writes nothing;
-- every row written is audited PURCHASE_REFUNDED. Nothing printed depends on ids or times.

-- The parties: Amara and Yao send from abroad; Kofi, Awa and Efua buy.
SELECT id AS amara FROM kobatela.create_user('pr_amara', 'pr_amara@example.com') \gset
SELECT id AS yao FROM kobatela.create_user('pr_yao', 'pr_yao@example.com') \gset
SELECT id AS kofi FROM kobatela.create_user('pr_kofi', 'pr_kofi@example.com') \gset
SELECT id AS awa FROM kobatela.create_user('pr_awa', 'pr_awa@example.com') \gset
SELECT id AS efua FROM kobatela.create_user('pr_efua', 'pr_efua@example.com') \gset
SELECT id AS shop FROM kobatela.create_merchant('pr Market', NULL, true) \gset
SELECT coalesce(max(record_id), 0) AS audit_start FROM kobatela.audit_entries \gset

-- The mandates of this file, and what their books say: total_spent against the purchases less
-- their refunds, and the refunds of each purchase against its amount.
CREATE FUNCTION t.pr_books() RETURNS TABLE (sender text, beneficiary text, currency text, status text,
                                            total_amount numeric, total_spent numeric, purchases numeric,
                                            refunds numeric, spent_is_purchases_less_refunds boolean,
                                            no_purchase_over_refunded boolean)
LANGUAGE sql AS $$
    SELECT s.username, b.username, m.currency, m.status::text, m.total_amount, m.total_spent,
           (SELECT coalesce(sum(p.amount), 0) FROM kobatela.purchases p WHERE p.mandate_id = m.id),
           (SELECT coalesce(sum(r.amount), 0) FROM kobatela.purchase_refunds r WHERE r.mandate_id = m.id),
           m.total_spent = (SELECT coalesce(sum(p.amount), 0) FROM kobatela.purchases p WHERE p.mandate_id = m.id)
                         - (SELECT coalesce(sum(r.amount), 0) FROM kobatela.purchase_refunds r WHERE r.mandate_id = m.id),
           NOT EXISTS (SELECT 1 FROM kobatela.purchases p WHERE p.mandate_id = m.id
                       AND p.amount < (SELECT coalesce(sum(r.amount), 0) FROM kobatela.purchase_refunds r
                                       WHERE r.purchase_id = p.id))
    FROM kobatela.usage_mandates m
    JOIN kobatela.users s ON s.id = m.sender_id JOIN kobatela.users b ON b.id = m.beneficiary_id
    WHERE s.username LIKE 'pr\_%'
    ORDER BY s.username, b.username, m.currency, m.id $$;

-- ---------------------------------------------------------------------------------------------
-- In full, and in parts summing to the amount
-- ---------------------------------------------------------------------------------------------
-- Amara's mandate of 100.00 for Kofi: two purchases spend it all, so it is CONSUMED.
SELECT id AS m_kofi FROM kobatela.create_mandate(:amara, :kofi, 100) \gset
SELECT id AS p60 FROM kobatela.create_purchase(:amara, :shop, 60, beneficiary_id => :kofi) \gset
SELECT id AS p40 FROM kobatela.create_purchase(:amara, :shop, 40, beneficiary_id => :kofi) \gset
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_kofi;

-- The 40.00 refunded in full: the row names the purchase, its mandate and its currency; the mandate
-- has 40.00 again and is ACTIVE again (no other ACTIVE mandate of the pair, not expired).
SELECT purchase_id = :p40 AS of_the_purchase, mandate_id = :m_kofi AS of_its_mandate, amount, currency, reason,
       idempotency_key, idempotency_owner
FROM kobatela.refund_purchase(:p40, 40, 'order cancelled');
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_kofi;
-- ... and Kofi can spend it again.
SELECT status, amount FROM kobatela.create_purchase(:amara, :shop, 25, beneficiary_id => :kofi);

-- The 60.00 refunded in three parts: 10 + 20 + 30 is the whole purchase.
SELECT amount FROM kobatela.refund_purchase(:p60, 10, 'one item damaged');
SELECT amount FROM kobatela.refund_purchase(:p60, 20.00, 'two items missing');
SELECT amount FROM kobatela.refund_purchase(:p60, 30, 'rest returned');
SELECT count(*) AS refunds, sum(amount) AS refunded FROM kobatela.purchase_refunds WHERE purchase_id = :p60;
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_kofi;

-- ---------------------------------------------------------------------------------------------
-- Beyond the purchase: refused, nothing written
-- ---------------------------------------------------------------------------------------------
SELECT t.row_counts() AS before_over \gset
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 0.01, 'one cent more')$$, :p60)) AS refunded_in_full;
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 40.01, 'a little more')$$, :p40)) AS refunded_in_full_too;
SELECT t.row_counts() = :'before_over' AS wrote_nothing;
SELECT id AS p30 FROM kobatela.create_purchase(:amara, :shop, 30, beneficiary_id => :kofi) \gset
SELECT t.row_counts() AS before_over \gset
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 30.01, 'more than it cost')$$, :p30)) AS over_at_once;
SELECT t.row_counts() = :'before_over' AS wrote_nothing_at_all;
SELECT amount FROM kobatela.refund_purchase(:p30, 29.99, 'almost all');
SELECT t.row_counts() AS before_over \gset
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 0.02, 'one cent too many')$$, :p30)) AS over_by_a_cent;
SELECT t.row_counts() = :'before_over' AS wrote_nothing_either;
SELECT amount FROM kobatela.refund_purchase(:p30, 0.01, 'the last cent');

-- ---------------------------------------------------------------------------------------------
-- Bad input: the catalogued errors of the other calls, nothing written
-- ---------------------------------------------------------------------------------------------
SELECT t.row_counts() AS before_bad \gset
CREATE TEMP TABLE pr_bad_calls (label text, statement text);
INSERT INTO pr_bad_calls VALUES
  ('purchase_id NULL',       $$SELECT kobatela.refund_purchase(NULL, 1, 'r')$$),
  ('amount NULL',            format($$SELECT kobatela.refund_purchase(%s, NULL, 'r')$$, :p30)),
  ('amount 0',               format($$SELECT kobatela.refund_purchase(%s, 0, 'r')$$, :p30)),
  ('amount -5',              format($$SELECT kobatela.refund_purchase(%s, -5, 'r')$$, :p30)),
  ('amount 0.001',           format($$SELECT kobatela.refund_purchase(%s, 0.001, 'r')$$, :p30)),
  ('amount 1e16',            format($$SELECT kobatela.refund_purchase(%s, 1e16, 'r')$$, :p30)),
  ('amount 1e20',            format($$SELECT kobatela.refund_purchase(%s, 1e20, 'r')$$, :p30)),
  ('amount NaN',             format($$SELECT kobatela.refund_purchase(%s, 'NaN', 'r')$$, :p30)),
  ('amount Infinity',        format($$SELECT kobatela.refund_purchase(%s, 'Infinity', 'r')$$, :p30)),
  ('reason NULL',            format($$SELECT kobatela.refund_purchase(%s, 1, NULL)$$, :p30)),
  ('reason empty',           format($$SELECT kobatela.refund_purchase(%s, 1, '')$$, :p30)),
  ('reason spaces',          format($$SELECT kobatela.refund_purchase(%s, 1, '   ')$$, :p30)),
  ('reason 1001 characters', format($$SELECT kobatela.refund_purchase(%s, 1, repeat('r', 1001))$$, :p30)),
  ('reason control char',    format($$SELECT kobatela.refund_purchase(%s, 1, E'r\x01')$$, :p30)),
  ('key 65 characters',      format($$SELECT kobatela.refund_purchase(%s, 1, 'r', repeat('k', 65))$$, :p30)),
  ('key empty',              format($$SELECT kobatela.refund_purchase(%s, 1, 'r', '')$$, :p30)),
  ('purchase unknown',       $$SELECT kobatela.refund_purchase(9223372036854775807, 1, 'r')$$),
  ('purchase -1',            $$SELECT kobatela.refund_purchase(-1, 1, 'r', 'pr-unknown')$$);
SELECT label, t.err(statement) AS outcome FROM pr_bad_calls ORDER BY label;
SELECT t.row_counts() = :'before_bad' AS bad_input_wrote_nothing;
-- A reason of exactly 1000 characters is accepted (on a purchase of its own).
SELECT id AS p5 FROM kobatela.create_purchase(:amara, :shop, 5, beneficiary_id => :kofi) \gset
SELECT char_length(reason) AS reason_length FROM kobatela.refund_purchase(:p5, 5, repeat('r', 1000));

-- ---------------------------------------------------------------------------------------------
-- Minor units: XOF has none (test/sql/currencies.sql); a refund is in whole francs
-- ---------------------------------------------------------------------------------------------
SELECT code, minor_units FROM kobatela.enable_currency('XOF');
SELECT id AS m_xof FROM kobatela.create_mandate(:amara, :awa, 20000, 'XOF') \gset
SELECT id AS p_xof FROM kobatela.create_purchase(:amara, :shop, 15000, 'XOF', beneficiary_id => :awa) \gset
SELECT t.row_counts() AS before_fraction \gset
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 1500.50, 'half a franc')$$, :p_xof)) AS fractional;
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 0.01, 'one centime')$$, :p_xof)) AS centime;
SELECT t.row_counts() = :'before_fraction' AS fractions_wrote_nothing;
SELECT amount, currency FROM kobatela.refund_purchase(:p_xof, 1500, 'one bag returned');
-- A currency disabled since: the purchase is refunded all the same (existing objects carry on).
SELECT code, enabled FROM kobatela.disable_currency('XOF');
SELECT amount, currency FROM kobatela.refund_purchase(:p_xof, 500, 'one more returned');
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 0.5, 'half a franc')$$, :p_xof)) AS still_whole_francs;
DELETE FROM kobatela.currencies;  -- back to the defaults for the suites that follow
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_xof;

-- ---------------------------------------------------------------------------------------------
-- Idempotency: a replay returns the first refund and writes nothing; another request is a conflict
-- ---------------------------------------------------------------------------------------------
SELECT id AS p50 FROM kobatela.create_purchase(:amara, :shop, 20, beneficiary_id => :kofi) \gset
SELECT id AS r_keyed FROM kobatela.refund_purchase(:p50, 5, 'late delivery', 'pr-refund-1') \gset
SELECT amount, reason, idempotency_key, idempotency_owner IS NULL AS owner_is_the_platform
FROM kobatela.purchase_refunds WHERE id = :r_keyed;
SELECT t.row_counts() AS before_replay \gset
SELECT id = :r_keyed AS same_refund, amount, reason FROM kobatela.refund_purchase(:p50, 5, 'late delivery', 'pr-refund-1');
SELECT id = :r_keyed AS same_refund_by_name FROM kobatela.refund_purchase(:p50, 5.00, 'late delivery', idempotency_key => 'pr-refund-1');
SELECT t.row_counts() = :'before_replay' AS replays_wrote_nothing;
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 6, 'late delivery', 'pr-refund-1')$$, :p50)) AS other_amount;
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 5, 'late', 'pr-refund-1')$$, :p50)) AS other_reason;
SELECT t.err(format($$SELECT kobatela.refund_purchase(%s, 5, 'late delivery', 'pr-refund-1')$$, :p30)) AS other_purchase;
SELECT t.err($$SELECT kobatela.refund_purchase(-1, 5, 'late delivery', 'pr-refund-1')$$) AS unknown_purchase;
SELECT t.row_counts() = :'before_replay' AS conflicts_wrote_nothing;
-- The replay comes first: once the purchase is refunded in full, the key still answers its refund.
SELECT amount FROM kobatela.refund_purchase(:p50, 15, 'the rest');
SELECT id = :r_keyed AS replayed_after_full FROM kobatela.refund_purchase(:p50, 5, 'late delivery', 'pr-refund-1');

-- ---------------------------------------------------------------------------------------------
-- Scopes: the platform (admin) only; merchants hold no keys
-- ---------------------------------------------------------------------------------------------
CALL t.use_secret('api_key_pepper', 'purchase-refunds-pepper-do-not-log');
SELECT api_key AS sender_key FROM kobatela.create_api_key('pr sender', 'sender') \gset
SELECT api_key AS amara_key FROM kobatela.create_api_key('pr amara', 'sender', :amara) \gset
SELECT api_key AS kofi_key FROM kobatela.create_api_key('pr kofi', 'sender', :kofi) \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('pr support', 'support') \gset
SELECT api_key AS admin_key FROM kobatela.create_api_key('pr admin', 'admin') \gset
SELECT api_key AS bound_admin_key FROM kobatela.create_api_key('pr admin bound', 'admin', :yao) \gset
SELECT id AS p_scope FROM kobatela.create_purchase(:amara, :shop, 10, beneficiary_id => :kofi) \gset

-- As PostgREST calls (t.pr_call, 00_setup.sql): its role, the request's key authenticated.
GRANT USAGE ON SCHEMA t TO kobatela_anon, kobatela_sender, kobatela_support;
GRANT EXECUTE ON FUNCTION t.pr_call(text, text, text) TO kobatela_anon, kobatela_sender, kobatela_support;

SELECT t.row_counts() AS before_scopes \gset
CREATE TEMP TABLE pr_scope_calls (ord int, who text, role text, api_key text);
INSERT INTO pr_scope_calls VALUES
    (1, 'no key', 'kobatela_anon', NULL),
    (2, 'sender', 'kobatela_anon', :'sender_key'),
    (3, 'sender bound to the mandate''s sender', 'kobatela_anon', :'amara_key'),
    (4, 'sender bound to the beneficiary', 'kobatela_anon', :'kofi_key'),
    (5, 'support', 'kobatela_anon', :'support_key'),
    (6, 'JWT role kobatela_sender', 'kobatela_sender', NULL),
    (7, 'JWT role kobatela_support', 'kobatela_support', NULL);
SELECT who, t.pr_call(role, api_key, format($$SELECT amount FROM kobatela.refund_purchase(%s, 1, 'scope')$$, :p_scope)) AS outcome
FROM pr_scope_calls ORDER BY ord;
SELECT t.row_counts() = :'before_scopes' AS refusals_wrote_nothing;
-- The admin key refunds; an admin key bound to a user too (the binding does not make it a party:
-- the refund is the platform's), its idempotency key in its user's namespace. An unbound admin key
-- shares the platform's namespace with the superuser: its key above is taken.
SELECT t.pr_call('kobatela_anon', :'admin_key',
                 format($$SELECT amount FROM kobatela.refund_purchase(%s, 1, 'scope')$$, :p_scope)) AS admin;
SELECT t.pr_call('kobatela_anon', :'admin_key',
                 format($$SELECT amount FROM kobatela.refund_purchase(%s, 2, 'scope', 'pr-refund-1')$$, :p_scope)) AS admin_platform_key;
SELECT t.pr_call('kobatela_anon', :'bound_admin_key',
                 format($$SELECT amount FROM kobatela.refund_purchase(%s, 2, 'scope', 'pr-refund-1')$$, :p_scope)) AS bound_admin;
SELECT t.pr_call('kobatela_anon', :'bound_admin_key',
                 format($$SELECT amount FROM kobatela.refund_purchase(%s, 2, 'scope', 'pr-refund-1')$$, :p_scope)) AS bound_admin_replay;
SELECT amount, u.username AS key_owner FROM kobatela.purchase_refunds r
LEFT JOIN kobatela.users u ON u.id = r.idempotency_owner WHERE r.purchase_id = :p_scope ORDER BY r.amount;

-- Reading the table: who reads a purchase reads its refunds (RLS, sql/security.sql).
CREATE TEMP TABLE pr_readers (ord int, who text, api_key text);
INSERT INTO pr_readers VALUES (1, 'sender (the platform)', :'sender_key'), (2, 'the mandate''s sender', :'amara_key'),
                              (3, 'the beneficiary', :'kofi_key'), (4, 'support', :'support_key'),
                              (5, 'a stranger', (SELECT api_key FROM kobatela.create_api_key('pr efua', 'sender', :efua)));
SELECT who, t.pr_call('kobatela_anon', api_key,
                      format('SELECT count(*)::text FROM kobatela.purchase_refunds WHERE purchase_id = %s', :p_scope)) AS refunds_seen,
            t.pr_call('kobatela_anon', api_key,
                      format('SELECT count(*)::text FROM kobatela.purchases WHERE id = %s', :p_scope)) AS purchase_seen
FROM pr_readers ORDER BY ord;

-- ---------------------------------------------------------------------------------------------
-- A CONSUMED mandate stays CONSUMED beside another ACTIVE one, or once expired
-- ---------------------------------------------------------------------------------------------
-- Yao's mandate of 50.00 for Kofi is spent; Yao makes a new one (the pair may have one ACTIVE).
SELECT id AS m_old FROM kobatela.create_mandate(:yao, :kofi, 50) \gset
SELECT id AS p_old FROM kobatela.create_purchase(:yao, :shop, 50, beneficiary_id => :kofi) \gset
SELECT id AS m_new FROM kobatela.create_mandate(:yao, :kofi, 80) \gset
SELECT amount FROM kobatela.refund_purchase(:p_old, 20, 'returned');
SELECT id = :m_old AS old_mandate, status, total_spent FROM kobatela.usage_mandates WHERE id IN (:m_old, :m_new) ORDER BY id;
-- A purchase goes to the ACTIVE one; the old mandate's money stays unspendable.
SELECT mandate_id = :m_new AS under_the_new_mandate FROM kobatela.create_purchase(:yao, :shop, 30, beneficiary_id => :kofi);

-- Yao's mandate for Efua is spent, then expires (its date set in the past, as time would).
SELECT id AS m_exp FROM kobatela.create_mandate(:yao, :efua, 40) \gset
SELECT id AS p_exp FROM kobatela.create_purchase(:yao, :shop, 40, beneficiary_id => :efua) \gset
UPDATE kobatela.usage_mandates SET expires_at = clock_timestamp() - interval '1 second' WHERE id = :m_exp;
SELECT amount FROM kobatela.refund_purchase(:p_exp, 15, 'expired meanwhile');
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_exp;

-- Amara's mandate for Efua, ACTIVE and part spent, expires by the job: a refund leaves it EXPIRED.
SELECT id AS m_job FROM kobatela.create_mandate(:amara, :efua, 60) \gset
SELECT id AS p_job FROM kobatela.create_purchase(:amara, :shop, 25, beneficiary_id => :efua) \gset
UPDATE kobatela.usage_mandates SET expires_at = clock_timestamp() - interval '1 second' WHERE id = :m_job;
SELECT t.pr_call('kobatela_anon', :'amara_key', 'SELECT kobatela.expire_mandates()::text') AS expired_by_the_job;
SELECT amount FROM kobatela.refund_purchase(:p_job, 25, 'expired mandate');
SELECT status, total_spent FROM kobatela.usage_mandates WHERE id = :m_job;

-- ---------------------------------------------------------------------------------------------
-- The audit trail: every row a refund wrote is audited PURCHASE_REFUNDED, and nothing else is
-- ---------------------------------------------------------------------------------------------
SELECT action, entity, count(*) FROM kobatela.audit_entries
WHERE record_id > :audit_start AND entity IN ('purchase_refunds', 'usage_mandates')
  AND (action = 'PURCHASE_REFUNDED' OR entity = 'purchase_refunds')
GROUP BY action, entity ORDER BY entity, action;
-- One mandate update per refund (its total_spent lowered; the books below add it up).
SELECT count(*) AS refunds,
       count(*) = (SELECT count(*) FROM kobatela.audit_entries a WHERE a.record_id > :audit_start AND a.entity = 'usage_mandates'
                   AND a.action = 'PURCHASE_REFUNDED') AS one_mandate_row_each
FROM kobatela.purchase_refunds r JOIN kobatela.purchases p ON p.id = r.purchase_id
JOIN kobatela.users u ON u.id = p.beneficiary_id WHERE u.username LIKE 'pr\_%';
SELECT kobatela.verify_audit_chain() AS chain_verifies;

-- ---------------------------------------------------------------------------------------------
-- The books after all of it: total_spent = sum(purchases) - sum(refunds), for every mandate
-- ---------------------------------------------------------------------------------------------
SELECT * FROM t.pr_books();
REVOKE ALL ON FUNCTION t.pr_call(text, text, text) FROM kobatela_anon, kobatela_sender, kobatela_support;
REVOKE ALL ON SCHEMA t FROM kobatela_anon, kobatela_sender, kobatela_support;
DROP FUNCTION t.pr_books();
DROP FUNCTION t.pr_call(text, text, text);
RESET kobatela.api_key_pepper_file;
