-- Lists (sql/functions_lists.sql, docs/reference.md "Lists"): one page at a time, newest first,
-- {"object": "list", "data": [...], "has_more", "next_cursor"}; filters, limits, cursors, and what
-- each caller sees (a key bound to a user: its user's rows only, on every list). Rows are shown by
-- the names this suite gives them, so that the output does not depend on the suites before it.
CALL t.use_secret('api_key_pepper', 'lists-pepper-do-not-log');
SELECT id AS ann FROM kobatela.create_user('l_ann', 'l_ann@example.com') \gset
SELECT id AS ben FROM kobatela.create_user('l_ben', 'l_ben@example.com') \gset
SELECT id AS cat FROM kobatela.create_user('l_cat', 'l_cat@example.com') \gset

CREATE TABLE t.l_names (list text, id bigint, name text);
-- A page as "name, name, ... | more" (has_more, and a cursor) or "... | end" (neither); a row this
-- suite did not make shows as '?'.
CREATE FUNCTION t.l_page(list text, page jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(coalesce(n.name, '?'), ', ' ORDER BY r.ord), '-') || ' | '
           || CASE WHEN (page ->> 'has_more')::boolean AND page ->> 'next_cursor' IS NOT NULL THEN 'more'
                   WHEN NOT (page ->> 'has_more')::boolean AND page ->> 'next_cursor' IS NULL THEN 'end'
                   ELSE 'INCONSISTENT' END
    FROM jsonb_array_elements(page -> 'data') WITH ORDINALITY AS r (row, ord)
    LEFT JOIN t.l_names n ON n.list = l_page.list AND n.id = (r.row ->> 'id')::bigint $$;
-- Every page of a call (its text with %L where the cursor goes), followed to the end: the ids in
-- the order read, as text. Fails on a page out of order or a row read twice.
CREATE FUNCTION t.l_all(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cursor text;
    ids bigint[] := '{}';
    pages int := 0;
BEGIN
    LOOP
        EXECUTE 'SELECT ' || format(call, cursor) INTO page;
        ids := ids || ARRAY(SELECT (r ->> 'id')::bigint FROM jsonb_array_elements(page -> 'data') r);
        pages := pages + 1;
        cursor := page ->> 'next_cursor';
        EXIT WHEN cursor IS NULL OR pages > 10000;
    END LOOP;
    IF (SELECT count(DISTINCT i) FROM unnest(ids) i) <> cardinality(ids) THEN RAISE EXCEPTION 'a row twice: %', ids; END IF;
    RETURN ids::text;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The rows: escrows between the three (ann is the client of e1, e2 and e5, the provider of e4),
-- deposits, milestones, payees and payments, transfers, mandates and purchases.
-- ---------------------------------------------------------------------------------------------
SELECT id AS e1 FROM kobatela.create_escrow(:ann, :ben, 100, 'USD', '{}', now() + interval '10 days') \gset
SELECT id AS e2 FROM kobatela.create_escrow(:ann, :ben, 50, 'EUR', '{}', now() + interval '10 days') \gset
SELECT id AS e3 FROM kobatela.create_escrow(:ben, :cat, 30, 'USD', '{}', now() + interval '10 days') \gset
SELECT id AS e4 FROM kobatela.create_escrow(:cat, :ann, 20, 'USD', '{}', now() + interval '10 days') \gset
SELECT id AS e5 FROM kobatela.create_escrow(:ann, :cat, 10, 'USD', '{}', now() + interval '10 days') \gset
INSERT INTO t.l_names VALUES ('escrows', :e1, 'e1'), ('escrows', :e2, 'e2'), ('escrows', :e3, 'e3'),
                             ('escrows', :e4, 'e4'), ('escrows', :e5, 'e5');
SELECT status FROM kobatela.escrow_deposit(:e1, 40);
SELECT status FROM kobatela.escrow_deposit(:e1, 60);
SELECT status FROM kobatela.escrow_deposit(:e3, 30);
INSERT INTO t.l_names SELECT 'deposits', id, 'd' || row_number() OVER (ORDER BY id) FROM kobatela.escrow_deposits
WHERE escrow_id IN (:e1, :e3);
SELECT idx FROM kobatela.add_milestone(:e2, 1, 'first', 20, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:e2, 2, 'second', 30, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:e4, 1, 'only', 20, 'DOCUMENT');
SELECT idx FROM kobatela.add_milestone(:e3, 1, 'not ann''s', 5, 'DOCUMENT');
INSERT INTO t.l_names SELECT 'milestones', id, 'm' || row_number() OVER (ORDER BY id) FROM kobatela.milestones
WHERE escrow_id IN (:e2, :e4, :e3);
SELECT payee_ref FROM kobatela.add_allowed_payee(:e1, 'l-clinic', 'Clinic');
SELECT payee_ref FROM kobatela.add_allowed_payee(:e1, 'l-school', 'School');
SELECT payee_ref FROM kobatela.add_allowed_payee(:e3, 'l-grocer', 'Grocer');
INSERT INTO t.l_names SELECT 'payees', id, payee_ref FROM kobatela.allowed_payees WHERE escrow_id IN (:e1, :e3);
SELECT status FROM kobatela.spend(:e1, 'l-clinic', 10);
SELECT status FROM kobatela.spend(:e1, 'l-school', 15);
SELECT status FROM kobatela.spend(:e1, 'l-clinic', 5);
SELECT status FROM kobatela.spend(:e3, 'l-grocer', 7);
INSERT INTO t.l_names SELECT 'payments', id, 'p' || row_number() OVER (ORDER BY id) FROM kobatela.payments
WHERE escrow_id IN (:e1, :e3);
SELECT status FROM kobatela.correct_payment((SELECT id FROM kobatela.payments WHERE escrow_id = :e1 ORDER BY id LIMIT 1),
                                            'SETTLED', 'lists: settled');
SELECT kobatela.add_to_allowlist(:ann, :ben), kobatela.add_to_allowlist(:cat, :ben);
SELECT status FROM kobatela.create_transaction(:ann, :ben, 1);
SELECT status FROM kobatela.create_transaction(:ann, :cat, 2, 'EUR');   -- refused: an alert about ann
SELECT status FROM kobatela.create_transaction(:cat, :ben, 3);
SELECT status FROM kobatela.create_transaction(:ben, :cat, 4);          -- refused: an alert about ben
INSERT INTO t.l_names SELECT 'transactions', id, 't' || row_number() OVER (ORDER BY id) FROM kobatela.transactions
WHERE sender_id IN (:ann, :ben, :cat);
INSERT INTO t.l_names SELECT 'alerts', id, 'a' || row_number() OVER (ORDER BY id) FROM kobatela.alerts
WHERE actor_user_id IN (:ann, :ben, :cat);
SELECT id AS shop FROM kobatela.create_merchant('l_shop', NULL, true) \gset
SELECT id AS m1 FROM kobatela.create_mandate(:ann, :ben, 100) \gset
SELECT id AS m2 FROM kobatela.create_mandate(:cat, :ann, 50, 'EUR') \gset
SELECT id AS m3 FROM kobatela.create_mandate(:ben, :cat, 20) \gset
INSERT INTO t.l_names VALUES ('mandates', :m1, 'm1'), ('mandates', :m2, 'm2'), ('mandates', :m3, 'm3');
SELECT amount FROM kobatela.create_purchase(:ann, :shop, 5, beneficiary_id => :ben);
SELECT amount FROM kobatela.create_purchase(:ann, :shop, 6, beneficiary_id => :ben);
SELECT amount FROM kobatela.create_purchase(:cat, :shop, 7, 'EUR', beneficiary_id => :ann);
SELECT amount FROM kobatela.create_purchase(:ben, :shop, 8, beneficiary_id => :cat);
INSERT INTO t.l_names SELECT 'purchases', id, 'u' || row_number() OVER (ORDER BY id) FROM kobatela.purchases
WHERE mandate_id IN (:m1, :m2, :m3);

-- ---------------------------------------------------------------------------------------------
-- A page: its shape, its rows as get_* shows them, newest first, and the cursor to the end
-- ---------------------------------------------------------------------------------------------
SELECT kobatela.list_escrows(counterparty_id => :ann, "limit" => 2) AS page1 \gset
SELECT array_agg(k ORDER BY k) AS members FROM jsonb_object_keys(:'page1') k;
SELECT :'page1'::jsonb ->> 'object' AS object, jsonb_typeof(:'page1'::jsonb -> 'data') AS data,
       :'page1'::jsonb -> 'has_more' AS has_more, jsonb_typeof(:'page1'::jsonb -> 'next_cursor') AS next_cursor;
SELECT :'page1'::jsonb -> 'data' -> 0 = to_jsonb(kobatela.get_escrow(:e5)) AS row_as_get_escrow;
SELECT t.l_page('escrows', :'page1') AS page1;
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann, "limit" => 2,
                                                  cursor => :'page1'::jsonb ->> 'next_cursor')) AS page2;
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann, "limit" => 3,
                                                  cursor => :'page1'::jsonb ->> 'next_cursor')) AS page2_of_3;
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann, "limit" => 4)) AS exactly_four;
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann)) AS default_limit;
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann, "limit" => 1000)) AS largest_limit;
-- The cursor of the last row of a list: an empty last page.
SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => :ann,
    cursor => (kobatela.list_escrows(counterparty_id => :ann, "limit" => 3) ->> 'next_cursor'), "limit" => 1)) AS after_e2;

