-- bench/ceilings.sh, after bench/ceiling_strip.sql, on its throwaway cluster only: the audit triggers of
-- the four tables kobatela.spend writes go too. What is left is the peer's work minus its audit rows.
DROP TRIGGER audit ON kobatela.payments;
DROP TRIGGER audit ON kobatela.allowed_payees;
DROP TRIGGER audit ON kobatela.escrow_agreements;
DROP TRIGGER audit ON kobatela.escrow_events;
