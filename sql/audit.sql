-- audit.sql — the audit trail (docs/audit.md): the generic row trigger on every table, the
-- append-only guard of audit_log, and the hash-chain checks. Runs after every table and function
-- declaration, before security.sql.

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------
-- Runs as the caller: the C++ writes the audit row as audit_log's owner itself (like
-- PostgreSQL's foreign-key triggers), so that no proconfig is applied per row.
CREATE FUNCTION kobatela.audit_row() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_audit_row';
COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: appends one hash-chained audit_log row per change, and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';

CREATE FUNCTION kobatela.audit_log_append_only() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_audit_log_append_only';
COMMENT ON FUNCTION kobatela.audit_log_append_only() IS
    'BEFORE UPDATE/DELETE/TRUNCATE trigger on audit_log: refuses with AUDIT_LOG_APPEND_ONLY.';

CREATE FUNCTION kobatela.verify_audit_chain(anchors jsonb DEFAULT NULL)
    RETURNS boolean
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_verify_audit_chain';
COMMENT ON FUNCTION kobatela.verify_audit_chain(jsonb) IS
    'True when every lane of audit_log is an unbroken hash chain from seq 1 and every anchor (from audit_chain_tips()) is still there.';

CREATE FUNCTION kobatela.audit_chain_tips()
    RETURNS TABLE (lane integer, seq bigint, hash text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_chain_tips';
COMMENT ON FUNCTION kobatela.audit_chain_tips() IS
    'The last row of each audit lane (lane, seq, hex hash): anchors to keep outside the database.';

-- ---------------------------------------------------------------------------------------------
-- audit_log is append-only, for everyone. A superuser who must do maintenance disables these
-- triggers explicitly (or sets session_replication_role = replica), and verify_audit_chain()
-- then shows whatever was changed.
-- ---------------------------------------------------------------------------------------------
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON kobatela.audit_log
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_log_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON kobatela.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_log_append_only();

-- Written only by the audit writer (as the table's owner); read through security.sql's grants.
REVOKE ALL ON kobatela.audit_log FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- The audit trigger on every table of the schema but audit_log, found in the catalog so that a
-- table added anywhere earlier in the script cannot be missed (test/pgtap/audit.sql checks it).
-- Partitions inherit their parent's trigger. TRUNCATE, which fires no row trigger, is audited
-- once per statement.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition AND c.relname <> 'audit_log'
             ORDER BY c.relname LOOP
        EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row()', t);
        EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row()', t);
    END LOOP;
END $$;