-- ---------------------------------------------------------------------------------------------
-- Filters of every list
-- ---------------------------------------------------------------------------------------------
SELECT 'escrows' AS list, f AS filter, t.l_page('escrows', p) AS page FROM (VALUES
    ('status FUNDED',        kobatela.list_escrows('FUNDED', counterparty_id => :ann)),
    ('status DRAFT',         kobatela.list_escrows('DRAFT', counterparty_id => :ann)),
    ('currency eur',         kobatela.list_escrows(currency => 'eur', counterparty_id => :ann)),
    ('counterparty cat',     kobatela.list_escrows(counterparty_id => :cat)),
    ('since now',            kobatela.list_escrows(counterparty_id => :ann, created_since => now())),
    ('since tomorrow',       kobatela.list_escrows(counterparty_id => :ann, created_since => now() + interval '1 day')),
    ('until now',            kobatela.list_escrows(counterparty_id => :ann, created_until => now())),
    ('until tomorrow',       kobatela.list_escrows(counterparty_id => :ann, created_until => now() + interval '1 day'))
) AS c (f, p);
SELECT 'payments' AS list, f AS filter, t.l_page('payments', p) AS page FROM (VALUES
    ('escrow e1',            kobatela.list_payments(:e1)),
    ('escrow e3',            kobatela.list_payments(:e3)),
    ('escrow e2',            kobatela.list_payments(:e2)),
    ('e1 SETTLED',           kobatela.list_payments(:e1, 'SETTLED')),
    ('e1 SENT',              kobatela.list_payments(:e1, 'SENT')),
    ('e1 kind PAYEE',        kobatela.list_payments(:e1, kind => 'PAYEE')),
    ('e1 kind REFUND',       kobatela.list_payments(:e1, kind => 'REFUND')),
    ('e1 since tomorrow',    kobatela.list_payments(:e1, created_since => now() + interval '1 day')),
    ('e1 until tomorrow',    kobatela.list_payments(:e1, created_until => now() + interval '1 day'))
) AS c (f, p);
SELECT 'milestones' AS list, f AS filter, t.l_page('milestones', p) AS page FROM (VALUES
    ('escrow e2',            kobatela.list_milestones(:e2)),
    ('escrow e4',            kobatela.list_milestones(:e4)),
    ('e2 WAITING',           kobatela.list_milestones(:e2, 'WAITING')),
    ('e2 PAID',              kobatela.list_milestones(:e2, 'PAID')),
    ('e2 limit 1',           kobatela.list_milestones(:e2, "limit" => 1))
) AS c (f, p);
SELECT 'payees' AS list, f AS filter, t.l_page('payees', p) AS page FROM (VALUES
    ('escrow e1',            kobatela.list_payees(:e1)),
    ('escrow e3',            kobatela.list_payees(:e3)),
    ('escrow e5',            kobatela.list_payees(:e5))
) AS c (f, p);
SELECT 'deposits' AS list, f AS filter, t.l_page('deposits', p) AS page FROM (VALUES
    ('escrow e1',            kobatela.list_deposits(:e1)),
    ('escrow e3',            kobatela.list_deposits(:e3)),
    ('e1 since tomorrow',    kobatela.list_deposits(:e1, now() + interval '1 day')),
    ('e1 until tomorrow',    kobatela.list_deposits(:e1, created_until => now() + interval '1 day'))
) AS c (f, p);
SELECT 'transactions' AS list, f AS filter, t.l_page('transactions', p) AS page FROM (VALUES
    ('counterparty ann',     kobatela.list_transactions(counterparty_id => :ann)),
    ('counterparty ben',     kobatela.list_transactions(counterparty_id => :ben)),
    ('ben REJECTED',         kobatela.list_transactions('REJECTED', counterparty_id => :ben)),
    ('ben COMPLETED',        kobatela.list_transactions('COMPLETED', counterparty_id => :ben)),
    ('cat EUR',              kobatela.list_transactions(currency => 'EUR', counterparty_id => :cat))
) AS c (f, p);
SELECT 'mandates' AS list, f AS filter, t.l_page('mandates', p) AS page FROM (VALUES
    ('counterparty ann',     kobatela.list_mandates(counterparty_id => :ann)),
    ('counterparty cat',     kobatela.list_mandates(counterparty_id => :cat)),
    ('ann EUR',              kobatela.list_mandates(currency => 'EUR', counterparty_id => :ann)),
    ('ann ACTIVE',           kobatela.list_mandates('ACTIVE', counterparty_id => :ann)),
    ('ann EXPIRED',          kobatela.list_mandates('EXPIRED', counterparty_id => :ann))
) AS c (f, p);
SELECT 'purchases' AS list, f AS filter, t.l_page('purchases', p) AS page FROM (VALUES
    ('mandate m1',           kobatela.list_purchases(:m1)),
    ('mandate m2',           kobatela.list_purchases(:m2)),
    ('m1 limit 1',           kobatela.list_purchases(:m1, "limit" => 1)),
    ('m1 REJECTED',          kobatela.list_purchases(:m1, 'REJECTED')),
    ('m2 EUR',               kobatela.list_purchases(:m2, currency => 'EUR')),
    ('m2 USD',               kobatela.list_purchases(:m2, currency => 'USD'))
) AS c (f, p);
-- Alerts: list_alerts_page pages what list_alerts returns whole, in the same order.
SELECT kobatela.list_alerts_page('UNAUTHORIZED_TRANSFER_ATTEMPT', 1000) -> 'data'
     = (SELECT jsonb_agg(to_jsonb(a)) FROM kobatela.list_alerts('UNAUTHORIZED_TRANSFER_ATTEMPT') a) AS alerts_of_a_type,
       t.l_all('kobatela.list_alerts_page("limit" => 7, cursor => %L)')
     = (SELECT array_agg(id)::text FROM kobatela.list_alerts()) AS every_alert,
       t.l_page('alerts', kobatela.list_alerts_page('NO_SUCH_TYPE')) AS unknown_type;
