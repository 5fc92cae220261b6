-- audit.sql — the audit trail (docs/audit.md): the generic row trigger on every table, the
-- append-only guard of audit_log, and the hash-chain checks. Runs after every table and function
-- declaration, before security.sql.

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------
-- Runs as the caller: the C++ writes the audit record as audit_log's owner itself (like
-- PostgreSQL's foreign-key triggers), so that no proconfig is applied per row.
CREATE FUNCTION kobatela.audit_row() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_audit_row';
COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: captures each change for the audit record of its API call (or transaction), and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';

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

-- ---------------------------------------------------------------------------------------------
-- The log read change by change: one row per change of every record (and one per row of 0.3.0
-- to 0.6.0, which were one change each), ordered by record and then by change. Read with the
-- view owner's rights, so that it can show a scope some changes of a record and not others: admin
-- reads every change, support every change but those about the admin-only tables (api_keys: no
-- key name, prefix, scope or binding, nor a key's use), anyone else nothing. security_barrier:
-- a caller's own conditions run only on the rows the view lets through. The admin-only list is
-- security.sql's rule 'admin' (its installation fails if the two disagree).
-- ---------------------------------------------------------------------------------------------
CREATE VIEW kobatela.audit_entries WITH (security_barrier = true) AS
SELECT e.record_id, e.at, e.actor, e.action, e.entity, e.entity_id, e.data, e.txid, e.operation, e.change_no
FROM (
    SELECT r.id AS record_id,
           r.at,
           coalesce(c.change ->> 'actor', r.actor) AS actor,
           coalesce(c.change ->> 'action', r.action) AS action,
           CASE WHEN r.changes IS NULL THEN r.entity ELSE c.change ->> 'entity' END AS entity,
           CASE WHEN r.changes IS NULL THEN r.entity_id ELSE (c.change ->> 'entity_id')::bigint END AS entity_id,
           CASE WHEN r.changes IS NULL THEN r.data ELSE c.change -> 'data' END AS data,
           r.txid,
           c.change ->> 'op' AS operation,
           c.n AS change_no
    FROM kobatela.audit_log r
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.changes::jsonb, '[{}]'::jsonb)) WITH ORDINALITY AS c (change, n)
) AS e
WHERE CASE (SELECT kobatela.current_scope())
          WHEN 'admin' THEN true
          WHEN 'support' THEN e.entity <> ALL ('{api_keys}'::text[])
          ELSE false
      END
ORDER BY e.record_id, e.change_no;

COMMENT ON VIEW kobatela.audit_entries IS
    'The audit log, one row per change (admin: all; support: all but api_keys), ordered by record_id then change_no. docs/audit.md.';
COMMENT ON COLUMN kobatela.audit_entries.record_id IS
    'The audit_log record (one business action) the change belongs to.';
COMMENT ON COLUMN kobatela.audit_entries.actor IS
    'Who made the change: apikey:<id>, role:<role>[/user:<id>], or an actor a function names (psp).';
COMMENT ON COLUMN kobatela.audit_entries.action IS
    'The business reason of the change (its record''s, unless the change names its own, e.g. API_KEY_USED).';
COMMENT ON COLUMN kobatela.audit_entries.operation IS
    'INSERT, UPDATE, DELETE, TRUNCATE or EVENT (a fact that is no row change, e.g. a key''s use); NULL for rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_entries.change_no IS
    'Position of the change in its record: 1, 2, 3, ...';

-- The history of one entity: its changes, oldest first, found through the records' entity keys
-- (GIN) and, for the rows of 0.3.0 to 0.6.0, their (entity, entity_id) index (src/audit/
-- audit_verify.cpp). Support and admin; as the definer, so that it finds every record that touched
-- the entity, and audit_entries then shows the caller's scope only what it may see.
CREATE FUNCTION kobatela.audit_history(entity text, entity_id bigint)
    RETURNS SETOF kobatela.audit_entries
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_history';
COMMENT ON FUNCTION kobatela.audit_history(text, bigint) IS
    'The changes of one row (entity = its table, entity_id = its id), oldest first, as audit_entries shows them to the caller.';
