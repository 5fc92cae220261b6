-- Kobatela 0.7.0 → 0.8.0: lists, the event feed, the payout hand-off and metadata (issue 16), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.7.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.8.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.8.0'" to load this file. \quit

-- The C functions of 0.7.0 name the library's symbols; every one of them is still exported by
-- 0.8.0's kobatela.so, so the update replaces no function it does not change.

-- ---------------------------------------------------------------------------------------------
-- Metadata (issue 16, part 4): users, transactions, escrows and payments carry the application's
-- own references, a bounded flat JSON object (src/core/metadata.hpp, INVALID_METADATA), {} when
-- none. The columns come last, as a fresh install has them. create_user, create_transaction,
-- create_escrow (the keyed overload) and spend take a trailing optional metadata argument: a new
-- argument is a new signature, so each is dropped and created again, with the comment and grants
-- a fresh install gives it.
-- ---------------------------------------------------------------------------------------------
-- Added without a default, filled, then given it (as 0.6.0's counters): a constant default on a
-- table with rows would be a "missing value" of the catalogue that a fresh install does not have.
-- Every existing row gets {} (no metadata), audited as the upgrade's own change.
ALTER TABLE kobatela.users ADD COLUMN metadata jsonb;
ALTER TABLE kobatela.transactions ADD COLUMN metadata jsonb;
ALTER TABLE kobatela.escrow_agreements ADD COLUMN metadata jsonb;
ALTER TABLE kobatela.payments ADD COLUMN metadata jsonb;
ALTER TABLE kobatela.users DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.transactions DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_agreements DISABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.payments DISABLE TRIGGER touch_updated_at;
UPDATE kobatela.users SET metadata = '{}';
UPDATE kobatela.transactions SET metadata = '{}';
UPDATE kobatela.escrow_agreements SET metadata = '{}';
UPDATE kobatela.payments SET metadata = '{}';
ALTER TABLE kobatela.users ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.transactions ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.escrow_agreements ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.payments ENABLE TRIGGER touch_updated_at;
ALTER TABLE kobatela.users ALTER COLUMN metadata SET DEFAULT '{}', ALTER COLUMN metadata SET NOT NULL;
ALTER TABLE kobatela.transactions ALTER COLUMN metadata SET DEFAULT '{}', ALTER COLUMN metadata SET NOT NULL;
ALTER TABLE kobatela.escrow_agreements ALTER COLUMN metadata SET DEFAULT '{}', ALTER COLUMN metadata SET NOT NULL;
ALTER TABLE kobatela.payments ALTER COLUMN metadata SET DEFAULT '{}', ALTER COLUMN metadata SET NOT NULL;
COMMENT ON COLUMN kobatela.users.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';
COMMENT ON COLUMN kobatela.transactions.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';
COMMENT ON COLUMN kobatela.escrow_agreements.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';
COMMENT ON COLUMN kobatela.payments.metadata IS
    'The application''s own references (issue 16): a spend''s from its call, {} for Kobatela''s own payouts (milestones, releases, refunds), a retry''s copied from the payment it retries. Bounds in src/core/metadata.hpp (INVALID_METADATA).';

DROP FUNCTION kobatela.create_user(text, text, boolean);
CREATE FUNCTION kobatela.create_user(username text, email text, is_active boolean DEFAULT true,
                                     metadata jsonb DEFAULT NULL)
    RETURNS kobatela.users
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_user';
COMMENT ON FUNCTION kobatela.create_user(text, text, boolean, jsonb) IS
    'Creates a user, with the application''s metadata ({} when NULL); USER_EXISTS when the username or e-mail is taken (case-insensitively).';
REVOKE ALL ON FUNCTION kobatela.create_user(text, text, boolean, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.create_user(text, text, boolean, jsonb)
    TO kobatela_anon, kobatela_sender, kobatela_admin;

DROP FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text);
CREATE FUNCTION kobatela.create_transaction(sender_id bigint, receiver_id bigint, amount numeric,
                                            currency text DEFAULT 'USD', idempotency_key text DEFAULT NULL,
                                            metadata jsonb DEFAULT NULL)
    RETURNS kobatela.transactions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_transaction';
COMMENT ON FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb) IS
    'A transfer to an allowlisted or certified receiver (COMPLETED), else recorded as REJECTED with an alert. Idempotent per sender and key; carries the application''s metadata.';
REVOKE ALL ON FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb)
    TO kobatela_anon, kobatela_sender, kobatela_admin;

DROP FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text);
CREATE FUNCTION kobatela.create_escrow(client_id bigint, provider_id bigint, amount_total numeric, currency text,
                                       release_conditions jsonb, deadline_at timestamptz, idempotency_key text,
                                       metadata jsonb DEFAULT NULL)
    RETURNS kobatela.escrow_agreements
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_escrow';
COMMENT ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb) IS
    'create_escrow under an idempotency key, with the application''s metadata ({} when NULL): a replay with the same terms and metadata returns the escrow it created; others are IDEMPOTENCY_CONFLICT.';
REVOKE ALL ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb)
    TO kobatela_anon, kobatela_sender, kobatela_admin;

DROP FUNCTION kobatela.spend(bigint, text, numeric, text, text);
CREATE FUNCTION kobatela.spend(escrow_id bigint, payee_ref text, amount numeric, note text DEFAULT NULL,
                               idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_spend';
COMMENT ON FUNCTION kobatela.spend(bigint, text, numeric, text, text, jsonb) IS
    'Pays an allowed payee out of the escrow (SENT) within its limits and the balance; idempotent by key; the payment carries the application''s metadata.';
REVOKE ALL ON FUNCTION kobatela.spend(bigint, text, numeric, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.spend(bigint, text, numeric, text, text, jsonb)
    TO kobatela_anon, kobatela_sender, kobatela_admin;
