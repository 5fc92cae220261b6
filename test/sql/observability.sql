-- Monitoring (src/api/health.cpp, health_report.cpp, metrics.cpp, src/store/ops_store.cpp,
-- src/core/health_rules.cpp, metrics.cpp): health()'s status, problems and figures, and the view
-- kobatela.metrics, in a database of their own so that the figures are this suite's alone (the
-- other suites' payments, alerts and webhooks stay in theirs). The test cluster preloads pg_cron
-- without creating it: pg_cron is unavailable here, a problem of every answer
-- (test/ops/pg_cron.sh has the jobs and their runs). Times that move are either exact (the rows
-- are back-dated in the transaction that reads them: now() is the same) or shown by their type.
SELECT current_database() AS observability_home \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS kobatela_observability;
CREATE DATABASE kobatela_observability;
\c kobatela_observability
SET client_min_messages = warning;
CREATE EXTENSION kobatela;
-- The helpers of 00_setup (t.use_secret, t.as_key...), in this database too (quietly; pg_regress
-- says where its inputs are).
\getenv abs_srcdir PG_ABS_SRCDIR
\set setup :abs_srcdir '/sql/00_setup.sql'
\set ECHO none
\o /dev/null
\i :setup
\o
-- (00_setup made this database start with no secret configured: from the next session on.)
\c kobatela_observability
SET client_min_messages = warning;
\set ECHO all
GRANT USAGE ON SCHEMA t TO kobatela_anon;
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;

-- A fresh database, no secret: every field, as a superuser (the admin scope) sees it. Three
-- problems make the status "warning": the two secrets and pg_cron.
SELECT jsonb_pretty(kobatela.health() - 'database') AS fresh;

-- The secrets configured: only pg_cron is left.
CALL t.use_secret('api_key_pepper', 'observability-pepper-do-not-log');
CALL t.use_secret('psp_webhook_secret', 'observability-psp-do-not-log');
SELECT h ->> 'status' AS status, h -> 'problems' AS problems, h -> 'psp_secret_configured' AS psp,
       h -> 'api_key_pepper_configured' AS pepper
FROM kobatela.health() AS h;
-- A setting outside its advised range is a problem too (accepted by the server all the same).
SET kobatela.payout_max_attempts = 1;
SELECT h -> 'settings' -> 'payout_max_attempts' AS attempts, h -> 'settings' -> 'out_of_range' AS out_of_range
FROM kobatela.health() AS h;
-- The new settings keep to their bounds.
SELECT set_config('kobatela.unsettled_payment_alert_s', '59', false) AS too_small;
SELECT set_config('kobatela.health_window_s', '2592001', false) AS too_large;
SELECT set_config('kobatela.cron_history_retention_days', '0', false) AS no_history;

