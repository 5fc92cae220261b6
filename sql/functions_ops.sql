-- Pure helpers and operations (src/api/geo.cpp, crypto.cpp, health.cpp, maintenance.cpp,
-- error_catalogue.cpp).

CREATE FUNCTION kobatela.geo_distance_m(lat1 float8, lng1 float8, lat2 float8, lng2 float8)
    RETURNS float8
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_geo_distance_m';
COMMENT ON FUNCTION kobatela.geo_distance_m(float8, float8, float8, float8) IS
    'Great-circle distance in metres (haversine on a 6 371 000 m sphere).';

CREATE FUNCTION kobatela.within_geofence(lat float8, lng float8, center_lat float8, center_lng float8,
                                         radius_m float8, tolerance_m float8 DEFAULT 0)
    RETURNS boolean
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_within_geofence';
COMMENT ON FUNCTION kobatela.within_geofence(float8, float8, float8, float8, float8, float8) IS
    'True when the point is at most radius_m + tolerance_m metres from the centre.';

CREATE FUNCTION kobatela.verify_hmac_sha256(secret bytea, message bytea, signature_hex text)
    RETURNS boolean
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_verify_hmac_sha256';
COMMENT ON FUNCTION kobatela.verify_hmac_sha256(bytea, bytea, text) IS
    'Constant-time check of a hex HMAC-SHA256 signature.';

CREATE FUNCTION kobatela.health()
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_health';
COMMENT ON FUNCTION kobatela.health() IS
    'Status (ok, warning, error) and its problems, version, database, preloads, secrets configured (never a secret), settings, pg_cron jobs; for admin and support also payments, webhooks, alerts and the payout queue.';

-- Monitoring (0.9.0): health()'s figures as Prometheus counters and gauges (docs/operations.md,
-- "Monitoring"). The view is what exporters read; the function builds its rows in C++.
CREATE FUNCTION kobatela.metric_rows(OUT name text, OUT labels jsonb, OUT value numeric)
    RETURNS SETOF record
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_metric_rows';
COMMENT ON FUNCTION kobatela.metric_rows() IS
    'Support and admin: one row per counter or gauge (name, labels, value), as the view kobatela.metrics shows them.';

CREATE VIEW kobatela.metrics WITH (security_invoker = true) AS
    SELECT m.name, m.labels, m.value FROM kobatela.metric_rows() AS m;
COMMENT ON VIEW kobatela.metrics IS
    'Support and admin: Kobatela''s counters and gauges for Prometheus exporters (postgres_exporter, sql_exporter): name, labels (jsonb), value.';

CREATE FUNCTION kobatela.schedule_maintenance(schedule text DEFAULT '*/5 * * * *')
    RETURNS SETOF bigint
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_schedule_maintenance';
COMMENT ON FUNCTION kobatela.schedule_maintenance(text) IS
    'Admin: registers (or re-schedules) the mandate-expiry and escrow-deadline jobs, and the daily purge of pg_cron''s run history, with pg_cron, once per database; the job ids.';

CREATE FUNCTION kobatela.unschedule_maintenance()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_unschedule_maintenance';
COMMENT ON FUNCTION kobatela.unschedule_maintenance() IS
    'Admin: removes this database''s Kobatela jobs from pg_cron; how many.';

CREATE FUNCTION kobatela.error_catalogue(OUT code text, OUT sqlstate text, OUT http_status integer, OUT detail text)
    RETURNS SETOF record
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_error_catalogue';
COMMENT ON FUNCTION kobatela.error_catalogue() IS
    'Every error code Kobatela raises: MESSAGE code, SQLSTATE, HTTP status under PostgREST, default DETAIL.';
