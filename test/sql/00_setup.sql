-- Helpers shared by the pg_regress files that follow (they run in order, in one database).
CREATE SCHEMA t;

-- The files start with no secret configured, whatever the server has (a server set up as the
-- README's Getting started names its secret files): this database's own setting, which every later
-- file's session starts with and RESET returns to.
SELECT current_database() AS regress_db \gset
ALTER DATABASE :"regress_db" SET kobatela.api_key_pepper_file = '';
ALTER DATABASE :"regress_db" SET kobatela.psp_webhook_secret_file = '';
ALTER DATABASE :"regress_db" SET kobatela.psp_webhook_secret_previous_file = '';

-- Runs a statement and tells how it ended: 'SQLSTATE MESSAGE: DETAIL', or 'no error'.
CREATE FUNCTION t.err(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ' ' || message || coalesce(': ' || nullif(detail, ''), '');
END $$;

-- Runs a call as PostgREST's kobatela_anon with `api_key` authenticated: the call's one text value,
-- or the error message. A suite grants kobatela_anon EXECUTE on it while it uses it.
CREATE FUNCTION t.as_key(api_key text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    SET LOCAL ROLE kobatela_anon;
    PERFORM kobatela.authenticate(api_key);
    EXECUTE call INTO outcome;
    RESET ROLE;
    RETURN outcome;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;

-- As PostgREST calls: its role, the request's key authenticated; the call's text, or the error as
-- 'SQLSTATE CODE: DETAIL' (purchase_refunds.sql, payouts.sql).
CREATE FUNCTION t.pr_call(role text, api_key text, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text; state text; message text; detail text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role);
    IF api_key IS NOT NULL THEN
        PERFORM kobatela.authenticate(api_key);
    END IF;
    EXECUTE call INTO outcome;
    RESET ROLE;
    RETURN outcome;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ' ' || message || coalesce(': ' || nullif(detail, ''), '');
END $$;

-- Secrets live in files that only the server's user can read (docs/security.md, "Secrets"): this
-- writes `value` into such a file in the data directory (COPY ... TO PROGRAM runs as the server's
-- user; umask 077 makes the file 0600; one file per value, so that a cached older value is never
-- mistaken for it) and points the session's kobatela.<secret>_file at it. An empty value leaves an
-- empty file: the secret is not configured.
CREATE PROCEDURE t.use_secret(secret text, value text) LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/kobatela-test-' || secret || '-' || md5(value);
BEGIN
    EXECUTE format('COPY (SELECT %L) TO PROGRAM %L', value, format('umask 077 && cat > ''%s''', path));
    PERFORM set_config('kobatela.' || secret || '_file', path, false);
END $$;

-- Row count of every table in schema kobatela, to prove that a failed call wrote nothing.
CREATE FUNCTION t.row_counts() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    result jsonb := '{}';
    n bigint;
    name text;
BEGIN
    FOR name IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                WHERE s.nspname = 'kobatela' AND c.relkind = 'r' ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*) FROM kobatela.%I', name) INTO n;
        result := result || jsonb_build_object(name, n);
    END LOOP;
    RETURN result;
END $$;

SELECT count(*) > 15 AS every_table_counted FROM jsonb_object_keys(t.row_counts());

-- The audit rows about one escrow: the escrow itself and its milestones, deposits, events,
-- proofs and payments, in order.
CREATE FUNCTION t.escrow_audit(escrow bigint) RETURNS TABLE (action text, entity text) LANGUAGE sql AS $$
    SELECT a.action, a.entity FROM kobatela.audit_entries a
    WHERE (a.entity = 'escrow_agreements' AND a.entity_id = escrow)
       OR (a.entity = 'milestones' AND a.entity_id IN (SELECT id FROM kobatela.milestones WHERE escrow_id = escrow))
       OR (a.entity = 'escrow_deposits' AND a.entity_id IN (SELECT id FROM kobatela.escrow_deposits WHERE escrow_id = escrow))
       OR (a.entity = 'escrow_events' AND a.entity_id IN (SELECT id FROM kobatela.escrow_events WHERE escrow_id = escrow))
       OR (a.entity = 'proofs' AND a.entity_id IN (SELECT id FROM kobatela.proofs WHERE escrow_id = escrow))
       OR (a.entity = 'payments' AND a.entity_id IN (SELECT id FROM kobatela.payments WHERE escrow_id = escrow))
    ORDER BY a.record_id, a.change_no $$;