-- API keys, as get_api_key shows them (never the hash).
SELECT id AS ann_key_id, api_key AS ann_key FROM kobatela.create_api_key('l bound ann', 'sender', :ann) \gset
SELECT id AS ben_key_id, api_key AS ben_key FROM kobatela.create_api_key('l bound ben', 'sender', :ben) \gset
SELECT kobatela.list_api_keys(:ann) -> 'data' = jsonb_build_array(to_jsonb(kobatela.get_api_key(:ann_key_id))) AS ann_keys,
       kobatela.list_api_keys(:ann) -> 'data' -> 0 ? 'key_hash' AS shows_a_hash,
       jsonb_array_length(kobatela.list_api_keys("limit" => 1000) -> 'data') = (SELECT count(*) FROM kobatela.api_keys) AS every_key;
-- The timeline, oldest first, a page at a time: the same events as escrow_events.
SELECT t.l_all(format('kobatela.list_escrow_events(%s, "limit" => 2, cursor => %%L)', :e1))
     = (SELECT array_agg(id)::text FROM kobatela.escrow_events(:e1)) AS timeline_in_pages,
       (SELECT count(*) FROM kobatela.escrow_events(:e1)) AS events,
       jsonb_array_length(kobatela.list_escrow_events(:e1, 2) -> 'data') AS first_page,
       kobatela.list_escrow_events(:e1, 1) -> 'data' -> 0 = (SELECT to_jsonb(v) FROM kobatela.escrow_events(:e1) v LIMIT 1) AS row_as_escrow_events;

