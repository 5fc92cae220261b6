-- PSP webhooks (src/api/psp.cpp). Runs as the extension owner with a pinned search_path like every API
-- function, but callable without a scope: the request is authenticated by its HMAC signature
-- (docs/reference.md, "PSP webhooks").

CREATE FUNCTION kobatela.psp_webhook(body text, signature text DEFAULT NULL, ts text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_psp_webhook';
COMMENT ON FUNCTION kobatela.psp_webhook(text, text, text) IS
    'A signed PSP event (HMAC-SHA256 over ts.body): recorded once per event_id; settles or fails the payment it names.';

-- PostgREST passes a request's raw body only to a function with a single unnamed json (or text,
-- bytea) parameter; json keeps the exact bytes the PSP signed. Signature and timestamp come from
-- the X-PSP-Signature and X-PSP-Timestamp headers.
CREATE FUNCTION kobatela.psp_webhook_raw(json)
    RETURNS jsonb
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS $$ SELECT kobatela.psp_webhook($1::text, NULL, NULL) $$;
COMMENT ON FUNCTION kobatela.psp_webhook_raw(json) IS
    'psp_webhook for PostgREST: POST /rpc/psp_webhook_raw with the PSP''s body as is; signature and timestamp from the headers.';

-- The payout hand-off (0.8.0, src/api/payouts.cpp, docs/payouts.md): a worker claims the SENT
-- payments due for transmission, sends each to the PSP and reports what the PSP answered.

-- What a worker sends to the PSP for one payout.
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
