-- Kobatela 0.7.0 → 0.8.0: lists, the event feed, the payout hand-off and metadata (issue 16), in steps.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.7.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.8.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.8.0'" to load this file. \quit

-- The C functions of 0.7.0 name the library's symbols; every one of them is still exported by
-- 0.8.0's kobatela.so, so the update replaces no function it does not change.

-- ==== Lists (issue 16, part 1): keyset-paginated list functions and the indexes that serve them ====
-- The indexes each list reads along (sql/tables_*.sql): a foreign key's or a party's index gains
-- the id as its last column (it serves the same queries, and the newest-first page by keyset);
-- alerts' indexes end with (created_at, id), their order; payments (escrow_id, status) becomes
-- (escrow_id, id).
DROP INDEX kobatela.escrow_agreements_client_id_idx, kobatela.escrow_agreements_provider_id_idx,
           kobatela.escrow_deposits_escrow_id_idx, kobatela.escrow_events_escrow_id_at_idx,
           kobatela.payments_escrow_id_status_idx, kobatela.api_keys_user_id_idx,
           kobatela.alerts_type_created_at_idx, kobatela.alerts_created_at_idx, kobatela.alerts_actor_user_id_idx,
           kobatela.transactions_sender_id_idx, kobatela.transactions_receiver_id_idx,
           kobatela.usage_mandates_beneficiary_id_idx, kobatela.purchases_mandate_id_idx,
           kobatela.purchases_beneficiary_id_idx;
CREATE INDEX escrow_agreements_client_id_id_idx       ON kobatela.escrow_agreements (client_id, id);
CREATE INDEX escrow_agreements_provider_id_id_idx     ON kobatela.escrow_agreements (provider_id, id);
CREATE INDEX escrow_deposits_escrow_id_id_idx ON kobatela.escrow_deposits (escrow_id, id);
CREATE INDEX escrow_events_escrow_id_at_id_idx ON kobatela.escrow_events (escrow_id, at, id);
CREATE INDEX milestones_escrow_id_id_idx ON kobatela.milestones (escrow_id, id);
CREATE INDEX allowed_payees_escrow_id_id_idx ON kobatela.allowed_payees (escrow_id, id);
CREATE INDEX payments_escrow_id_id_idx     ON kobatela.payments (escrow_id, id);
CREATE INDEX api_keys_user_id_id_idx ON kobatela.api_keys (user_id, id);
CREATE INDEX alerts_type_created_at_id_idx          ON kobatela.alerts (type, created_at, id);
CREATE INDEX alerts_created_at_id_idx               ON kobatela.alerts (created_at, id);
CREATE INDEX alerts_actor_user_id_created_at_id_idx ON kobatela.alerts (actor_user_id, created_at, id);
CREATE INDEX transactions_sender_id_id_idx   ON kobatela.transactions (sender_id, id);
CREATE INDEX transactions_receiver_id_id_idx ON kobatela.transactions (receiver_id, id);
CREATE INDEX usage_mandates_sender_id_id_idx        ON kobatela.usage_mandates (sender_id, id);
CREATE INDEX usage_mandates_beneficiary_id_id_idx   ON kobatela.usage_mandates (beneficiary_id, id);
CREATE INDEX purchases_mandate_id_id_idx  ON kobatela.purchases (mandate_id, id);
CREATE INDEX purchases_beneficiary_id_id_idx ON kobatela.purchases (beneficiary_id, id);

