-- Kobatela 0.5.0 → 0.6.0: money is conserved (issue 14), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.5.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.6.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.6.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- create_escrow takes an idempotency key (issue 14, part 8): a retried call returns the escrow it
-- created instead of a second one. Keys are unique per owner, as the other keyed tables'. An
-- overload carries the key, so the contract's six-argument signature stays as it was.
-- (create_user and add_milestone need none: a retry cannot duplicate them, it is refused with
-- USER_EXISTS or MILESTONE_EXISTS; docs/reference.md, "Idempotency".)
-- ---------------------------------------------------------------------------------------------
ALTER TABLE kobatela.escrow_agreements
    ADD COLUMN idempotency_key text,
    ADD COLUMN idempotency_owner bigint,
    ADD CONSTRAINT escrow_agreements_idempotency_key_check
        CHECK (btrim(idempotency_key) <> '' AND char_length(idempotency_key) <= 64);
CREATE UNIQUE INDEX escrow_agreements_idempotency_key_idempotency_owner_key
    ON kobatela.escrow_agreements (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_key IS
    'Client key of create_escrow, unique per idempotency_owner; a replay returns the stored escrow.';
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';

CREATE FUNCTION kobatela.create_escrow(client_id bigint, provider_id bigint, amount_total numeric, currency text,
                                       release_conditions jsonb, deadline_at timestamptz, idempotency_key text)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_escrow';
COMMENT ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text) IS
    'create_escrow under an idempotency key: a replay with the same terms returns the escrow it created; other terms are IDEMPOTENCY_CONFLICT.';
-- Its privileges, as sql/security.sql's rule for a business write gives them.
REVOKE ALL ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text)
    TO kobatela_anon, kobatela_sender, kobatela_admin;
