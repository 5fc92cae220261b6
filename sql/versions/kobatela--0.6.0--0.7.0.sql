-- Kobatela 0.6.0 → 0.7.0: one audit record per business action, and the hot paths (issue 15), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.6.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.7.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.7.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- One audit record per business action (issue 15): audit_log rows become records whose changes
-- are a json array (stored and hashed byte for byte), with their entity keys under a GIN index.
-- The rows written by 0.3.0 to 0.6.0 stay as they are, one change each (entity, entity_id, data),
-- and keep verifying; records chain on from each lane's tip. No row is rewritten.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE kobatela.audit_log
    ALTER COLUMN entity DROP NOT NULL,
    ALTER COLUMN data DROP NOT NULL,
    ALTER COLUMN data DROP DEFAULT,
    ADD COLUMN changes json,
    ADD COLUMN entities text[];
CREATE INDEX audit_log_entities_idx ON kobatela.audit_log USING gin (entities);
-- Only the old rows need (entity, entity_id) now: the index becomes partial.
DROP INDEX kobatela.audit_log_entity_entity_id_idx;
CREATE INDEX audit_log_entity_entity_id_idx ON kobatela.audit_log (entity, entity_id) WHERE changes IS NULL;
COMMENT ON TABLE kobatela.audit_log IS
    'Append-only, hash-chained audit trail, one record per business action: who did what, to which rows, in which transaction. Read it change by change through kobatela.audit_entries.';
COMMENT ON COLUMN kobatela.audit_log.at IS
    'Wall-clock time the record was written (the end of the call).';
COMMENT ON COLUMN kobatela.audit_log.actor IS
    'apikey:<id> or role:<outer role> (kobatela.current_actor()), or the actor a function names (e.g. psp): the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.action IS
    'Business reason (e.g. CREATE_TRANSACTION, PAYMENT_SETTLED), else <TABLE>_<INSERT|UPDATE|DELETE|TRUNCATE>: the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.entity IS
    'Rows of 0.3.0 to 0.6.0 only: the table the change is about.';
COMMENT ON COLUMN kobatela.audit_log.entity_id IS
    'Rows of 0.3.0 to 0.6.0 only: the id of the changed row; no foreign key (any table).';
COMMENT ON COLUMN kobatela.audit_log.data IS
    'Rows of 0.3.0 to 0.6.0 only: the row (insert, delete) or {"old": {...}, "new": {...}} with the changed columns only (update); secrets masked.';
COMMENT ON COLUMN kobatela.audit_log.txid IS
    'Top-level transaction that wrote the record.';
COMMENT ON COLUMN kobatela.audit_log.changes IS
    'The record''s changes, in order: [{"op", "entity", "entity_id", ["action",] ["actor",] "data"}, ...], stored and hashed byte for byte as written. NULL for the rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_log.entities IS
    'The <entity>:<id> keys of the record''s changes, for kobatela.audit_history (GIN index).';

-- Support reads the records none of whose changes is about an admin-only table (sql/security.sql).
DROP POLICY read_by_scope ON kobatela.audit_log;
CREATE POLICY read_by_scope ON kobatela.audit_log FOR SELECT USING (
    CASE (SELECT kobatela.current_scope()) WHEN 'admin' THEN true
    WHEN 'support' THEN coalesce(entity <> ALL ('{api_keys}'::text[]), true)
        AND NOT EXISTS (SELECT FROM unnest(entities) AS k (key) WHERE split_part(k.key, ':', 1) = ANY ('{api_keys}'::text[]))
    ELSE false END);

-- The log change by change, and the history of one entity (sql/audit.sql, as it is there; grants as
-- sql/security.sql gives them).
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

CREATE FUNCTION kobatela.audit_history(entity text, entity_id bigint)
    RETURNS SETOF kobatela.audit_entries
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_history';
COMMENT ON FUNCTION kobatela.audit_history(text, bigint) IS
    'The changes of one row (entity = its table, entity_id = its id), oldest first, as audit_entries shows them to the caller.';
REVOKE ALL ON FUNCTION kobatela.audit_history(text, bigint) FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.audit_history(text, bigint) TO kobatela_anon, kobatela_support, kobatela_admin;
REVOKE ALL ON kobatela.audit_entries FROM PUBLIC;
GRANT SELECT ON kobatela.audit_entries TO kobatela_admin, kobatela_support, kobatela_anon;

COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: captures each change for the audit record of its API call (or transaction), and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';
