-- Secrets (docs/security.md, "Secrets"): the API-key pepper and the PSP webhook secrets are never
-- setting values. A superuser-only setting names a file that only the server's user can read;
-- the value is read from it on use, and again whenever the setting or the file changes.

-- The settings of 0.3.0 that held secrets are gone, for everyone: a value given to one of them
-- would be logged when the configuration is reloaded, or stored readable by every role.
SELECT t.err($$SET kobatela.api_key_pepper = 'x'$$) AS old_pepper_setting;
SELECT t.err($$SET kobatela.psp_webhook_secret = 'x'$$) AS old_psp_setting;
SELECT t.err($$ALTER DATABASE contrib_regression SET kobatela.psp_webhook_secret_previous = 'x'$$) AS old_setting_per_database;

-- The file settings hold a path, which only superusers may set or read.
CREATE ROLE kobatela_regress_plain;
GRANT USAGE ON SCHEMA t TO kobatela_regress_plain;
SET ROLE kobatela_regress_plain;
SELECT t.err($$SET kobatela.psp_webhook_secret_file = '/tmp/mine'$$) AS plain_role_sets_a_path;
SELECT t.err('SHOW kobatela.api_key_pepper_file') AS plain_role_reads_a_path;
RESET ROLE;
REVOKE USAGE ON SCHEMA t FROM kobatela_regress_plain;
DROP ROLE kobatela_regress_plain;

-- Not set: every call that needs the secret says so, and how to fix it.
RESET kobatela.api_key_pepper_file;
RESET kobatela.psp_webhook_secret_file;
SELECT kobatela.create_api_key('secrets key', 'admin');
SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1');
SELECT h -> 'psp_secret_configured' AS psp, h -> 'api_key_pepper_configured' AS pepper FROM kobatela.health() h;

-- Set: used, never shown. The secret is in no setting, no catalog, no answer.
CALL t.use_secret('api_key_pepper', 'pepper-SECRETMARKER-1');
CALL t.use_secret('psp_webhook_secret', 'whsec-SECRETMARKER-1');
SELECT h -> 'psp_secret_configured' AS psp, h -> 'api_key_pepper_configured' AS pepper FROM kobatela.health() h;
SELECT prefix ~ '^koba_[0-9a-f]{6}$' AS key_made FROM kobatela.create_api_key('secrets key', 'admin');
SELECT count(*) AS secret_in_settings FROM pg_settings WHERE setting LIKE '%SECRETMARKER%';
SELECT count(*) AS secret_in_role_settings FROM pg_db_role_setting, unnest(setconfig) c WHERE c LIKE '%SECRETMARKER%';
SELECT current_setting('kobatela.api_key_pepper_file') LIKE '%/kobatela-test-api_key_pepper-%' AS setting_is_a_path;