-- ---------------------------------------------------------------------------------------------
-- Refusals: catalogued errors only, nothing else
-- ---------------------------------------------------------------------------------------------
SELECT what, t.err(call) AS outcome FROM (VALUES
    ('limit 0',                 'SELECT kobatela.list_escrows("limit" => 0)'),
    ('limit 1001',              'SELECT kobatela.list_payments("limit" => 1001)'),
    ('limit -1',                'SELECT kobatela.list_api_keys("limit" => -1)'),
    ('cursor garbage',          $$SELECT kobatela.list_escrows(cursor => 'not a cursor')$$),
    ('cursor empty',            $$SELECT kobatela.list_mandates(cursor => '')$$),
    ('cursor of another list',  format($$SELECT kobatela.list_transactions(cursor => %L)$$,
                                       kobatela.list_escrows(counterparty_id => :ann, "limit" => 1) ->> 'next_cursor')),
    ('events cursor elsewhere', format($$SELECT kobatela.list_escrow_events(%s, cursor => %L)$$, :e1,
                                       kobatela.list_payments(:e1, "limit" => 1) ->> 'next_cursor')),
    ('status lower case',       $$SELECT kobatela.list_escrows('funded')$$),
    ('status of another table', $$SELECT kobatela.list_payments(status => 'FUNDED')$$),
    ('transaction status',      $$SELECT kobatela.list_transactions('SETTLED')$$),
    ('purchase status',         $$SELECT kobatela.list_purchases(status => 'PAID')$$),
    ('milestone status',        $$SELECT kobatela.list_milestones(status => 'DONE')$$),
    ('mandate status',          $$SELECT kobatela.list_mandates('USED')$$),
    ('payment kind',            $$SELECT kobatela.list_payments(kind => 'GIFT')$$),
    ('currency',                $$SELECT kobatela.list_escrows(currency => 'EURO')$$),
    ('since after until',       $$SELECT kobatela.list_deposits(created_since => now(), created_until => now() - interval '1 second')$$),
    ('alert type too long',     format($$SELECT kobatela.list_alerts_page(%L)$$, repeat('x', 101))),
    ('no such escrow',          'SELECT kobatela.list_payments(-1)'),
    ('events of no escrow',     'SELECT kobatela.list_escrow_events(-1)'),
    ('events without escrow',   'SELECT kobatela.list_escrow_events(NULL)')
) AS c (what, call);

