-- bench/ceilings.sh, on its throwaway cluster only: strips from the four tables kobatela.spend writes
-- the integrity the PL/pgSQL peer (bench/peer_spend.sql) does without, to measure how fast spend could
-- be without it: every CHECK and foreign key, and the secondary indexes beyond the peer's (its payments
-- have a primary key and unique psp_ref and idempotency_key; its events a primary key and
-- (escrow_id, at)). The audit triggers stay; bench/ceiling_strip_audit.sql drops them next.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_catalog.pg_constraint
             WHERE contype IN ('c', 'f')
               AND conrelid IN ('kobatela.payments'::regclass, 'kobatela.allowed_payees'::regclass,
                                'kobatela.escrow_agreements'::regclass, 'kobatela.escrow_events'::regclass) LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
    END LOOP;
END $$;
DROP INDEX kobatela.payments_status_idx, kobatela.payments_escrow_id_status_idx, kobatela.payments_created_at_idx,
           kobatela.payments_payee_id_idx, kobatela.payments_milestone_id_idx, kobatela.escrow_events_kind_idx;