-- The list functions (sql/functions_lists.sql) and their grants (sql/security.sql: 'read', and
-- list_api_keys 'admin').
CREATE FUNCTION kobatela.list_escrows(status text DEFAULT NULL, currency text DEFAULT NULL,
                                      counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                      created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                      cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_escrows';
COMMENT ON FUNCTION kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of escrows, newest first: by status, currency, counterparty (a party: client or provider), created in [since, until).';

CREATE FUNCTION kobatela.list_milestones(escrow_id bigint DEFAULT NULL, status text DEFAULT NULL,
                                         "limit" integer DEFAULT NULL, cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_milestones';
COMMENT ON FUNCTION kobatela.list_milestones(bigint, text, integer, text) IS
    'A page of milestones, newest first: of an escrow (else of every escrow the caller sees), by status.';

CREATE FUNCTION kobatela.list_payments(escrow_id bigint DEFAULT NULL, status text DEFAULT NULL, kind text DEFAULT NULL,
                                       created_since timestamptz DEFAULT NULL, created_until timestamptz DEFAULT NULL,
                                       "limit" integer DEFAULT NULL, cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_payments';
COMMENT ON FUNCTION kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text) IS
    'A page of payments, newest first: of an escrow (else of every escrow the caller sees), by status, kind, created in [since, until).';

CREATE FUNCTION kobatela.list_deposits(escrow_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                       created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_deposits';
COMMENT ON FUNCTION kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text) IS
    'A page of deposits, newest first: into an escrow (else into every escrow the caller sees), created in [since, until).';

CREATE FUNCTION kobatela.list_payees(escrow_id bigint DEFAULT NULL, "limit" integer DEFAULT NULL,
                                     cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_payees';
COMMENT ON FUNCTION kobatela.list_payees(bigint, integer, text) IS
    'A page of allowed payees, newest first: of an escrow (else of every escrow the caller sees).';

CREATE FUNCTION kobatela.list_transactions(status text DEFAULT NULL, currency text DEFAULT NULL,
                                           counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                           created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                           cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_transactions';
COMMENT ON FUNCTION kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of transfers, newest first: by status, currency, counterparty (sender or receiver), created in [since, until).';

CREATE FUNCTION kobatela.list_mandates(status text DEFAULT NULL, currency text DEFAULT NULL,
                                       counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                       created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_mandates';
COMMENT ON FUNCTION kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of mandates, newest first: by status, currency, counterparty (sender or beneficiary), created in [since, until).';

CREATE FUNCTION kobatela.list_purchases(mandate_id bigint DEFAULT NULL, status text DEFAULT NULL,
                                        currency text DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                        created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                        cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_purchases';
COMMENT ON FUNCTION kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text) IS
    'A page of purchases, newest first: under a mandate, by status, currency, created in [since, until).';

CREATE FUNCTION kobatela.list_alerts_page(type text DEFAULT NULL, "limit" integer DEFAULT NULL,
                                          cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_alerts_page';
COMMENT ON FUNCTION kobatela.list_alerts_page(text, integer, text) IS
    'A page of alerts, newest first, optionally of one type: list_alerts a page at a time.';

CREATE FUNCTION kobatela.list_escrow_events(escrow_id bigint, "limit" integer DEFAULT NULL,
                                            cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_escrow_events';
COMMENT ON FUNCTION kobatela.list_escrow_events(bigint, integer, text) IS
    'A page of the escrow''s timeline, oldest first: escrow_events a page at a time.';

CREATE FUNCTION kobatela.list_api_keys(user_id bigint DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_api_keys';
COMMENT ON FUNCTION kobatela.list_api_keys(bigint, integer, text) IS
    'Admin: a page of API keys, newest first, as get_api_key shows them (never the hash); optionally of one user.';

DO $$
DECLARE
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY[
        'kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text)',
        'kobatela.list_milestones(bigint, text, integer, text)',
        'kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text)',
        'kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text)',
        'kobatela.list_payees(bigint, integer, text)',
        'kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text)',
        'kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text)',
        'kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text)',
        'kobatela.list_alerts_page(text, integer, text)',
        'kobatela.list_escrow_events(bigint, integer, text)'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO kobatela_anon, kobatela_sender, kobatela_support, kobatela_admin', fn);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION kobatela.list_api_keys(bigint, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kobatela.list_api_keys(bigint, integer, text) TO kobatela_anon, kobatela_admin;
-- ==== end of Lists ====

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

-- =============================================================================================
-- The event feed (issue 16, part 2): kobatela.events, its trigger on the business tables,
-- events_since() and the type it returns (sql/tables_events.sql, sql/functions_events.sql, as they
-- are there), then what sql/audit.sql, sql/dump_config.sql and sql/security.sql give the new table
-- and functions. Events start with the update: nothing is written for what happened before.
-- =============================================================================================
CREATE TABLE kobatela.events (
    id          bigint                    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        kobatela.nonblank_text_50 NOT NULL,
    object      kobatela.nonblank_text_50 NOT NULL,
    object_id   bigint                    NOT NULL,
    data        jsonb                     NOT NULL,
    -- No foreign keys on the parties, on purpose: an event is a fact about the past, written on
    -- every hot path, and a key's check would lock the user's row on each one.
    party_a     bigint,
    party_b     bigint,
    txid        xid8                      NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz               NOT NULL DEFAULT now(),
    updated_at  timestamptz               NOT NULL DEFAULT now()
);

-- events_since() of an unbound caller: (txid, id) after the cursor, below the snapshot's xmin.
CREATE INDEX events_txid_id_idx ON kobatela.events (txid, id);
-- events_since() of a key bound to a user: the user's events as party a, merged with those as
-- party b, each from its own index in (txid, id) order; also the RLS of a bound key.
CREATE INDEX events_party_a_txid_id_idx ON kobatela.events (party_a, txid, id);
CREATE INDEX events_party_b_txid_id_idx ON kobatela.events (party_b, txid, id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.events
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.events IS
    'Business events (escrow.funded, payment.settled, ...), one per business change, written with the change; read in commit order by events_since(). docs/events.md.';
COMMENT ON COLUMN kobatela.events.type IS
    'What happened, dotted lower case: <object>.<what>, e.g. escrow.funded, payment.settled, refund.failed (docs/events.md lists them).';
COMMENT ON COLUMN kobatela.events.object IS
    'The kind of object: user, transaction, escrow, deposit, milestone, proof, payment, mandate, purchase, purchase_refund.';
COMMENT ON COLUMN kobatela.events.object_id IS
    'The object''s id in its table.';
COMMENT ON COLUMN kobatela.events.data IS
    'The object''s row as it was right after the change (timestamps in UTC).';
COMMENT ON COLUMN kobatela.events.party_a IS
    'A user who may read the event with a key bound to them: the escrow''s client, the transfer''s sender, the mandate''s sender, the purchase''s beneficiary, the user itself.';
COMMENT ON COLUMN kobatela.events.party_b IS
    'The other party: the escrow''s provider, the transfer''s receiver, the mandate''s beneficiary, the purchase''s mandate sender; NULL when none.';
COMMENT ON COLUMN kobatela.events.txid IS
    'The transaction that wrote the event: events_since() orders by (txid, id) and returns only those of transactions older than every one still running, so that none can appear behind a cursor.';

CREATE TYPE kobatela.feed_event AS (
    cursor      text,
    id          bigint,
    type        text,
    object      text,
    object_id   bigint,
    data        jsonb,
    created_at  timestamptz
);
COMMENT ON TYPE kobatela.feed_event IS
    'An event as events_since() returns it; cursor is the opaque position after it (store it with what the event did).';

-- Runs as the caller (a trigger); the C++ writes the event as the table's owner, as the audit
-- writer does.
CREATE FUNCTION kobatela.event_row() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_event_row';
COMMENT ON FUNCTION kobatela.event_row() IS
    'AFTER INSERT OR UPDATE OF status row trigger on the business tables: records the change as an event when core says it is one (src/core/events.cpp), and notifies kobatela_events at commit.';

CREATE FUNCTION kobatela.events_since(cursor text DEFAULT NULL, "limit" integer DEFAULT NULL)
    RETURNS SETOF kobatela.feed_event
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_events_since';
COMMENT ON FUNCTION kobatela.events_since(text, integer) IS
    'The events the caller may see after cursor (NULL: from the first), at most limit (default 100, 1..1000), in commit order; INVALID_CURSOR, INVALID_LIMIT.';

-- The business tables (core::event_sources(), src/core/events.cpp): every insert, and every
-- update naming the status column, goes to the trigger (an update that sets no status is never
-- an event, so it does not even fire it: spend's counters, a key's stamp).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'escrow_deposits', 'purchase_refunds'] LOOP  -- no status
        EXECUTE format('CREATE TRIGGER events AFTER INSERT ON kobatela.%I '
                       'FOR EACH ROW EXECUTE FUNCTION kobatela.event_row()', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['transactions', 'escrow_agreements', 'milestones', 'proofs', 'payments',
                             'usage_mandates', 'purchases'] LOOP
        EXECUTE format('CREATE TRIGGER events AFTER INSERT OR UPDATE OF status ON kobatela.%I '
                       'FOR EACH ROW EXECUTE FUNCTION kobatela.event_row()', t);
    END LOOP;
END $$;

SELECT pg_catalog.pg_extension_config_dump('kobatela.events'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('kobatela.events', 'id')::regclass, '');

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON kobatela.events
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();
CREATE TRIGGER audit_truncate AFTER TRUNCATE ON kobatela.events
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row();

-- security.sql's rules: events_since is 'read', event_row a 'trigger' (nobody's); the table is
-- 'all', its parties party_a and party_b.
REVOKE ALL ON FUNCTION kobatela.events_since(text, integer)
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
GRANT EXECUTE ON FUNCTION kobatela.events_since(text, integer)
    TO kobatela_anon, kobatela_sender, kobatela_support, kobatela_admin;
REVOKE ALL ON FUNCTION kobatela.event_row()
    FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
REVOKE ALL ON kobatela.events FROM PUBLIC;
REVOKE ALL ON SEQUENCE kobatela.events_id_seq FROM PUBLIC;
GRANT SELECT ON kobatela.events TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon;
ALTER TABLE kobatela.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE kobatela.events FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_scope ON kobatela.events FOR SELECT USING (
    CASE (SELECT kobatela.current_scope()) WHEN 'admin' THEN true WHEN 'support' THEN true
    WHEN 'sender' THEN (SELECT kobatela.current_user_id()) IS NULL OR (
        (SELECT kobatela.current_user_id()) IN (party_a, party_b))
    ELSE false END);

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
