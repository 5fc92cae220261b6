-- bench/ceilings.sh, on its throwaway cluster only: audit_log keeps only the B-tree its hash chain
-- needs, UNIQUE (lane, seq) (the writer reads a lane's tip with it, verify_audit_chain walks it), as
-- the PL/pgSQL peer's audit table keeps only its primary key. Gone: the primary key on id and the
-- (entity, entity_id) index that looks a row's history up. Measures whether fewer index entries per
-- audit row would bring audit_row to its 0.9 target.
ALTER TABLE kobatela.audit_log DROP CONSTRAINT audit_log_pkey;
DROP INDEX kobatela.audit_log_entity_entity_id_idx;
