-- Proofs and payouts (src/api/proofs.cpp, payments.cpp). Run as the extension owner, search_path pinned.

CREATE FUNCTION kobatela.submit_proof(escrow_id bigint, milestone_idx integer, type text, storage_url text,
                                      sha256 text, metadata jsonb DEFAULT NULL)
    RETURNS kobatela.proofs
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_submit_proof';
COMMENT ON FUNCTION kobatela.submit_proof(bigint, integer, text, text, text, jsonb) IS
    'The provider proves a milestone; a valid photo approves it and pays it out in the same transaction.';

CREATE FUNCTION kobatela.decide_proof(proof_id bigint, decision text, note text DEFAULT NULL)
    RETURNS kobatela.proofs
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_decide_proof';
COMMENT ON FUNCTION kobatela.decide_proof(bigint, text, text) IS
    'The client approves (and so pays out) or rejects a proof waiting for review.';

CREATE FUNCTION kobatela.execute_payment(payment_id bigint)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_execute_payment';
COMMENT ON FUNCTION kobatela.execute_payment(bigint) IS
    'Sends a PENDING payment; any other payment is returned unchanged. Idempotent.';

CREATE FUNCTION kobatela.retry_payment(payment_id bigint)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_retry_payment';
COMMENT ON FUNCTION kobatela.retry_payment(bigint) IS
    'Pays a failed (ERROR) payment again with a new SENT payment from the money it left to be repaid; a payment already retried returns its retry.';

-- The books' correction by hand (docs/operations.md, "Correcting the books by hand"): the only way
-- to change a payment's status outside the PSP's webhook, since the audit trigger refuses direct
-- writes to money rows (BOOKS_WRITE_REFUSED).
CREATE FUNCTION kobatela.correct_payment(payment_id bigint, status kobatela.payment_status, reason text)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_correct_payment';
COMMENT ON FUNCTION kobatela.correct_payment(bigint, kobatela.payment_status, text) IS
    'Admin only: records that the PSP settled (SETTLED) or failed (ERROR) a payment when no webhook will come, as the webhook would; audited PAYMENT_CORRECTED with the reason. Idempotent.';
