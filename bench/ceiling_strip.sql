-- bench/ceilings.sh, on its throwaway cluster only: strips from the four tables kobatela.spend writes
-- the integrity the PL/pgSQL peer (bench/peer_spend.sql) does without, to measure how fast spend could
-- be without it: every CHECK (and checked domain) and foreign key, and the secondary indexes beyond the peer's (its payments
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
    -- Since 0.7.0 their single-column rules are domains (sql/types.sql): back to the base types
    -- (the ledger view reads some of these columns).
    ALTER EXTENSION kobatela DROP VIEW kobatela.ledger;
    DROP VIEW kobatela.ledger;
    FOR c IN SELECT a.attrelid::regclass AS t, a.attname, format_type(ty.typbasetype, ty.typtypmod) AS base
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
             WHERE ty.typtype = 'd' AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attrelid IN ('kobatela.payments'::regclass, 'kobatela.allowed_payees'::regclass,
                                  'kobatela.escrow_agreements'::regclass, 'kobatela.escrow_events'::regclass) LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE %s', c.t, c.attname, c.base);
    END LOOP;
END $$;
DROP INDEX kobatela.payments_escrow_id_id_idx, kobatela.payments_created_at_idx,
           kobatela.payments_payee_id_idx, kobatela.payments_milestone_id_idx;
