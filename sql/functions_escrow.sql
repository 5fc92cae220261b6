-- Escrows and milestones (src/api/escrow.cpp, escrow_store.cpp). All run as the extension owner with a
-- pinned search_path: they check the caller's scope and party themselves (docs/security.md).

CREATE FUNCTION kobatela.create_escrow(client_id bigint, provider_id bigint, amount_total numeric, currency text,
                                       release_conditions jsonb, deadline_at timestamptz)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_escrow';
COMMENT ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz) IS
    'A DRAFT escrow the client will fund for the provider, released under release_conditions or at the deadline.';
-- The same with an idempotency key, and the application's metadata (0.8.0): an overload, not new
-- DEFAULT arguments, so that the contract's signature above stays as it is (a DEFAULT key would
-- make calls with six arguments ambiguous). The key may be NULL: no key (or the Idempotency-Key
-- header under PostgREST).
CREATE FUNCTION kobatela.create_escrow(client_id bigint, provider_id bigint, amount_total numeric, currency text,
                                       release_conditions jsonb, deadline_at timestamptz, idempotency_key text,
                                       metadata jsonb DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_escrow';
COMMENT ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb) IS
    'create_escrow under an idempotency key, with the application''s metadata ({} when NULL): a replay with the same terms and metadata returns the escrow it created; others are IDEMPOTENCY_CONFLICT.';

CREATE FUNCTION kobatela.add_milestone(escrow_id bigint, idx integer, label text, amount numeric,
                                       proof_type text DEFAULT 'PHOTO', validator text DEFAULT 'SENDER',
                                       geofence_lat float8 DEFAULT NULL, geofence_lng float8 DEFAULT NULL,
                                       geofence_radius_m float8 DEFAULT NULL)
    RETURNS kobatela.milestones
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_milestone';
COMMENT ON FUNCTION kobatela.add_milestone(bigint, integer, text, numeric, text, text, float8, float8, float8) IS
    'A milestone paid against a proof; milestone amounts never exceed the escrow total.';

CREATE FUNCTION kobatela.escrow_deposit(escrow_id bigint, amount numeric, idempotency_key text DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_deposit';
COMMENT ON FUNCTION kobatela.escrow_deposit(bigint, numeric, text) IS
    'Funds the escrow (FUNDED once deposits reach the total); idempotent by key.';

CREATE FUNCTION kobatela.escrow_mark_delivered(escrow_id bigint, note text DEFAULT NULL, proof_url text DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_mark_delivered';
COMMENT ON FUNCTION kobatela.escrow_mark_delivered(bigint, text, text) IS
    'The provider reports delivery: FUNDED becomes RELEASABLE.';

CREATE FUNCTION kobatela.escrow_client_approve(escrow_id bigint, note text DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_client_approve';
COMMENT ON FUNCTION kobatela.escrow_client_approve(bigint, text) IS
    'The client accepts: FUNDED or RELEASABLE becomes RELEASED.';

CREATE FUNCTION kobatela.escrow_client_reject(escrow_id bigint, note text DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_client_reject';
COMMENT ON FUNCTION kobatela.escrow_client_reject(bigint, text) IS
    'The client refuses: DRAFT becomes CANCELLED, FUNDED or RELEASABLE REFUNDED; a closed escrow is returned unchanged.';

CREATE FUNCTION kobatela.escrow_check_deadline(escrow_id bigint)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_check_deadline';
COMMENT ON FUNCTION kobatela.escrow_check_deadline(bigint) IS
    'A FUNDED escrow past its deadline is RELEASED as if the client approved; otherwise unchanged.';

CREATE FUNCTION kobatela.release_overdue_escrows()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_release_overdue_escrows';
COMMENT ON FUNCTION kobatela.release_overdue_escrows() IS
    'Admin: every FUNDED escrow past its deadline RELEASED as escrow_check_deadline does; how many. Safe to run concurrently.';

CREATE FUNCTION kobatela.get_escrow(escrow_id bigint)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_escrow';
COMMENT ON FUNCTION kobatela.get_escrow(bigint) IS 'The escrow; ESCROW_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.escrow_events(escrow_id bigint)
    RETURNS SETOF kobatela.escrow_events
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_escrow_events';
COMMENT ON FUNCTION kobatela.escrow_events(bigint) IS 'The escrow''s timeline, oldest first.';
