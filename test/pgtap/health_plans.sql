-- health_plans.sql — health() and the view kobatela.metrics are polled, so every table they read
-- is read along an index (docs/operations.md, "Monitoring"; docs/performance.md, "Indexes and the
-- queries they serve"): on 20 000 rows a table, of which few are in flight (SENT payments, queued
-- or abandoned hand-offs) or recent (alerts, webhook events), six calls of each with
-- plan_cache_mode = force_generic_plan (the plan a kept statement settles on) scanned none of the
-- tables sequentially (pg_stat_xact_user_tables: this transaction's own counts). The rows are
-- written by hand in replica mode, as bench/lists_fill.sql does, and rolled back.
BEGIN;
SELECT plan(14);
\set QUIET on
SET session_replication_role = replica;
SET client_min_messages = warning;
INSERT INTO kobatela.users (username, email) VALUES ('hp_a', 'hp_a@example.com'), ('hp_b', 'hp_b@example.com');
INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, release_conditions, deadline_at)
SELECT (SELECT min(id) FROM kobatela.users WHERE username LIKE 'hp_%'), (SELECT max(id) FROM kobatela.users WHERE username LIKE 'hp_%'),
       10, CASE WHEN g % 2 = 0 THEN 'USD' ELSE 'EUR' END, '{}', now() + interval '1 day'
FROM generate_series(1, 20000) g;
-- 20 000 payments, 40 of them SENT (in flight), the others settled, sent days ago.
INSERT INTO kobatela.payments (escrow_id, amount, status, kind, psp_ref, updated_at)
SELECT e.id, 1, CASE WHEN e.n % 500 = 0 THEN 'SENT' ELSE 'SETTLED' END::kobatela.payment_status, 'RELEASE',
       'hp-' || e.n, now() - (e.n % 100) * interval '1 hour'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM kobatela.escrow_agreements) e;
-- Their hand-offs: nearly all TRANSMITTED, 20 QUEUED, 10 CLAIMED, 10 ABANDONED (3 hours ago).
INSERT INTO kobatela.payout_transmissions (payment_id, state, attempts, created_at, updated_at)
SELECT p.id, CASE WHEN p.n % 1000 = 1 THEN 'QUEUED' WHEN p.n % 2000 = 2 THEN 'CLAIMED'
                  WHEN p.n % 2000 = 3 THEN 'ABANDONED' ELSE 'TRANSMITTED' END::kobatela.transmission_state,
       1, now() - (p.n % 100) * interval '1 hour', now() - (p.n % 100) * interval '1 hour'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM kobatela.payments) p;
-- 20 000 alerts and webhook events over 200 days, 100 of each in the last day.
INSERT INTO kobatela.alerts (type, message, created_at)
SELECT 'HP_' || g % 7, 'health plans', now() - (g / 100) * interval '1 day' - interval '1 minute' FROM generate_series(0, 19999) g;
INSERT INTO kobatela.psp_webhook_events (event_id, psp_ref, kind, raw, received_at, processed_at)
SELECT 'hp-' || g, 'hp-' || (g + 1), 'payment.settled', '{}', now() - (g / 100) * interval '1 day' - interval '1 minute',
       now() FROM generate_series(0, 19999) g;
-- 20 000 audit records (a lane of their own) and events: their totals are their highest ids.
INSERT INTO kobatela.audit_log (actor, action, lane, seq, hash)
SELECT 'role:hp', 'HP', -7, g, '\x00' FROM generate_series(1, 20000) g;
INSERT INTO kobatela.events (type, object, object_id, data) SELECT 'hp.made', 'hp', g, '{}' FROM generate_series(1, 20000) g;
RESET session_replication_role;
ANALYZE kobatela.escrow_agreements, kobatela.payments, kobatela.payout_transmissions, kobatela.alerts,
        kobatela.psp_webhook_events, kobatela.audit_log, kobatela.events;
\set QUIET off
SET plan_cache_mode = force_generic_plan;

-- How the table was read while `call` ran six times: 'no sequential scan', or the count.
CREATE FUNCTION pg_temp.seq_scans_during(tbl text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    seq0 bigint; seq1 bigint;
BEGIN
    SELECT coalesce(seq_scan, 0) INTO seq0 FROM pg_stat_xact_user_tables WHERE relid = ('kobatela.' || tbl)::regclass;
    FOR i IN 1..6 LOOP
        EXECUTE call;
    END LOOP;
    SELECT coalesce(seq_scan, 0) INTO seq1 FROM pg_stat_xact_user_tables WHERE relid = ('kobatela.' || tbl)::regclass;
    RETURN CASE WHEN seq1 = seq0 THEN 'no sequential scan' ELSE format('%s sequential scans', seq1 - seq0) END;
END $$;

-- The figures are what was written (so the calls below read these rows).
SELECT is(h -> 'payments' -> 'unsettled', '40'::jsonb, 'health(): the 40 SENT payments') FROM kobatela.health() h;
SELECT is((h -> 'payout_queue') - 'alert_after_s' - 'oldest_queued_s',
          '{"queued": 20, "claimed": 10, "abandoned": 10, "abandoned_recent": 10}'::jsonb, 'health(): the queue')
FROM kobatela.health() h;
SELECT is(h -> 'webhooks' -> 'received', '100'::jsonb, 'health(): the last day''s 100 webhook events') FROM kobatela.health() h;

SELECT is(pg_temp.seq_scans_during(tbl, call), 'no sequential scan', call || ' reads ' || tbl || ' by index')
FROM (VALUES ('payments', 'SELECT kobatela.health()'),
             ('escrow_agreements', 'SELECT kobatela.health()'),
             ('payout_transmissions', 'SELECT kobatela.health()'),
             ('alerts', 'SELECT kobatela.health()'),
             ('psp_webhook_events', 'SELECT kobatela.health()'),
             ('audit_log', 'SELECT kobatela.health()'),
             ('events', 'SELECT kobatela.health()'),
             ('payments', 'SELECT count(*) FROM kobatela.metrics'),
             ('escrow_agreements', 'SELECT count(*) FROM kobatela.metrics'),
             ('payout_transmissions', 'SELECT count(*) FROM kobatela.metrics'),
             ('alerts', 'SELECT count(*) FROM kobatela.metrics')) AS c (tbl, call);

SELECT * FROM finish();
ROLLBACK;
