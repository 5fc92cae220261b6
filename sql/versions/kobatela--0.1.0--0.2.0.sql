-- Kobatela 0.1.0 → 0.2.0: operations (pg_cron maintenance jobs, the escrow deadline sweep,
-- PostgREST's raw-body webhook entry point, JWT user binding).
-- ALTER EXTENSION kobatela UPDATE runs this after 0.1.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.2.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.2.0'" to load this file. \quit

-- The escrow deadline sweep (sql/functions_escrow.sql).
CREATE FUNCTION kobatela.release_overdue_escrows()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_release_overdue_escrows';
COMMENT ON FUNCTION kobatela.release_overdue_escrows() IS
    'Admin: every FUNDED escrow past its deadline RELEASED as escrow_check_deadline does; how many. Safe to run concurrently.';

-- PostgREST's raw-body webhook (sql/functions_psp.sql).
CREATE FUNCTION kobatela.psp_webhook_raw(json)
    RETURNS jsonb
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS $$ SELECT kobatela.psp_webhook($1::text, NULL, NULL) $$;
COMMENT ON FUNCTION kobatela.psp_webhook_raw(json) IS
    'psp_webhook for PostgREST: POST /rpc/psp_webhook_raw with the PSP''s body as is; signature and timestamp from the headers.';

-- The pg_cron jobs (sql/functions_ops.sql).
CREATE FUNCTION kobatela.schedule_maintenance(schedule text DEFAULT '*/5 * * * *')
    RETURNS SETOF bigint
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_schedule_maintenance';
COMMENT ON FUNCTION kobatela.schedule_maintenance(text) IS
    'Admin: registers (or re-schedules) the mandate-expiry and escrow-deadline jobs with pg_cron, once per database; the job ids.';

CREATE FUNCTION kobatela.unschedule_maintenance()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_unschedule_maintenance';
COMMENT ON FUNCTION kobatela.unschedule_maintenance() IS
    'Admin: removes this database''s Kobatela jobs from pg_cron; how many.';

-- A PostgREST JWT's kobatela_user_id claim binds the role's scope to a user (src/api/identity.cpp).
COMMENT ON FUNCTION kobatela.current_user_id() IS
    'The user the authenticated key, or a PostgREST JWT''s kobatela_user_id claim, binds the caller to (it acts only where that user is a party); NULL when unbound.';
COMMENT ON FUNCTION kobatela.current_actor() IS 'What the audit log records as actor: apikey:<id>, role:<name>, or role:<name>/user:<id> when a JWT claim binds the role.';

-- The privileges sql/security.sql gives every function of a fresh install.
REVOKE ALL ON FUNCTION kobatela.release_overdue_escrows(), kobatela.psp_webhook_raw(json),
                       kobatela.schedule_maintenance(text), kobatela.unschedule_maintenance() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.release_overdue_escrows(), kobatela.psp_webhook_raw(json),
                          kobatela.schedule_maintenance(text), kobatela.unschedule_maintenance()
    TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
