-- Maintenance (src/api/escrow.cpp release_overdue_escrows, src/api/maintenance.cpp,
-- cron_link.cpp, health.cpp): the escrow deadline sweep, who may run it, and how the pg_cron
-- functions fail when pg_cron has no extension in cron.database_name (the case here: the test
-- cluster preloads pg_cron for database postgres, where nothing creates it before this suite).
-- test/ops/pg_cron.sh lets pg_cron really schedule and run the jobs.

SELECT id AS mt_client FROM kobatela.create_user('mt_client', 'mt_client@example.com') \gset
SELECT id AS mt_provider FROM kobatela.create_user('mt_provider', 'mt_provider@example.com') \gset
CALL t.use_secret('api_key_pepper', 'maintenance-pepper-do-not-log');
SELECT api_key AS mt_sender_key FROM kobatela.create_api_key('mt sender', 'sender', :mt_client) \gset
SELECT api_key AS mt_support_key FROM kobatela.create_api_key('mt support', 'support') \gset
GRANT EXECUTE ON FUNCTION t.as_key(text, text) TO kobatela_anon;

-- Four escrows: two funded whose deadline is a second away, one as close but only partly funded
-- (DRAFT), and one funded whose deadline is a month away.
CREATE FUNCTION t.mt_escrow(deadline interval, deposit numeric) RETURNS bigint LANGUAGE sql AS $$
    SELECT e.id FROM kobatela.create_escrow(
        (SELECT id FROM kobatela.users WHERE username = 'mt_client'),
        (SELECT id FROM kobatela.users WHERE username = 'mt_provider'),
        100, 'USD', '{"deliverable": "well"}', now() + deadline) AS e,
      LATERAL kobatela.escrow_deposit(e.id, deposit) $$;
SELECT t.mt_escrow('1 second', 100) AS due1 \gset
SELECT t.mt_escrow('1 second', 100) AS due2 \gset
SELECT t.mt_escrow('1 second', 40) AS draft \gset
SELECT t.mt_escrow('30 days', 100) AS later \gset
SELECT status, count(*) FROM kobatela.escrow_agreements WHERE id IN (:due1, :due2, :draft, :later)
GROUP BY status ORDER BY status;
SELECT pg_sleep(1.2);

-- Only admin sweeps: a sender or support key is refused and nothing is written.
SELECT t.row_counts() AS counts_before \gset
SELECT t.as_key(:'mt_sender_key', 'SELECT kobatela.release_overdue_escrows()') AS sender_sweeps;
SELECT t.as_key(:'mt_support_key', 'SELECT kobatela.release_overdue_escrows()') AS support_sweeps;
SELECT t.row_counts() = :'counts_before'::jsonb AS refused_sweeps_wrote_nothing;

-- The sweep releases every FUNDED escrow past its deadline (other suites may have left some:
-- the count is compared, not printed), each with the event and audit rows escrow_check_deadline
-- writes; DRAFT and not-yet-due escrows are left alone. A second run finds nothing.
SELECT count(*) AS overdue FROM kobatela.escrow_agreements WHERE status = 'FUNDED' AND deadline_at <= now() \gset
SELECT kobatela.release_overdue_escrows() = :overdue AS every_overdue_released;
SELECT kobatela.release_overdue_escrows() AS second_run;
SELECT id = :due1 AS due1, id = :due2 AS due2, id = :draft AS draft, status
FROM kobatela.escrow_agreements WHERE id IN (:due1, :due2, :draft, :later) ORDER BY id;
SELECT kind, data - 'psp_ref' - 'payment_id' AS data FROM kobatela.escrow_events WHERE escrow_id = :due1 ORDER BY at, id;
SELECT kind, amount, status FROM kobatela.payments WHERE escrow_id = :due1;   -- the release paid the provider
SELECT action, entity FROM t.escrow_audit(:due1);
SELECT (SELECT count(*) FROM kobatela.escrow_events WHERE escrow_id = :due2 AND kind = 'CLIENT_APPROVED') AS due2_released_events;

-- The pg_cron functions: admin only, checked before pg_cron is looked for.
SELECT t.as_key(:'mt_sender_key', 'SELECT count(*) FROM kobatela.schedule_maintenance()') AS sender_schedules;
SELECT t.as_key(:'mt_support_key', 'SELECT kobatela.unschedule_maintenance()') AS support_unschedules;
-- pg_cron is loaded but has no extension in its database: a clear error that says how to enable
-- it, for scheduling, unscheduling, and in health() (whose other facts still come).
SELECT t.err('SELECT kobatela.schedule_maintenance()') AS schedule_without_extension;
SELECT t.err('SELECT kobatela.unschedule_maintenance()') AS unschedule_without_extension;
SELECT h -> 'pg_cron' AS cron, h ->> 'version' AS version, h ->> 'status' AS status FROM kobatela.health() AS h;
-- The purge of pg_cron's run history (0.9.0), the third job, keeps the days this setting says (7
-- by default, 1 to 3650; read when schedule_maintenance runs). test/ops/pg_cron.sh schedules and
-- runs it.
SHOW kobatela.cron_history_retention_days;
SELECT t.err('SET kobatela.cron_history_retention_days = 0') AS no_history;
SELECT t.err('SET kobatela.cron_history_retention_days = 3651') AS too_long;
-- Bad input: a NULL or over-long schedule is refused before pg_cron is reached.
SELECT t.err('SELECT kobatela.schedule_maintenance(NULL)') AS null_schedule;
SELECT t.err(format('SELECT kobatela.schedule_maintenance(%L)', repeat('*', 101))) AS long_schedule;
-- A cron database that cannot be reached (kobatela.cron_conninfo is superuser-only; it never holds
-- a password, test/sql/secrets.sql): the error names the database.
SET kobatela.cron_conninfo = 'host=/nonexistent dbname=postgres connect_timeout=2';
SHOW kobatela.cron_conninfo;
SELECT split_part(t.err('SELECT kobatela.schedule_maintenance()'), '(', 1) AS unreachable;
SELECT h -> 'pg_cron' ->> 'available' AS available FROM kobatela.health() AS h;
RESET kobatela.cron_conninfo;
SET ROLE kobatela_anon;
SELECT h -> 'pg_cron' AS cron_seen_by_anon FROM kobatela.health() AS h;
RESET ROLE;

REVOKE EXECUTE ON FUNCTION t.as_key(text, text) FROM kobatela_anon;
RESET kobatela.api_key_pepper_file;
