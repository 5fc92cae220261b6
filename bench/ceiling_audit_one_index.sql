-- bench/ceilings.sh, on its throwaway cluster only: audit_log keeps only the B-tree its hash chain
-- needs, UNIQUE (lane, seq) (the writer reads a lane's tip with it, verify_audit_chain walks it), as
-- the PL/pgSQL peer's audit table keeps only its primary key. Gone: the primary key on id, the GIN
-- index of the records' entity keys (audit_history) and the (entity, entity_id) index of the rows
-- before 0.7.0. Measures what fewer index entries per audit record would give.
ALTER TABLE kobatela.audit_log DROP CONSTRAINT audit_log_pkey;
DROP INDEX kobatela.audit_log_entities_idx;
DROP INDEX kobatela.audit_log_entity_entity_id_idx;