-- A file the server cannot trust or read is refused, saying why (never its path or content).
-- (COPY ... TO PROGRAM runs as the server's user, like the server itself.)
SELECT current_setting('data_directory') || '/kobatela-test-open-secret' AS open_file \gset
COPY (SELECT 'whsec-SECRETMARKER-open') TO PROGRAM 'cat > "$PGDATA"/kobatela-test-open-secret && chmod 644 "$PGDATA"/kobatela-test-open-secret';
SET kobatela.psp_webhook_secret_file = :'open_file';
SELECT t.err($$SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1')$$) AS readable_by_others;
SET kobatela.psp_webhook_secret_file = 'kobatela-test-no-such-file';
SELECT t.err($$SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1')$$) AS missing_file;
SELECT set_config('kobatela.psp_webhook_secret_file', current_setting('data_directory'), false) IS NOT NULL AS directory_set;
SELECT t.err($$SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1')$$) AS a_directory;
CALL t.use_secret('psp_webhook_secret', '');
SELECT t.err($$SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1')$$) AS empty_file;
COPY (SELECT repeat('x', 5000)) TO PROGRAM 'cat > "$PGDATA"/kobatela-test-big-secret && chmod 600 "$PGDATA"/kobatela-test-big-secret';
SET kobatela.psp_webhook_secret_file = 'kobatela-test-big-secret';   -- relative: to the data directory
SELECT t.err($$SELECT kobatela.psp_webhook('{}', repeat('0', 64), '1')$$) AS too_large;
SELECT t.err($$SET kobatela.cron_conninfo = 'host=/tmp dbname=postgres password=SECRETMARKER'$$) AS conninfo_with_password;
SELECT t.err($$SET kobatela.cron_conninfo = 'no such = conninfo'$$) AS not_a_conninfo;
SET kobatela.cron_conninfo = 'host=/tmp dbname=postgres passfile=/var/lib/postgresql/.pgpass';
RESET kobatela.cron_conninfo;

-- Rotation: a new file (written, then renamed over the old one, or a new path) is read at the next
-- call, without a reload; the previous secret file keeps the old signatures valid meanwhile.
CALL t.use_secret('psp_webhook_secret', 'whsec-SECRETMARKER-1');
CREATE FUNCTION t.sign(secret text, ts text, body text) RETURNS text LANGUAGE sql AS $$
    WITH k AS (SELECT convert_to(secret, 'UTF8') AS key),
         pads AS (SELECT decode(string_agg(lpad(to_hex(b # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
                         decode(string_agg(lpad(to_hex(b # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
                  FROM (SELECT i, CASE WHEN i < octet_length(key) THEN get_byte(key, i) ELSE 0 END AS b
                        FROM k, generate_series(0, 63) AS i) AS bytes)
    SELECT encode(sha256(opad || sha256(ipad || convert_to(ts || '.' || body, 'UTF8'))), 'hex') FROM pads $$;
SELECT extract(epoch FROM now())::bigint::text AS ts \gset
SELECT kobatela.psp_webhook('{"id":"evt_sec_1","type":"ping"}', t.sign('whsec-SECRETMARKER-1', :'ts', '{"id":"evt_sec_1","type":"ping"}'), :'ts') ->> 'event_id' AS signed_with_first;
COPY (SELECT 'whsec-SECRETMARKER-2-longer') TO PROGRAM 'cat > "$PGDATA"/kobatela-test-rotated.tmp && chmod 600 "$PGDATA"/kobatela-test-rotated.tmp && mv "$PGDATA"/kobatela-test-rotated.tmp "$PGDATA"/kobatela-test-rotated';
SET kobatela.psp_webhook_secret_file = 'kobatela-test-rotated';
SELECT t.err(format('SELECT kobatela.psp_webhook(%L, %L, %L)', '{"id":"evt_sec_2","type":"ping"}',
             t.sign('whsec-SECRETMARKER-1', :'ts', '{"id":"evt_sec_2","type":"ping"}'), :'ts')) AS old_secret_alone;
CALL t.use_secret('psp_webhook_secret_previous', 'whsec-SECRETMARKER-1');
SELECT kobatela.psp_webhook('{"id":"evt_sec_2","type":"ping"}', t.sign('whsec-SECRETMARKER-1', :'ts', '{"id":"evt_sec_2","type":"ping"}'), :'ts') ->> 'event_id' AS old_secret_while_rotating;
SELECT kobatela.psp_webhook('{"id":"evt_sec_3","type":"ping"}', t.sign('whsec-SECRETMARKER-2-longer', :'ts', '{"id":"evt_sec_3","type":"ping"}'), :'ts') ->> 'event_id' AS new_secret;
-- The file is replaced in place (same path): the next call reads the new content.
COPY (SELECT 'whsec-SECRETMARKER-3-in-place') TO PROGRAM 'cat > "$PGDATA"/kobatela-test-rotated.tmp && chmod 600 "$PGDATA"/kobatela-test-rotated.tmp && mv "$PGDATA"/kobatela-test-rotated.tmp "$PGDATA"/kobatela-test-rotated';
SELECT kobatela.psp_webhook('{"id":"evt_sec_4","type":"ping"}', t.sign('whsec-SECRETMARKER-3-in-place', :'ts', '{"id":"evt_sec_4","type":"ping"}'), :'ts') ->> 'event_id' AS replaced_file;
-- A previous secret file that cannot be read is a misconfiguration, not a silent pass.
SET kobatela.psp_webhook_secret_previous_file = 'kobatela-test-no-such-file';
SELECT t.err(format('SELECT kobatela.psp_webhook(%L, %L, %L)', '{"id":"evt_sec_5","type":"ping"}',
             t.sign('whsec-SECRETMARKER-3-in-place', :'ts', '{"id":"evt_sec_5","type":"ping"}'), :'ts')) AS previous_unreadable;

RESET kobatela.psp_webhook_secret_file;
RESET kobatela.psp_webhook_secret_previous_file;
RESET kobatela.api_key_pepper_file;
