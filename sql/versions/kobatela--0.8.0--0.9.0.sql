-- Kobatela 0.8.0 → 0.9.0: fitting the ecosystem (observability, standbys, pooling, packaging), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.8.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.9.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.9.0'" to load this file. \quit

-- The C functions of 0.8.0 name the library's symbols; every one of them is still exported by
-- 0.9.0's kobatela.so, so the update replaces no function it does not change.

-- ==== observability ====
-- health() reports the status's problems, the preloads, the settings, and for the admin and
-- support scopes the business figures; the view kobatela.metrics shows them to Prometheus
-- exporters; schedule_maintenance() adds the purge of pg_cron's run history
-- (docs/operations.md, "Monitoring").
COMMENT ON FUNCTION kobatela.health() IS
    'Status (ok, warning, error) and its problems, version, database, preloads, secrets configured (never a secret), settings, pg_cron jobs; for admin and support also payments, webhooks, alerts and the payout queue.';
COMMENT ON FUNCTION kobatela.schedule_maintenance(text) IS
    'Admin: registers (or re-schedules) the mandate-expiry and escrow-deadline jobs, and the daily purge of pg_cron''s run history, with pg_cron, once per database; the job ids.';

CREATE FUNCTION kobatela.metric_rows(OUT name text, OUT labels jsonb, OUT value numeric)
    RETURNS SETOF record
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_metric_rows';
COMMENT ON FUNCTION kobatela.metric_rows() IS
    'Support and admin: one row per counter or gauge (name, labels, value), as the view kobatela.metrics shows them.';
REVOKE ALL ON FUNCTION kobatela.metric_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.metric_rows() TO kobatela_anon, kobatela_support, kobatela_admin;

CREATE VIEW kobatela.metrics WITH (security_invoker = true) AS
    SELECT m.name, m.labels, m.value FROM kobatela.metric_rows() AS m;
COMMENT ON VIEW kobatela.metrics IS
    'Support and admin: Kobatela''s counters and gauges for Prometheus exporters (postgres_exporter, sql_exporter): name, labels (jsonb), value.';
REVOKE ALL ON kobatela.metrics FROM PUBLIC;
GRANT SELECT ON kobatela.metrics TO kobatela_admin, kobatela_support, kobatela_anon;

-- The payments in flight and the hand-offs given up, for the figures (docs/performance.md).
CREATE INDEX payments_sent_updated_at_idx  ON kobatela.payments (updated_at) INCLUDE (escrow_id) WHERE status = 'SENT';
CREATE INDEX payout_transmissions_abandoned_idx ON kobatela.payout_transmissions (updated_at)
    WHERE state = 'ABANDONED';