-- ---------------------------------------------------------------------------------------------
-- Who sees what: every list read to its end by every kind of caller, against the rows the
-- caller's scope shows (for a key bound to ann, written here independently of the policies).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE t.l_callers (ord int, name text, api_key text);
INSERT INTO t.l_callers VALUES
    (1, 'bound ann', :'ann_key'),
    (2, 'sender', (SELECT api_key FROM kobatela.create_api_key('l sender', 'sender'))),
    (3, 'support', (SELECT api_key FROM kobatela.create_api_key('l support', 'support'))),
    (4, 'admin', (SELECT api_key FROM kobatela.create_api_key('l admin', 'admin')));
CREATE TABLE t.l_lists (ord int, list text, call text, everything text, anns text);
INSERT INTO t.l_lists VALUES
    (1, 'escrows', 'kobatela.list_escrows("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.escrow_agreements',
        format('SELECT id FROM kobatela.escrow_agreements WHERE %s IN (client_id, provider_id)', :ann)),
    (2, 'milestones', 'kobatela.list_milestones("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.milestones',
        format('SELECT m.id FROM kobatela.milestones m JOIN kobatela.escrow_agreements e ON e.id = m.escrow_id WHERE %s IN (e.client_id, e.provider_id)', :ann)),
    (3, 'payments', 'kobatela.list_payments("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.payments',
        format('SELECT p.id FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id WHERE %s IN (e.client_id, e.provider_id)', :ann)),
    (4, 'deposits', 'kobatela.list_deposits("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.escrow_deposits',
        format('SELECT d.id FROM kobatela.escrow_deposits d JOIN kobatela.escrow_agreements e ON e.id = d.escrow_id WHERE %s IN (e.client_id, e.provider_id)', :ann)),
    (5, 'payees', 'kobatela.list_payees("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.allowed_payees',
        format('SELECT p.id FROM kobatela.allowed_payees p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id WHERE %s IN (e.client_id, e.provider_id)', :ann)),
    (6, 'transactions', 'kobatela.list_transactions("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.transactions',
        format('SELECT id FROM kobatela.transactions WHERE %s IN (sender_id, receiver_id)', :ann)),
    (7, 'mandates', 'kobatela.list_mandates("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.usage_mandates',
        format('SELECT id FROM kobatela.usage_mandates WHERE %s IN (sender_id, beneficiary_id)', :ann)),
    (8, 'purchases', 'kobatela.list_purchases("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.purchases',
        format('SELECT p.id FROM kobatela.purchases p LEFT JOIN kobatela.usage_mandates m ON m.id = p.mandate_id WHERE p.beneficiary_id = %1$s OR m.sender_id = %1$s', :ann)),
    (9, 'alerts', 'kobatela.list_alerts_page("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.alerts',
        format('SELECT id FROM kobatela.alerts WHERE actor_user_id = %s', :ann)),
    (10, 'api_keys', 'kobatela.list_api_keys("limit" => 3, cursor => %L)', 'SELECT id FROM kobatela.api_keys', NULL);
