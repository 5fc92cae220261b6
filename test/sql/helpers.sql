-- Pure helpers, health, the error catalogue and the settings (src/api/geo.cpp, crypto.cpp,
-- health.cpp, error_catalogue.cpp, src/pg/settings.cpp).

-- Haversine on a 6 371 000 m sphere: the reference geofence case (spec.md section 10).
SELECT round(kobatela.geo_distance_m(5.3210, -4.0123, 5.3240, -4.0200)::numeric, 3) AS metres;
SELECT kobatela.within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 200) AS photo_outside_200m,
       kobatela.within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 905, 15) AS inside_with_tolerance,
       kobatela.within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 900, 15) AS outside_despite_tolerance,
       kobatela.within_geofence(5.3210, -4.0123, 5.3210, -4.0123, 1) AS centre;
SELECT round(kobatela.geo_distance_m(0, 179.9, 0, -179.9)::numeric, 1) AS across_dateline;
SELECT t.err('SELECT kobatela.geo_distance_m(91, 0, 0, 0)');
SELECT t.err('SELECT kobatela.geo_distance_m(0, 181, 0, 0)');
SELECT t.err($$SELECT kobatela.geo_distance_m('NaN', 0, 0, 0)$$);
SELECT t.err('SELECT kobatela.within_geofence(0, 0, 0, 0, 0)');
SELECT t.err('SELECT kobatela.within_geofence(0, 0, 0, 0, 10, -1)');
SELECT t.err('SELECT kobatela.within_geofence(NULL, 0, 0, 0, 10)');

-- HMAC-SHA256, hex, constant-time: the PSP example of docs (openssl dgst -sha256 -hmac whsec_test).
SELECT kobatela.verify_hmac_sha256('whsec_test',
         convert_to('1700000000.{"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"}', 'UTF8'),
         'd5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619') AS valid,
       kobatela.verify_hmac_sha256('whsec_test',
         convert_to('1700000000.{"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"}', 'UTF8'),
         'D5964889C1CE19B26D60A3DF9C0EC21D98CEB041BA068ACB878C5BC4C1B55619') AS upper_case_hex,
       kobatela.verify_hmac_sha256('whsec_test', 'tampered', 'd5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619') AS tampered,
       kobatela.verify_hmac_sha256('whsec_test', 'x', 'zz') AS not_hex,
       kobatela.verify_hmac_sha256('whsec_test', 'x', '') AS empty_signature;
SELECT t.err($$SELECT kobatela.verify_hmac_sha256('', 'x', 'aa')$$);
SELECT t.err($$SELECT kobatela.verify_hmac_sha256(NULL, 'x', 'aa')$$);
-- Agrees with pgcrypto-free SQL: the same digest as PostgreSQL's own sha256 of the HMAC construction
-- is not available without pgcrypto, so a second vector comes from RFC 4231 (test case 2).
SELECT kobatela.verify_hmac_sha256('Jefe', 'what do ya want for nothing?',
         '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843') AS rfc4231_case2;

-- health() reveals state, never secrets (test/sql/secrets.sql has the secrets themselves).
-- Monitoring (0.9.0): the problems and the business figures, which the suites before this one
-- move, are test/sql/observability.sql's, in a database of its own.
CREATE FUNCTION t.monitoring_figures() RETURNS text[] LANGUAGE sql
    AS $$ SELECT ARRAY['problems', 'payments', 'webhooks', 'alerts', 'payout_queue'] $$;
SELECT health - 'database' - t.monitoring_figures() AS health FROM kobatela.health() AS health;

-- Settings are superuser-only to set.
CREATE ROLE kobatela_regress_plain;
GRANT USAGE ON SCHEMA t TO kobatela_regress_plain;
SET ROLE kobatela_regress_plain;
SELECT t.err($$SET kobatela.currencies = 'USD'$$);
RESET ROLE;
REVOKE USAGE ON SCHEMA t FROM kobatela_regress_plain;
DROP ROLE kobatela_regress_plain;

-- The accepted currencies were this setting up to 0.5.0; 0.6.0 still checks it when it is set (an
-- old configuration file loads) but ignores it: kobatela.currencies, test/sql/currencies.sql.
SELECT id AS payer FROM kobatela.create_user('helpers_payer', 'helpers_payer@example.com') \gset
SELECT id AS payee FROM kobatela.create_user('helpers_payee', 'helpers_payee@example.com') \gset
SELECT kobatela.add_to_allowlist(:payer, :payee);
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 1000, 'XOF')$$, :payer, :payee));
SET kobatela.currencies = 'USD, EUR, xof';
SELECT t.err(format($$SELECT kobatela.create_transaction(%s, %s, 1000, ' xof ')$$, :payer, :payee));
SELECT t.err($$SET kobatela.currencies = 'usd,EURO'$$);
SELECT t.err($$SET kobatela.currencies = ' , '$$);
RESET kobatela.currencies;
SHOW kobatela.currencies;
SELECT t.err($$SET kobatela.no_such_setting = 1$$);

-- The catalogue is well formed; every code maps to its HTTP status.
SELECT count(*) > 50 AS many_codes, count(DISTINCT code) = count(*) AS unique_codes,
       bool_and(sqlstate = 'PT' || http_status OR code IN ('OUT_OF_MEMORY', 'READ_ONLY')) AS sqlstate_is_http
FROM kobatela.error_catalogue();
SELECT * FROM kobatela.error_catalogue() WHERE code IN ('USER_NOT_FOUND', 'IDEMPOTENCY_CONFLICT', 'OUT_OF_MEMORY', 'READ_ONLY') ORDER BY code;
