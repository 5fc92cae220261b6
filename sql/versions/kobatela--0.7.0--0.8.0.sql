-- Kobatela 0.7.0 → 0.8.0: lists, the event feed, the payout hand-off and metadata (issue 16), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.7.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.8.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.8.0'" to load this file. \quit

-- The C functions of 0.7.0 name the library's symbols; every one of them is still exported by
-- 0.8.0's kobatela.so, so the update replaces no function it does not change.

-- =============================================================================================
-- The payout hand-off to the PSP (issue 16, part 3): the scope worker and its role, the queue
-- table payout_transmissions, claim_payouts and its reports, queue_payout (docs/payouts.md).
-- Payments already SENT before 0.8.0 get no queue row: nothing transmitted them, and an operator
-- may have paid them by hand; queue_payout queues those confirmed never paid (operations.md,
-- "Upgrading to 0.8.0").
-- =============================================================================================

-- The scope (last, as types.sql lists it). A value added here cannot be used before this
-- transaction commits: nothing below compares with 'worker'.
ALTER TYPE kobatela.api_scope ADD VALUE 'worker';

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kobatela_worker') THEN
        CREATE ROLE kobatela_worker NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA kobatela TO kobatela_worker;
-- What every caller needs (security.sql's 'entry' and 'identity' rules).
GRANT EXECUTE ON FUNCTION kobatela.authenticate(text), kobatela.pre_request(), kobatela.health(),
    kobatela.error_catalogue(), kobatela.current_scope(), kobatela.current_user_id(), kobatela.current_actor()
    TO kobatela_worker;

-- The catalogue tables are every scope's but worker's (security.sql's 'catalogue' rule).
DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['spend_categories', 'merchants', 'currencies'] LOOP
        EXECUTE format('DROP POLICY read_by_scope ON kobatela.%I', tbl);
        EXECUTE format('CREATE POLICY read_by_scope ON kobatela.%I FOR SELECT USING '
                       '((SELECT kobatela.current_scope()) IN (''admin'', ''sender'', ''support''))', tbl);
    END LOOP;
END $$;

CREATE TYPE kobatela.transmission_state AS ENUM ('QUEUED', 'CLAIMED', 'TRANSMITTED', 'ABANDONED');

CREATE TABLE kobatela.payout_transmissions (
    id                bigint                      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id        bigint                      NOT NULL REFERENCES kobatela.payments (id)
                                                  DEFERRABLE INITIALLY DEFERRED,
    state             kobatela.transmission_state NOT NULL DEFAULT 'QUEUED',
    attempts          integer                     NOT NULL DEFAULT 0,
    claimed_by        kobatela.nonblank_text_100,
    lease_expires_at  timestamptz,
    next_attempt_at   timestamptz                 NOT NULL DEFAULT now(),
    last_error        text,
    transmitted_at    timestamptz,
    created_at        timestamptz                 NOT NULL DEFAULT now(),
    updated_at        timestamptz                 NOT NULL DEFAULT now(),
    CONSTRAINT payout_transmissions_payment_id_key UNIQUE (payment_id)
);
CREATE INDEX payout_transmissions_due_idx ON kobatela.payout_transmissions (next_attempt_at, payment_id)
    WHERE state IN ('QUEUED', 'CLAIMED');
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.payout_transmissions
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON kobatela.payout_transmissions
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();
CREATE TRIGGER audit_truncate AFTER TRUNCATE ON kobatela.payout_transmissions
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row();
SELECT pg_catalog.pg_extension_config_dump('kobatela.payout_transmissions'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('kobatela.payout_transmissions', 'id')::regclass, '');

COMMENT ON TABLE kobatela.payout_transmissions IS
    'The hand-off of each SENT payment to the PSP: queued with the payment, claimed by a worker (claim_payouts), reported transmitted or failed. docs/payouts.md.';
COMMENT ON COLUMN kobatela.payout_transmissions.payment_id IS
    'The payment to transmit (its psp_ref is the idempotency key the worker gives the PSP).';
COMMENT ON COLUMN kobatela.payout_transmissions.state IS
    'QUEUED (waiting for a worker), CLAIMED (a worker holds it until lease_expires_at), TRANSMITTED (the PSP accepted it), ABANDONED (out of attempts: the payment failed).';
COMMENT ON COLUMN kobatela.payout_transmissions.attempts IS
    'Claims so far; at kobatela.payout_max_attempts a failure or an expired lease abandons the payout.';
COMMENT ON COLUMN kobatela.payout_transmissions.claimed_by IS
    'The worker that claimed it last (the name it gave claim_payouts).';
COMMENT ON COLUMN kobatela.payout_transmissions.lease_expires_at IS
    'While CLAIMED: when the claim lapses and another worker may claim it; NULL otherwise.';
COMMENT ON COLUMN kobatela.payout_transmissions.next_attempt_at IS
    'When it is next due to a worker: the backoff''s end while QUEUED, the lease''s end while CLAIMED.';
COMMENT ON COLUMN kobatela.payout_transmissions.last_error IS
    'The reason of the last failed attempt, as the worker reported it (at most 500 characters).';
COMMENT ON COLUMN kobatela.payout_transmissions.transmitted_at IS
    'When the PSP was known to have it: payout_transmitted, or its first webhook.';

REVOKE ALL ON kobatela.payout_transmissions FROM PUBLIC;
REVOKE ALL ON SEQUENCE kobatela.payout_transmissions_id_seq FROM PUBLIC;
GRANT SELECT ON kobatela.payout_transmissions TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
ALTER TABLE kobatela.payout_transmissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE kobatela.payout_transmissions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_scope ON kobatela.payout_transmissions FOR SELECT
    USING ((SELECT kobatela.current_scope()) IN ('admin', 'support'));

CREATE TYPE kobatela.payout_instruction AS (
    payment_id           bigint,
    psp_ref              text,
    kind                 kobatela.payment_kind,
    amount               numeric(18,2),
    currency             text,
    escrow_id            bigint,
    beneficiary_user_id  bigint,
    payee_ref            text,
    payee_label          text,
    attempt              integer,
    lease_expires_at     timestamptz
);
COMMENT ON TYPE kobatela.payout_instruction IS
    'A payout claimed by a worker: the PSP reference to send as the idempotency key, what to pay to whom (a user, or an allowed payee), the attempt and until when the claim holds.';

CREATE FUNCTION kobatela.claim_payouts(worker text, n integer DEFAULT 10)
    RETURNS SETOF kobatela.payout_instruction
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_claim_payouts';
COMMENT ON FUNCTION kobatela.claim_payouts(text, integer) IS
    'Claims at most n due payouts (1 to 1000, oldest first, skipping those another worker holds) for a lease of kobatela.payout_lease_s; scope worker or admin.';

CREATE FUNCTION kobatela.payout_transmitted(id bigint, psp_ref text)
    RETURNS kobatela.payout_transmissions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_payout_transmitted';
COMMENT ON FUNCTION kobatela.payout_transmitted(bigint, text) IS
    'The PSP accepted the payout of payment id under psp_ref (which must be the payment''s): TRANSMITTED; idempotent; scope worker or admin.';

CREATE FUNCTION kobatela.payout_transmission_failed(id bigint, reason text)
    RETURNS kobatela.payout_transmissions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_payout_transmission_failed';
COMMENT ON FUNCTION kobatela.payout_transmission_failed(bigint, text) IS
    'A claimed payout''s attempt failed: queued again after a backoff, or abandoned at kobatela.payout_max_attempts (the payment fails, alerts); idempotent; scope worker or admin.';

CREATE FUNCTION kobatela.queue_payout(payment_id bigint)
    RETURNS kobatela.payout_transmissions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_queue_payout';
COMMENT ON FUNCTION kobatela.queue_payout(bigint) IS
    'Queues the hand-off of a SENT payment that has none (sent before 0.8.0, confirmed never paid by hand); idempotent; admin.';

-- security.sql's rules: the hand-off is 'worker' (anon, worker, admin), queue_payout 'admin'.
REVOKE ALL ON FUNCTION kobatela.claim_payouts(text, integer), kobatela.payout_transmitted(bigint, text),
    kobatela.payout_transmission_failed(bigint, text), kobatela.queue_payout(bigint)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_worker, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.claim_payouts(text, integer), kobatela.payout_transmitted(bigint, text),
    kobatela.payout_transmission_failed(bigint, text) TO kobatela_anon, kobatela_worker, kobatela_admin;
GRANT EXECUTE ON FUNCTION kobatela.queue_payout(bigint) TO kobatela_anon, kobatela_admin;