-- The ids a query returns, newest first, as t.l_all writes them.
CREATE FUNCTION t.l_ids(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    ids text;
BEGIN
    EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id DESC), ''{}'')::text FROM (%s) q', query) INTO ids;
    RETURN ids;
END $$;
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text), t.l_all(text), t.l_page(text, jsonb) TO kobatela_anon;
GRANT SELECT ON t.l_names TO kobatela_anon;
-- Rows written by authenticating (a key's last_used_at) change no list: read everything first.
SELECT c.name AS caller, l.list,
       CASE t.as_key(c.api_key, format('SELECT t.l_all(%L)', l.call))
           WHEN t.l_ids(l.everything) THEN 'all'
           WHEN t.l_ids(coalesce(l.anns, 'SELECT NULL::bigint AS id WHERE false'))
               THEN format('ann''s (%s)', cardinality(t.l_ids(l.anns)::bigint[]))
           ELSE t.as_key(c.api_key, format('SELECT t.l_all(%L)', l.call)) END AS sees
FROM t.l_callers c CROSS JOIN t.l_lists l ORDER BY c.ord, l.ord;
-- A bound key names an escrow, a mandate or a counterparty: still only its user's rows.
SELECT what, t.as_key(:'ann_key', call) AS outcome FROM (VALUES
    ('payments of e1',         format($$SELECT t.l_page('payments', kobatela.list_payments(%s))$$, :e1)),
    ('payments of e3',         format($$SELECT t.l_page('payments', kobatela.list_payments(%s))$$, :e3)),
    ('events of e3',           format('SELECT kobatela.list_escrow_events(%s)::text', :e3)),
    ('purchases of m3',        format($$SELECT t.l_page('purchases', kobatela.list_purchases(%s))$$, :m3)),
    ('purchases of m1',        format($$SELECT t.l_page('purchases', kobatela.list_purchases(%s))$$, :m1)),
    ('escrows with cat',       format($$SELECT t.l_page('escrows', kobatela.list_escrows(counterparty_id => %s))$$, :cat)),
    ('transactions with cat',  format($$SELECT t.l_page('transactions', kobatela.list_transactions(counterparty_id => %s))$$, :cat)),
    ('mandates with ben',      format($$SELECT t.l_page('mandates', kobatela.list_mandates(counterparty_id => %s))$$, :ben)),
    ('api keys',               'SELECT kobatela.list_api_keys()::text')
) AS c (what, call);
SELECT :e5 AS e5, :e4 AS e4, :e2 AS e2, :e1 AS e1 \gset
SELECT format('{%s,%s,%s,%s}', :e5, :e4, :e2, :e1) AS anns_escrows \gset
SELECT t.as_key(:'ann_key', format('SELECT t.l_all(%L)', 'kobatela.list_escrows("limit" => 1, cursor => %L)')) = :'anns_escrows' AS ann_pages_her_escrows,
       t.as_key(:'ben_key', format('SELECT t.l_all(%L)', format('kobatela.list_escrows(counterparty_id => %s, cursor => %%L)', :ann)))
           = format('{%s,%s}', :e2, :e1) AS ben_with_ann;
-- Support reads, but not the keys; no key at all, nothing.
SELECT t.as_key(key, call) AS outcome FROM (VALUES
    ((SELECT api_key FROM t.l_callers WHERE name = 'support'), 'SELECT kobatela.list_api_keys()::text'),
    ((SELECT api_key FROM t.l_callers WHERE name = 'sender'), 'SELECT kobatela.list_api_keys()::text')
) AS c (key, call);
SET ROLE kobatela_anon;
SELECT t.err('SELECT kobatela.list_escrows()') AS anon_without_a_key,
       t.err('SELECT kobatela.list_alerts_page()') AS anon_alerts;
RESET ROLE;
CREATE ROLE kobatela_regress_lists_nobody;
GRANT USAGE ON SCHEMA t TO kobatela_regress_lists_nobody;
SET ROLE kobatela_regress_lists_nobody;
SELECT t.err('SELECT kobatela.list_escrows()') AS a_role_without_scope;
RESET ROLE;
REVOKE USAGE ON SCHEMA t FROM kobatela_regress_lists_nobody;
DROP ROLE kobatela_regress_lists_nobody;
REVOKE EXECUTE ON FUNCTION t.as_key(text, text), t.l_all(text), t.l_page(text, jsonb) FROM kobatela_anon;
REVOKE SELECT ON t.l_names FROM kobatela_anon;
REVOKE USAGE ON SCHEMA t FROM kobatela_anon;
