-- list_plans.sql — every list reads along an index, also in the generic plan a kept statement
-- settles on after five calls (docs/performance.md, "Lists: cost per page"): with
-- plan_cache_mode = force_generic_plan, six calls of each list, by an admin and by a key bound to
-- a user, on 20 000 rows a table (bench/lists_fill.sql), and the calls scanned the list's table
-- sequentially not once (pg_stat_xact_user_tables: this transaction's own counts), but through an
-- index. (0.7.0's list_alerts had a sequential scan for its generic plan.)
-- pg_prove runs from the repository root, where psql reads the fill.
BEGIN;
SELECT plan(30);
\set rows 20000
\set QUIET on
\i bench/lists_fill.sql
\set QUIET off
SET plan_cache_mode = force_generic_plan;

SELECT id AS u FROM kobatela.users WHERE username = 'lp5' \gset
SELECT client_id AS client, id AS e FROM kobatela.escrow_agreements ORDER BY id LIMIT 1 OFFSET 5 \gset
SELECT id AS m FROM kobatela.usage_mandates ORDER BY id LIMIT 1 OFFSET 5 \gset

-- Runs `call` six times and tells how the table was read meanwhile: 'index' (index scans, no
-- sequential scan), or the counts.
CREATE FUNCTION pg_temp.read_by(tbl text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    seq0 bigint; idx0 bigint; seq1 bigint; idx1 bigint;
BEGIN
    SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) INTO seq0, idx0 FROM pg_stat_xact_user_tables
    WHERE relid = ('kobatela.' || tbl)::regclass;
    FOR i IN 1..6 LOOP
        EXECUTE call;
    END LOOP;
    SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) INTO seq1, idx1 FROM pg_stat_xact_user_tables
    WHERE relid = ('kobatela.' || tbl)::regclass;
    RETURN CASE WHEN seq1 = seq0 AND idx1 > idx0 THEN 'index'
                ELSE format('%s sequential and %s index scans', seq1 - seq0, idx1 - idx0) END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.read_by(text, text) TO kobatela_sender;

CREATE TEMP TABLE calls (ord int, tbl text, call text);
INSERT INTO calls VALUES
    (1, 'escrow_agreements', 'SELECT kobatela.list_escrows()'),
    (2, 'escrow_agreements', 'SELECT kobatela.list_escrows(''FUNDED'', ''USD'')'),
    (3, 'escrow_agreements', format('SELECT kobatela.list_escrows(counterparty_id => %s, "limit" => 10)', :u)),
    (4, 'payments', 'SELECT kobatela.list_payments()'),
    (5, 'payments', format('SELECT kobatela.list_payments(%s, ''SENT'')', :e)),
    (6, 'milestones', format('SELECT kobatela.list_milestones(%s)', :e)),
    (7, 'allowed_payees', format('SELECT kobatela.list_payees(%s)', :e)),
    (8, 'escrow_deposits', format('SELECT kobatela.list_deposits(%s)', :e)),
    (9, 'escrow_events', format('SELECT kobatela.list_escrow_events(%s)', :e)),
    (10, 'escrow_events', format('SELECT kobatela.escrow_events(%s)', :e)),
    (11, 'transactions', format('SELECT kobatela.list_transactions(counterparty_id => %s)', :u)),
    (12, 'usage_mandates', format('SELECT kobatela.list_mandates(counterparty_id => %s)', :u)),
    (13, 'purchases', format('SELECT kobatela.list_purchases(%s)', :m)),
    (14, 'alerts', 'SELECT kobatela.list_alerts_page()'),
    (15, 'alerts', 'SELECT kobatela.list_alerts_page(''LP_3'')'),
    (16, 'alerts', 'SELECT count(*) FROM kobatela.list_alerts(''LP_3'')'),
    (17, 'api_keys', format('SELECT kobatela.list_api_keys(%s)', :u)),
    (18, 'api_keys', 'SELECT kobatela.list_api_keys()');
SELECT is(pg_temp.read_by(tbl, call), 'index', 'admin: ' || call || ' reads ' || tbl || ' by index')
FROM calls ORDER BY ord;

-- A key bound to the client of escrow :e (a PostgREST JWT role with its user claim): the party's
-- own paths.
CREATE TEMP TABLE bound_calls (ord int, tbl text, call text);
INSERT INTO bound_calls VALUES
    (1, 'escrow_agreements', 'SELECT kobatela.list_escrows()'),
    (2, 'payments', 'SELECT kobatela.list_payments()'),
    (3, 'escrow_agreements', 'SELECT kobatela.list_payments()'),
    (4, 'payments', format('SELECT kobatela.list_payments(%s)', :e)),
    (5, 'milestones', 'SELECT kobatela.list_milestones()'),
    (6, 'transactions', 'SELECT kobatela.list_transactions()'),
    (7, 'usage_mandates', 'SELECT kobatela.list_mandates()'),
    (8, 'purchases', 'SELECT kobatela.list_purchases()'),
    (9, 'alerts', 'SELECT kobatela.list_alerts_page()'),
    (10, 'alerts', 'SELECT count(*) FROM kobatela.list_alerts()'),
    (11, 'escrow_events', format('SELECT kobatela.list_escrow_events(%s)', :e));
GRANT SELECT ON bound_calls TO kobatela_sender;
SET LOCAL ROLE kobatela_sender;
SELECT set_config('request.jwt.claims', json_build_object('role', 'kobatela_sender', 'kobatela_user_id', :client)::text, true) AS claims \gset
SELECT is(kobatela.current_user_id(), :client::bigint, 'the calls below are bound to the client of escrow :e');
SELECT is(pg_temp.read_by(tbl, call), 'index', 'bound key: ' || call || ' reads ' || tbl || ' by index')
FROM bound_calls ORDER BY ord;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