-- Business: three spends from one escrow (SENT payments, QUEUED hand-offs). A worker (the
-- superuser has the admin scope) claims the first two: the PSP takes the first (TRANSMITTED, its
-- payment still SENT, unsettled), the second fails and, with one attempt allowed, is given up
-- (ABANDONED: its payment ERROR, alerts PAYMENT_TO_REPAY and PAYOUT_TRANSMISSION_FAILED). The
-- third stays QUEUED.
SELECT id AS client FROM kobatela.create_user('obs_client', 'obs_client@example.com') \gset
SELECT id AS provider FROM kobatela.create_user('obs_provider', 'obs_provider@example.com') \gset
SELECT id AS esc FROM kobatela.create_escrow(:client, :provider, 100, 'USD', '{}', now() + interval '1 day') \gset
SELECT status FROM kobatela.escrow_deposit(:esc, 100);
SELECT payee_ref FROM kobatela.add_allowed_payee(:esc, 'obs_pharmacy', 'Pharmacy');
SELECT id AS paid, psp_ref AS paid_ref FROM kobatela.spend(:esc, 'obs_pharmacy', 10) \gset
SELECT id AS failed FROM kobatela.spend(:esc, 'obs_pharmacy', 20) \gset
SELECT id AS waiting FROM kobatela.spend(:esc, 'obs_pharmacy', 30) \gset
SELECT payment_id = :paid AS first, attempt FROM kobatela.claim_payouts('obs-worker', 2) ORDER BY payment_id;
SELECT state FROM kobatela.payout_transmitted(:paid, :'paid_ref');
SELECT state FROM kobatela.payout_transmission_failed(:failed, 'PSP answered HTTP 500');
-- PSP webhook events: one that names the transmitted payment, one whose reference names no
-- payment (in error), one without reference (recorded, acting on nothing: not an error). Written
-- directly, as a delivery would record them (the signature is test/sql/psp.sql's); and an alert
-- of a webhook that contradicted its payment.
INSERT INTO kobatela.psp_webhook_events (event_id, psp_ref, kind, raw) VALUES
    ('obs-matched', :'paid_ref', 'payment.pending', '{}'),
    ('obs-unknown', 'PSP-00000000-0000-7000-8000-000000000000', 'payment.settled', '{}'),
    ('obs-ping', NULL, 'ping', '{}');
INSERT INTO kobatela.alerts (type, message) VALUES ('PSP_EVENT_CONTRADICTS_PAYMENT', 'observability: a contradiction');
-- A refused transfer: an alert for the user's mistake, counted but no problem.
SELECT status FROM kobatela.create_transaction(:client, :provider, 1);
SELECT type, count(*) FROM kobatela.alerts GROUP BY type ORDER BY type;

-- The figures as they are now (the ages, whole seconds that grow as the suite runs: their type).
SELECT h ->> 'status' AS status, jsonb_pretty(h -> 'problems') AS problems FROM kobatela.health() AS h;
SELECT jsonb_pretty(jsonb_set(h -> 'payments', '{oldest_unsettled_s}', to_jsonb(jsonb_typeof(h #> '{payments,oldest_unsettled_s}')))) AS payments,
       jsonb_pretty(h -> 'webhooks') AS webhooks, jsonb_pretty(h -> 'alerts') AS alerts,
       jsonb_pretty(jsonb_set(h -> 'payout_queue', '{oldest_queued_s}', to_jsonb(jsonb_typeof(h #> '{payout_queue,oldest_queued_s}')))) AS payout_queue
FROM kobatela.health() AS h;

-- Late: the SENT payment sent two days ago, the QUEUED payout queued 1000 s ago (back-dated past
-- the books' guard, in the transaction that reads them: the ages are exact). Both become problems
-- (kobatela.unsettled_payment_alert_s 86400, kobatela.payout_queue_alert_s 900 by default).
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE kobatela.payments SET updated_at = now() - interval '2 days' WHERE id = :paid;
UPDATE kobatela.payout_transmissions SET created_at = now() - interval '1000 seconds' WHERE payment_id = :waiting;
SET LOCAL session_replication_role = origin;
SELECT h ->> 'status' AS status, jsonb_pretty(h -> 'problems') AS problems, h -> 'payments' AS payments,
       h -> 'payout_queue' AS payout_queue
FROM kobatela.health() AS h;
-- The metrics in the same transaction: one row per counter or gauge (the planner's estimates
-- after ANALYZE, which counts these small tables whole; the two totals are the highest ids, shown
-- as positive). The estimates count the statuses common enough for the statistics: the
-- one ERROR payment is too rare, the one escrow too.
ANALYZE kobatela.payments, kobatela.escrow_agreements;
SELECT name, labels, CASE WHEN name LIKE '%\_total' THEN (value > 0)::int ELSE value END AS value
FROM kobatela.metrics;
-- Thresholds are settings: at a week and an hour, neither is late.
SET LOCAL kobatela.unsettled_payment_alert_s = '7d';
SET LOCAL kobatela.payout_queue_alert_s = '1h';
SELECT h -> 'payments' ->> 'unsettled_overdue' AS overdue,
       jsonb_array_length(h -> 'problems') AS problems, h -> 'payout_queue' -> 'oldest_queued_s' AS oldest_queued_s
FROM kobatela.health() AS h;
ROLLBACK;

-- Who sees what. health() is every role's (kobatela_anon without a key included), the business
-- figures only the admin and support scopes': others get the status of what they may see.
SELECT api_key AS sender_key FROM kobatela.create_api_key('obs sender', 'sender') \gset
SELECT api_key AS support_key FROM kobatela.create_api_key('obs support', 'support') \gset
SELECT api_key AS worker_key FROM kobatela.create_api_key('obs worker', 'worker') \gset
SELECT who, t.as_key(k, $$SELECT h ->> 'status' || ' ' || jsonb_array_length(h -> 'problems') || ' '
                                  || (h ? 'payments') || (h ? 'webhooks') || (h ? 'alerts') || (h ? 'payout_queue')
                           FROM kobatela.health() h$$) AS status_problems_figures
FROM (VALUES ('sender', :'sender_key'), ('worker', :'worker_key'), ('support', :'support_key')) AS k (who, k);
SET ROLE kobatela_anon;
SELECT h ->> 'status' AS anon_status, h ? 'payments' AS anon_sees_payments, h -> 'preload' AS preload FROM kobatela.health() h;
RESET ROLE;
-- The metrics: support and admin. A key of another scope gets INSUFFICIENT_SCOPE, no key
-- UNAUTHORIZED; the scope roles but kobatela_support and kobatela_admin, and PUBLIC, may not
-- select the view at all.
SELECT who, t.as_key(k, 'SELECT count(*) > 20 FROM kobatela.metrics') AS metrics
FROM (VALUES ('sender', :'sender_key'), ('worker', :'worker_key'), ('support', :'support_key')) AS k (who, k);
SET ROLE kobatela_anon;
SELECT count(*) FROM kobatela.metrics;
RESET ROLE;
SELECT r AS role, has_table_privilege(r, 'kobatela.metrics', 'SELECT') AS can_select,
       has_function_privilege(r, 'kobatela.metric_rows()', 'EXECUTE') AS can_execute
FROM unnest(ARRAY['kobatela_admin', 'kobatela_support', 'kobatela_anon', 'kobatela_sender', 'kobatela_worker', 'public']) AS r;
SET ROLE kobatela_support;
SELECT count(*) > 20 AS support_role_reads_metrics FROM kobatela.metrics;
RESET ROLE;

\c :observability_home
SET client_min_messages = warning;
DROP DATABASE kobatela_observability;
