-- Kobatela 0.8.0, the complete install script as released (generated from sql/*.sql at commit 5224665).
-- Kept only so that CREATE EXTENSION kobatela VERSION '0.8.0' and ALTER EXTENSION ... UPDATE can be
-- tested and used: never edit it. Changes go into sql/*.sql and the next upgrade script beside this one.
-- types.sql — the enumerated types of the data model (spec.md §1).
--
-- Values are spelled exactly as spec.md says: lower-case for api_scope, upper-case elsewhere.
-- Their order is the order of the spec, which is also the natural order of each lifecycle; nothing
-- compares enum values with < or >, so the order carries no rule.

-- Scope of an API key (and of the kobatela_* roles): what a caller may do. worker (0.8.0, last so
-- that the upgrade's ADD VALUE gives the same order) hands payouts to the PSP and does nothing else.
CREATE TYPE kobatela.api_scope AS ENUM ('sender', 'support', 'admin', 'worker');

-- Level of a certified account (a certified receiver needs no allowlist entry).
CREATE TYPE kobatela.certification_level AS ENUM ('BASIC', 'GOLD');

-- Peer-to-peer transfer. REJECTED records a refused transfer as data (spec.md §2).
CREATE TYPE kobatela.transaction_status AS ENUM ('PENDING', 'COMPLETED', 'REJECTED', 'FAILED');

-- Escrow lifecycle (spec.md §3); RELEASED, REFUNDED and CANCELLED are terminal.
CREATE TYPE kobatela.escrow_status AS ENUM
    ('DRAFT', 'FUNDED', 'RELEASABLE', 'RELEASED', 'REFUNDED', 'CANCELLED');

-- Milestone lifecycle (spec.md §4). RELEASED and CANCELLED (0.6.0, last so that an upgrade's ADD
-- VALUE gives the same order) close a milestone still open when its escrow ends: RELEASED when the
-- escrow's release paid its remaining balance to the provider, CANCELLED when a refund returned it
-- to the client (docs/state_machines.md).
CREATE TYPE kobatela.milestone_status AS ENUM
    ('WAITING', 'PENDING_REVIEW', 'APPROVED', 'REJECTED', 'PAYING', 'PAID', 'RELEASED', 'CANCELLED');

-- Review state of a proof.
CREATE TYPE kobatela.proof_status AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- Payout lifecycle (spec.md §5); SENT and SETTLED count against the escrow balance.
CREATE TYPE kobatela.payment_status AS ENUM ('PENDING', 'SENT', 'SETTLED', 'ERROR', 'REFUNDED');

-- What a payment pays, and so to whom (0.6.0): MILESTONE (a milestone, to the provider), PAYEE (a
-- spend to an allowed payee), RELEASE (an escrow's remaining balance, to the provider), REFUND (an
-- escrow's remaining balance, back to the client).
CREATE TYPE kobatela.payment_kind AS ENUM ('MILESTONE', 'PAYEE', 'RELEASE', 'REFUND');

-- A SENT payment's hand-off to the PSP (0.8.0, docs/payouts.md): QUEUED for a worker, CLAIMED by
-- one under a lease, TRANSMITTED (the PSP accepted it), ABANDONED (out of attempts: the payment
-- failed).
CREATE TYPE kobatela.transmission_state AS ENUM ('QUEUED', 'CLAIMED', 'TRANSMITTED', 'ABANDONED');

-- Usage mandate lifecycle (spec.md §6).
CREATE TYPE kobatela.mandate_status AS ENUM ('ACTIVE', 'EXPIRED', 'CONSUMED');

-- Purchase state (always COMPLETED in practice).
CREATE TYPE kobatela.purchase_status AS ENUM ('AUTHORIZED', 'COMPLETED', 'REJECTED');

-- Domains for the columns of the tables every hot path writes (payments, escrow_agreements,
-- escrow_deposits, escrow_events, allowed_payees, psp_webhook_events, usage_mandates, purchases):
-- each carries what was its column's CHECK. PostgreSQL reads a table's CHECK expressions from the
-- catalogue and prepares them all for every statement that writes the table, whichever columns it
-- sets; a domain's check is prepared once per backend (the type cache) and runs only on a value
-- assigned to a column of that type (docs/performance.md, "CHECK constraints"). The other tables
-- keep their CHECKs (tables_identity.sql, conventions).
CREATE DOMAIN kobatela.positive_money AS numeric(18,2) CONSTRAINT positive_money_check CHECK (VALUE > 0);
CREATE DOMAIN kobatela.nonnegative_money AS numeric(18,2) CONSTRAINT nonnegative_money_check CHECK (VALUE >= 0);
-- ISO 4217 shape: 3 upper-case letters (which codes are accepted is the currencies table's).
CREATE DOMAIN kobatela.currency_code AS text CONSTRAINT currency_code_check CHECK (VALUE ~ '^[A-Z]{3}$');
-- Text that holds more than spaces, of at most N characters: kobatela.nonblank_text_N.
DO $$
DECLARE
    n integer;
BEGIN
    FOREACH n IN ARRAY ARRAY[50, 64, 100, 120, 128, 200] LOOP
        EXECUTE format('CREATE DOMAIN kobatela.nonblank_text_%s AS text CONSTRAINT nonblank_text_%s_check '
                       'CHECK (btrim(VALUE) <> '''' AND char_length(VALUE) <= %s)', n, n, n);
    END LOOP;
END $$;
-- Trigger functions the tables below rely on.

CREATE FUNCTION kobatela.touch_updated_at() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_touch_updated_at';
COMMENT ON FUNCTION kobatela.touch_updated_at() IS 'BEFORE UPDATE row trigger: sets updated_at to now().';
-- tables_identity.sql — users, API keys, audit log, alerts, transfers, allowlist, certification.
--
-- Conventions of every tables_*.sql file (the C++ maps constraint names to error codes):
--   * id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
--   * created_at / updated_at timestamptz NOT NULL DEFAULT now() (not on audit_log), updated_at kept
--     by the BEFORE UPDATE trigger "touch_updated_at";
--   * money numeric(18,2); currency text checked as 3 upper-case letters;
--   * text length limits and non-empty rules as CHECKs: btrim(x) <> '' AND char_length(x) <= N;
--     on the tables every hot path writes, these single-column rules are domains instead
--     (kobatela.positive_money, nonnegative_money, currency_code, nonblank_text_N: types.sql);
--   * names: CHECK <table>_<what>_check, UNIQUE constraint or index <table>_<cols>_key, plain index
--     <table>_<cols>_idx, foreign key <table>_<col>_fkey (PostgreSQL's default name);
--   * foreign keys never cascade: money records are never deleted implicitly;
--   * every foreign-key column leads some index.

-- ---------------------------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.users (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username    text        NOT NULL,
    email       text        NOT NULL,
    is_active   boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- (0.8.0, last as an upgrade adds it) the application's own references; on the four tables an
    -- application's calls create (users, transactions, escrow_agreements, payments), with no SQL
    -- backstop: the one rule is core's (src/core/metadata.hpp), run by every function that writes
    -- it, and these tables are written only by Kobatela's functions. (A domain with a CHECK would
    -- make the upgrade rewrite each table; a CHECK would be prepared for every payout and spend.)
    metadata    jsonb       NOT NULL DEFAULT '{}',

    CONSTRAINT users_username_check
        CHECK (btrim(username) <> '' AND char_length(username) <= 100),
    -- A backstop only: the C++ validates addresses fully (INVALID_EMAIL).
    CONSTRAINT users_email_check
        CHECK (char_length(email) <= 255
               AND email ~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$')
);

-- Case-insensitive uniqueness (spec.md §1): "Alice" and "alice" are the same user.
CREATE UNIQUE INDEX users_username_key ON kobatela.users (lower(username));
CREATE UNIQUE INDEX users_email_key    ON kobatela.users (lower(email));

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.users
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.users IS
    'People and organisations that send, receive, escrow and spend money.';
COMMENT ON COLUMN kobatela.users.username IS
    'Unique case-insensitively (index users_username_key on lower(username)).';
COMMENT ON COLUMN kobatela.users.email IS
    'Unique case-insensitively (index users_email_key on lower(email)).';
COMMENT ON COLUMN kobatela.users.is_active IS
    'Stored and returned; no business rule reads it.';
COMMENT ON COLUMN kobatela.users.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';

-- ---------------------------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.api_keys (
    id            bigint             GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text               NOT NULL,
    prefix        text               NOT NULL,
    key_hash      text               NOT NULL,
    scope         kobatela.api_scope NOT NULL DEFAULT 'sender',
    user_id       bigint             REFERENCES kobatela.users (id),
    is_active     boolean            NOT NULL DEFAULT true,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    created_at    timestamptz        NOT NULL DEFAULT now(),
    updated_at    timestamptz        NOT NULL DEFAULT now(),

    CONSTRAINT api_keys_name_check     CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    CONSTRAINT api_keys_prefix_check   CHECK (btrim(prefix) <> '' AND char_length(prefix) <= 16),
    CONSTRAINT api_keys_key_hash_check CHECK (btrim(key_hash) <> '' AND char_length(key_hash) <= 128),
    CONSTRAINT api_keys_prefix_key     UNIQUE (prefix),
    CONSTRAINT api_keys_key_hash_key   UNIQUE (key_hash)
);

CREATE INDEX api_keys_user_id_id_idx ON kobatela.api_keys (user_id, id);  -- list_api_keys(user_id)

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.api_keys
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.api_keys IS
    'API keys: lookup prefix and peppered hash of the key, scope, binding, validity.';
COMMENT ON COLUMN kobatela.api_keys.name IS
    'Human label; not unique.';
COMMENT ON COLUMN kobatela.api_keys.prefix IS
    'Public lookup part of the key (koba_<prefix>.<secret>).';
COMMENT ON COLUMN kobatela.api_keys.key_hash IS
    'Hex HMAC-SHA256(pepper, full key); the plaintext is never stored.';
COMMENT ON COLUMN kobatela.api_keys.user_id IS
    'When set, a sender key sees and acts only on rows where this user is a party.';
COMMENT ON COLUMN kobatela.api_keys.is_active IS
    'False once revoked; a revoked key fails every later use.';
COMMENT ON COLUMN kobatela.api_keys.expires_at IS
    'NULL = never expires.';
COMMENT ON COLUMN kobatela.api_keys.last_used_at IS
    'Stamped on every successful authentication.';

-- ---------------------------------------------------------------------------------------------
-- audit_log  (append-only, hash-chained; trigger, guards, view and functions in audit.sql)
-- ---------------------------------------------------------------------------------------------
-- One record per business action: the changes of one API call (or, outside any call, of one
-- transaction) in `changes`, with its actor, action and transaction (docs/audit.md). One chain per
-- writing backend ("lane" = its backend id), so concurrent writers never serialise on a shared tip
-- row: seq counts 1, 2, 3... within a lane, prev_hash is the hash of the lane's previous record,
-- hash = SHA-256 over the canonical encoding of the record (src/core/audit_chain.hpp). Written only
-- by the C++ audit writer. Rows written by 0.3.0 to 0.6.0 are one change each (entity, entity_id,
-- data; changes NULL) and keep verifying; kobatela.audit_entries reads both as one row per change.
CREATE TABLE kobatela.audit_log (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text        NOT NULL,
    action     text        NOT NULL,
    entity     text,
    entity_id  bigint,
    data       jsonb,
    txid       xid8        NOT NULL DEFAULT pg_current_xact_id(),
    lane       integer     NOT NULL,
    seq        bigint      NOT NULL,
    prev_hash  bytea,
    hash       bytea       NOT NULL,
    changes    json,
    entities   text[],

    -- Also the index the writer reads a lane's tip with, and verification walks the lanes with.
    CONSTRAINT audit_log_lane_seq_key UNIQUE (lane, seq)
);
-- No CHECK constraints, unlike the other tables, on purpose: the only writer (C++) never writes a
-- blank actor or action, and PostgreSQL compiles every CHECK expression at each writing statement.

-- The history of one entity (kobatela.audit_history): the records that changed it. GIN keeps
-- the few keys of each record in a pending list that is merged in bulk, so a record costs one
-- small append rather than a B-tree descent per key.
CREATE INDEX audit_log_entities_idx ON kobatela.audit_log USING gin (entities);
-- The same for the rows of 0.3.0 to 0.6.0 (one change each); no record written since enters it.
CREATE INDEX audit_log_entity_entity_id_idx ON kobatela.audit_log (entity, entity_id) WHERE changes IS NULL;
-- BRIN, not B-tree: the log is append-only and `at` grows with it, so each range of heap pages
-- covers a narrow span of time. A BRIN entry is one small tuple per 128 pages instead of one
-- B-tree entry per row (and no hot rightmost leaf page that every writer locks). autosummarize
-- asks autovacuum to summarize each range as soon as it is full; ranges not yet summarized are
-- simply read whole by a query on `at`.
CREATE INDEX audit_log_at_idx               ON kobatela.audit_log USING brin (at)
    WITH (autosummarize = on);

COMMENT ON TABLE kobatela.audit_log IS
    'Append-only, hash-chained audit trail, one record per business action: who did what, to which rows, in which transaction. Read it change by change through kobatela.audit_entries.';
COMMENT ON COLUMN kobatela.audit_log.at IS
    'Wall-clock time the record was written (the end of the call).';
COMMENT ON COLUMN kobatela.audit_log.actor IS
    'apikey:<id> or role:<outer role> (kobatela.current_actor()), or the actor a function names (e.g. psp): the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.action IS
    'Business reason (e.g. CREATE_TRANSACTION, PAYMENT_SETTLED), else <TABLE>_<INSERT|UPDATE|DELETE|TRUNCATE>: the first change''s.';
COMMENT ON COLUMN kobatela.audit_log.entity IS
    'Rows of 0.3.0 to 0.6.0 only: the table the change is about.';
COMMENT ON COLUMN kobatela.audit_log.entity_id IS
    'Rows of 0.3.0 to 0.6.0 only: the id of the changed row; no foreign key (any table).';
COMMENT ON COLUMN kobatela.audit_log.data IS
    'Rows of 0.3.0 to 0.6.0 only: the row (insert, delete) or {"old": {...}, "new": {...}} with the changed columns only (update); secrets masked.';
COMMENT ON COLUMN kobatela.audit_log.txid IS
    'Top-level transaction that wrote the record.';
COMMENT ON COLUMN kobatela.audit_log.changes IS
    'The record''s changes, in order: [{"op", "entity", "entity_id", ["action",] ["actor",] "data"}, ...], stored and hashed byte for byte as written. NULL for the rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_log.entities IS
    'The <entity>:<id> keys of the record''s changes, for kobatela.audit_history (GIN index).';
COMMENT ON COLUMN kobatela.audit_log.lane IS
    'Chain the row belongs to: the backend id of the session that wrote it (reused after it exits).';
COMMENT ON COLUMN kobatela.audit_log.seq IS
    'Position in the lane: 1, 2, 3, ... without gaps.';
COMMENT ON COLUMN kobatela.audit_log.prev_hash IS
    'Hash of the previous row of the lane (NULL for seq 1).';
COMMENT ON COLUMN kobatela.audit_log.hash IS
    'SHA-256 of this row chained to prev_hash; checked by verify_audit_chain().';

-- ---------------------------------------------------------------------------------------------
-- alerts
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.alerts (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type           text        NOT NULL,
    message        text        NOT NULL,
    actor_user_id  bigint      REFERENCES kobatela.users (id),
    payload        jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT alerts_type_check    CHECK (btrim(type) <> '' AND char_length(type) <= 100),
    CONSTRAINT alerts_message_check CHECK (btrim(message) <> '' AND char_length(message) <= 255)
);

-- Alerts newest first (created_at DESC, id DESC: list_alerts and list_alerts_page) of one type,
-- about one user (a bound key's), or all of them.
CREATE INDEX alerts_type_created_at_id_idx          ON kobatela.alerts (type, created_at, id);
CREATE INDEX alerts_created_at_id_idx               ON kobatela.alerts (created_at, id);
CREATE INDEX alerts_actor_user_id_created_at_id_idx ON kobatela.alerts (actor_user_id, created_at, id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.alerts
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.alerts IS
    'Security and business alerts, e.g. UNAUTHORIZED_TRANSFER_ATTEMPT.';
COMMENT ON COLUMN kobatela.alerts.type IS
    'Alert code, e.g. UNAUTHORIZED_TRANSFER_ATTEMPT.';
COMMENT ON COLUMN kobatela.alerts.actor_user_id IS
    'User whose action raised the alert, when known.';
COMMENT ON COLUMN kobatela.alerts.payload IS
    'Alert details, e.g. sender_id, attempted_receiver_id, amount.';

-- ---------------------------------------------------------------------------------------------
-- transactions
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.transactions (
    id               bigint                      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender_id        bigint                      NOT NULL REFERENCES kobatela.users (id),
    receiver_id      bigint                      NOT NULL REFERENCES kobatela.users (id),
    amount           numeric(18,2)               NOT NULL,
    currency         text                        NOT NULL DEFAULT 'USD',
    status           kobatela.transaction_status NOT NULL DEFAULT 'PENDING',
    idempotency_key  text,
    created_at       timestamptz                 NOT NULL DEFAULT now(),
    updated_at       timestamptz                 NOT NULL DEFAULT now(),
    idempotency_owner bigint,
    -- (0.8.0) as users.metadata
    metadata         jsonb                       NOT NULL DEFAULT '{}',

    CONSTRAINT transactions_amount_check   CHECK (amount > 0),
    CONSTRAINT transactions_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT transactions_idempotency_key_check
        CHECK (btrim(idempotency_key) <> '' AND char_length(idempotency_key) <= 64)
);

-- Deliberate difference from the reference (one global namespace): a key is unique per owner, the
-- caller that chose it (docs/reference.md, "Idempotency"), so nobody's key can collide with, or
-- reveal, another party's request. NULLS NOT DISTINCT: the platform (owner NULL) is one namespace.
-- A transfer's key is also per sender, as it was before owners (a key bound to a user is always
-- the sender's own; the platform's keys stay per sender, as its earlier transfers have them).
CREATE UNIQUE INDEX transactions_idempotency_key_idempotency_owner_sender_id_key
    ON kobatela.transactions (idempotency_key, idempotency_owner, sender_id) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
-- (Every foreign-key column leads some index.)
CREATE INDEX transactions_sender_id_id_idx   ON kobatela.transactions (sender_id, id);  -- list_transactions

CREATE INDEX transactions_receiver_id_id_idx ON kobatela.transactions (receiver_id, id);
CREATE INDEX transactions_created_at_idx  ON kobatela.transactions (created_at);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.transactions
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.transactions IS
    'Peer-to-peer transfers, including refused ones (status REJECTED).';
COMMENT ON COLUMN kobatela.transactions.status IS
    'COMPLETED when sent; REJECTED when the receiver was neither allowlisted nor certified.';
COMMENT ON COLUMN kobatela.transactions.idempotency_key IS
    'Client key, unique per idempotency_owner (not globally); a replay returns the stored row.';
COMMENT ON COLUMN kobatela.transactions.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.transactions.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';

-- ---------------------------------------------------------------------------------------------
-- allowed_recipients
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.allowed_recipients (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id      bigint      NOT NULL REFERENCES kobatela.users (id),
    recipient_id  bigint      NOT NULL REFERENCES kobatela.users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT allowed_recipients_owner_id_recipient_id_key UNIQUE (owner_id, recipient_id)
);

CREATE INDEX allowed_recipients_recipient_id_idx ON kobatela.allowed_recipients (recipient_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.allowed_recipients
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.allowed_recipients IS
    'Allowlist: the recipients each owner may send transfers to.';
COMMENT ON COLUMN kobatela.allowed_recipients.owner_id IS
    'The sender who allows.';
COMMENT ON COLUMN kobatela.allowed_recipients.recipient_id IS
    'The receiver who is allowed.';

-- ---------------------------------------------------------------------------------------------
-- certified_accounts
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.certified_accounts (
    id            bigint                       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint                       NOT NULL REFERENCES kobatela.users (id),
    level         kobatela.certification_level NOT NULL,
    certified_at  timestamptz                  NOT NULL DEFAULT now(),
    created_at    timestamptz                  NOT NULL DEFAULT now(),
    updated_at    timestamptz                  NOT NULL DEFAULT now(),

    CONSTRAINT certified_accounts_user_id_key UNIQUE (user_id)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.certified_accounts
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.certified_accounts IS
    'Certified users (one row per user): transfers to them need no allowlist entry.';
COMMENT ON COLUMN kobatela.certified_accounts.certified_at IS
    'When the level was last granted or changed.';
-- tables_escrow.sql — escrows, their deposits, timeline, milestones, proofs, allowed payees, payments,
-- PSP webhooks.
-- Conventions (ids, timestamps, money, CHECK and index names): see the head of tables_identity.sql.

-- ---------------------------------------------------------------------------------------------
-- escrow_agreements
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.escrow_agreements (
    id                  bigint                 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id           bigint                 NOT NULL REFERENCES kobatela.users (id),
    provider_id         bigint                 NOT NULL REFERENCES kobatela.users (id),
    amount_total        kobatela.positive_money NOT NULL,
    currency            kobatela.currency_code NOT NULL,
    status              kobatela.escrow_status NOT NULL DEFAULT 'DRAFT',
    release_conditions  jsonb                  NOT NULL,
    deadline_at         timestamptz            NOT NULL,
    deposited_amount    kobatela.nonnegative_money NOT NULL DEFAULT 0,
    paid_amount         kobatela.nonnegative_money NOT NULL DEFAULT 0,
    created_at          timestamptz            NOT NULL DEFAULT now(),
    updated_at          timestamptz            NOT NULL DEFAULT now(),
    idempotency_key     kobatela.nonblank_text_64,
    idempotency_owner   bigint,
    -- (0.6.0, last as an upgrade adds them) the escrow's other counters; docs/reference.md, "The books"
    refunded_amount     kobatela.nonnegative_money NOT NULL DEFAULT 0,
    to_repay_amount     kobatela.nonnegative_money NOT NULL DEFAULT 0,
    reserved_amount     kobatela.nonnegative_money NOT NULL DEFAULT 0,
    -- (0.8.0) as users.metadata (tables_identity.sql)
    metadata            jsonb                  NOT NULL DEFAULT '{}',

    -- Single-column rules are the columns' domains (types.sql: every payout and spend updates this
    -- row, and a table's CHECKs are prepared for each such statement). Backstop of the deposit rule
    -- the functions apply under the escrow's row lock. paid_amount has no upper bound on purpose: a
    -- PSP may report as settled a payment that had failed and was paid again; the webhook must
    -- record that (and raises an alert), not refuse it.
    CONSTRAINT escrow_agreements_deposited_amount_check CHECK (deposited_amount <= amount_total)
);

-- Unique per owner, as transactions (tables_identity.sql) explains: a retried create_escrow returns
-- the escrow it created instead of a second one.
CREATE UNIQUE INDEX escrow_agreements_idempotency_key_idempotency_owner_key
    ON kobatela.escrow_agreements (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;

-- (status, deadline_at) serves both lookups by status and the deadline sweep
-- (status = 'FUNDED' AND deadline_at <= now()).
CREATE INDEX escrow_agreements_status_deadline_at_idx ON kobatela.escrow_agreements (status, deadline_at);
-- A party's escrows, newest first (list_escrows: (client_id, id) and (provider_id, id), keyset on id).
CREATE INDEX escrow_agreements_client_id_id_idx       ON kobatela.escrow_agreements (client_id, id);
CREATE INDEX escrow_agreements_provider_id_id_idx     ON kobatela.escrow_agreements (provider_id, id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.escrow_agreements
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.escrow_agreements IS
    'Escrows: money a client deposits and releases to a provider on conditions.';
COMMENT ON COLUMN kobatela.escrow_agreements.client_id IS
    'The payer, who deposits and approves or rejects.';
COMMENT ON COLUMN kobatela.escrow_agreements.provider_id IS
    'The payee, who delivers.';
COMMENT ON COLUMN kobatela.escrow_agreements.amount_total IS
    'Amount to be deposited; FUNDED once deposits reach it; deposits never exceed it.';
COMMENT ON COLUMN kobatela.escrow_agreements.release_conditions IS
    'Free-form conditions supplied by the client.';
COMMENT ON COLUMN kobatela.escrow_agreements.deadline_at IS
    'A FUNDED escrow past this instant is released by escrow_check_deadline.';
COMMENT ON COLUMN kobatela.escrow_agreements.deposited_amount IS
    'Sum of the escrow''s deposits, kept with each deposit (so a payout reads its balance from the locked row).';
COMMENT ON COLUMN kobatela.escrow_agreements.paid_amount IS
    'Sum of the escrow''s SENT and SETTLED payments to the provider and payees (kinds MILESTONE, PAYEE, RELEASE).';
COMMENT ON COLUMN kobatela.escrow_agreements.refunded_amount IS
    'Sum of the escrow''s SENT and SETTLED refunds to the client (kind REFUND).';
COMMENT ON COLUMN kobatela.escrow_agreements.to_repay_amount IS
    'Money of failed payments (ERROR, not retried) owed to their beneficiaries: "to be repaid" by retry_payment, never spendable again.';
COMMENT ON COLUMN kobatela.escrow_agreements.reserved_amount IS
    'Sum of the escrow''s open milestones: money promised to the provider, which payee spends cannot take.';
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_key IS
    'Client key of create_escrow, unique per idempotency_owner; a replay returns the stored escrow.';
COMMENT ON COLUMN kobatela.escrow_agreements.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.escrow_agreements.metadata IS
    'The application''s own references (issue 16): a flat JSON object of at most 50 keys, returned as given; Kobatela decides nothing on it. {} when none. Bounds in src/core/metadata.hpp (INVALID_METADATA).';

-- ---------------------------------------------------------------------------------------------
-- escrow_deposits
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.escrow_deposits (
    id               bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id        bigint        NOT NULL REFERENCES kobatela.escrow_agreements (id),
    amount           kobatela.positive_money NOT NULL,
    idempotency_key  kobatela.nonblank_text_64,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now(),
    idempotency_owner bigint
    -- (its rules are its columns' domains: types.sql)
);

-- Unique per owner (transactions has the why), not per escrow: an owner's key reused on another
-- escrow is an IDEMPOTENCY_CONFLICT (spec.md §3).
CREATE UNIQUE INDEX escrow_deposits_idempotency_key_idempotency_owner_key
    ON kobatela.escrow_deposits (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX escrow_deposits_escrow_id_id_idx ON kobatela.escrow_deposits (escrow_id, id);  -- also list_deposits

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.escrow_deposits
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.escrow_deposits IS
    'Money paid into an escrow; their sum is the funded amount.';
COMMENT ON COLUMN kobatela.escrow_deposits.idempotency_key IS
    'Client key, unique per idempotency_owner across all escrows.';
COMMENT ON COLUMN kobatela.escrow_deposits.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';

-- ---------------------------------------------------------------------------------------------
-- escrow_events
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.escrow_events (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id        bigint      NOT NULL REFERENCES kobatela.escrow_agreements (id),
    kind             kobatela.nonblank_text_50 NOT NULL,
    idempotency_key  kobatela.nonblank_text_128,
    data             jsonb       NOT NULL DEFAULT '{}',
    at               timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
    -- (its rules are its columns' domains: types.sql)
);

-- The timeline in its order (at, id): escrow_events and list_escrow_events' keyset.
CREATE INDEX escrow_events_escrow_id_at_id_idx ON kobatela.escrow_events (escrow_id, at, id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.escrow_events
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.escrow_events IS
    'Timeline of each escrow: CREATED, DEPOSIT, PAYMENT_SENT, USAGE_SPEND, CLOSED, ...';
COMMENT ON COLUMN kobatela.escrow_events.kind IS
    'Event kind, e.g. DEPOSIT, PROOF_UPLOADED, CLIENT_APPROVED, PAYMENT_SENT, CLOSED.';
COMMENT ON COLUMN kobatela.escrow_events.idempotency_key IS
    'Key of the call that caused the event (USAGE_SPEND); informative, not unique.';
COMMENT ON COLUMN kobatela.escrow_events.data IS
    'Event details, e.g. {amount, idempotency_key} for DEPOSIT.';
COMMENT ON COLUMN kobatela.escrow_events.at IS
    'When the event happened; the timeline is ordered by (at, id).';

-- ---------------------------------------------------------------------------------------------
-- milestones
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.milestones (
    id                 bigint                    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id          bigint                    NOT NULL REFERENCES kobatela.escrow_agreements (id),
    idx                integer                   NOT NULL,
    label              text                      NOT NULL,
    amount             numeric(18,2)             NOT NULL,
    proof_type         text                      NOT NULL DEFAULT 'PHOTO',
    validator          text                      NOT NULL DEFAULT 'SENDER',
    geofence_lat       float8,
    geofence_lng       float8,
    geofence_radius_m  float8,
    status             kobatela.milestone_status NOT NULL DEFAULT 'WAITING',
    created_at         timestamptz               NOT NULL DEFAULT now(),
    updated_at         timestamptz               NOT NULL DEFAULT now(),

    CONSTRAINT milestones_idx_check        CHECK (idx > 0),
    CONSTRAINT milestones_label_check      CHECK (btrim(label) <> '' AND char_length(label) <= 200),
    CONSTRAINT milestones_amount_check     CHECK (amount > 0),
    CONSTRAINT milestones_proof_type_check CHECK (btrim(proof_type) <> '' AND char_length(proof_type) <= 50),
    CONSTRAINT milestones_validator_check  CHECK (btrim(validator) <> '' AND char_length(validator) <= 50),
    -- A geofence is all three values or none.
    CONSTRAINT milestones_geofence_check
        CHECK (num_nulls(geofence_lat, geofence_lng, geofence_radius_m) IN (0, 3)),
    -- Ranges reject NaN and infinities too (NaN sorts above every number in PostgreSQL).
    CONSTRAINT milestones_geofence_lat_check      CHECK (geofence_lat BETWEEN -90 AND 90),
    CONSTRAINT milestones_geofence_lng_check      CHECK (geofence_lng BETWEEN -180 AND 180),
    CONSTRAINT milestones_geofence_radius_m_check
        CHECK (geofence_radius_m > 0 AND geofence_radius_m < 'Infinity'),
    CONSTRAINT milestones_escrow_id_idx_key UNIQUE (escrow_id, idx)
);

CREATE INDEX milestones_escrow_id_id_idx ON kobatela.milestones (escrow_id, id);  -- list_milestones

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.milestones
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.milestones IS
    'Steps of an escrow, each paid out on an approved proof, in idx order.';
COMMENT ON COLUMN kobatela.milestones.idx IS
    'Position in the escrow, from 1; the lowest open idx is the current milestone.';
COMMENT ON COLUMN kobatela.milestones.proof_type IS
    'PHOTO (exact spelling) gets automatic photo validation; anything else goes to manual review.';
COMMENT ON COLUMN kobatela.milestones.validator IS
    'Who validates; stored, not used by any rule.';
COMMENT ON COLUMN kobatela.milestones.geofence_lat IS
    'Geofence centre latitude in degrees (NULL = no geofence).';
COMMENT ON COLUMN kobatela.milestones.geofence_lng IS
    'Geofence centre longitude in degrees.';
COMMENT ON COLUMN kobatela.milestones.geofence_radius_m IS
    'Geofence radius in metres (kobatela.geofence_tolerance_m is added when checking).';

-- ---------------------------------------------------------------------------------------------
-- proofs
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.proofs (
    id            bigint                GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id     bigint                NOT NULL REFERENCES kobatela.escrow_agreements (id),
    milestone_id  bigint                NOT NULL REFERENCES kobatela.milestones (id),
    type          text                  NOT NULL,
    storage_url   text                  NOT NULL,
    sha256        text                  NOT NULL,
    metadata      jsonb,
    status        kobatela.proof_status NOT NULL DEFAULT 'PENDING',
    created_at    timestamptz           NOT NULL DEFAULT now(),
    updated_at    timestamptz           NOT NULL DEFAULT now(),

    CONSTRAINT proofs_type_check        CHECK (btrim(type) <> '' AND char_length(type) <= 50),
    CONSTRAINT proofs_storage_url_check CHECK (btrim(storage_url) <> '' AND char_length(storage_url) <= 1024),
    -- spec.md: up to 128 characters, format free (a 64-digit hex SHA-256 arrives lower-cased).
    CONSTRAINT proofs_sha256_check      CHECK (btrim(sha256) <> '' AND char_length(sha256) <= 128),
    CONSTRAINT proofs_sha256_key        UNIQUE (sha256)
);

CREATE INDEX proofs_milestone_id_idx ON kobatela.proofs (milestone_id);
CREATE INDEX proofs_escrow_id_idx    ON kobatela.proofs (escrow_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.proofs
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.proofs IS
    'Evidence submitted for a milestone (photo or document) and its review state.';
COMMENT ON COLUMN kobatela.proofs.type IS
    'Client-declared proof type; informative.';
COMMENT ON COLUMN kobatela.proofs.storage_url IS
    'Where the evidence file is stored.';
COMMENT ON COLUMN kobatela.proofs.sha256 IS
    'Digest of the file, up to 128 characters (a hex SHA-256 is stored lower-case); a file proves one milestone only.';
COMMENT ON COLUMN kobatela.proofs.metadata IS
    'Client metadata (exif_timestamp, gps_lat, gps_lng, source) plus review_reason / review_reasons.';

-- ---------------------------------------------------------------------------------------------
-- allowed_payees
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.allowed_payees (
    id             bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id      bigint        NOT NULL REFERENCES kobatela.escrow_agreements (id),
    payee_ref      kobatela.nonblank_text_120 NOT NULL,
    label          kobatela.nonblank_text_200 NOT NULL,
    daily_limit    kobatela.nonnegative_money,
    total_limit    kobatela.nonnegative_money,
    spent_today    kobatela.nonnegative_money NOT NULL DEFAULT 0,
    spent_total    kobatela.nonnegative_money NOT NULL DEFAULT 0,
    last_reset_at  date,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),

    -- (its other rules are its columns' domains: types.sql; every spend updates this row)
    CONSTRAINT allowed_payees_escrow_id_payee_ref_key UNIQUE (escrow_id, payee_ref)
);

CREATE INDEX allowed_payees_escrow_id_id_idx ON kobatela.allowed_payees (escrow_id, id);  -- list_payees

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.allowed_payees
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.allowed_payees IS
    'Payees an escrow may pay by spend(), with optional daily and total limits.';
COMMENT ON COLUMN kobatela.allowed_payees.payee_ref IS
    'Caller''s reference of the payee, unique per escrow.';
COMMENT ON COLUMN kobatela.allowed_payees.daily_limit IS
    'Maximum spent per UTC day; NULL = unlimited.';
COMMENT ON COLUMN kobatela.allowed_payees.total_limit IS
    'Maximum spent in all; NULL = unlimited.';
COMMENT ON COLUMN kobatela.allowed_payees.spent_today IS
    'Spent on the UTC day last_reset_at; reset when a spend comes on a later day.';
COMMENT ON COLUMN kobatela.allowed_payees.spent_total IS
    'Spent in all.';
COMMENT ON COLUMN kobatela.allowed_payees.last_reset_at IS
    'UTC date spent_today counts for; NULL = never spent.';

-- ---------------------------------------------------------------------------------------------
-- payments
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.payments (
    id               bigint                  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escrow_id        bigint                  NOT NULL REFERENCES kobatela.escrow_agreements (id),
    milestone_id     bigint                  REFERENCES kobatela.milestones (id),
    payee_id         bigint                  REFERENCES kobatela.allowed_payees (id),
    amount           kobatela.positive_money NOT NULL,
    psp_ref          kobatela.nonblank_text_128,
    status           kobatela.payment_status NOT NULL DEFAULT 'PENDING',
    idempotency_key  kobatela.nonblank_text_128,
    created_at       timestamptz             NOT NULL DEFAULT now(),
    updated_at       timestamptz             NOT NULL DEFAULT now(),
    -- (added in 0.4.0: a column an upgrade adds comes last, so a fresh install puts it last too)
    idempotency_owner bigint,
    payout_key       kobatela.nonblank_text_128,
    -- (0.6.0)
    kind             kobatela.payment_kind   NOT NULL,
    retry_of         bigint                  REFERENCES kobatela.payments (id),
    -- (0.8.0) as users.metadata (tables_identity.sql): a spend's from its call; Kobatela's own
    -- payouts (milestones, releases, refunds) have {}; a retry has its failed payment's
    metadata         jsonb                   NOT NULL DEFAULT '{}',

    -- The kind names what is paid: a milestone's payment has its milestone, a spend its payee, a
    -- release or a refund neither; so never both (0.5.0's payments_target_check, which this one
    -- replaces: one CHECK fewer to prepare for every payout). The single-column rules are the
    -- columns' domains (types.sql).
    CONSTRAINT payments_kind_check
        CHECK ((kind = 'MILESTONE') = (milestone_id IS NOT NULL) AND (kind = 'PAYEE') = (payee_id IS NOT NULL)),
    CONSTRAINT payments_psp_ref_key         UNIQUE (psp_ref),
    -- Keys Kobatela makes for its own payouts: a namespace of their own, which no caller reaches.
    CONSTRAINT payments_payout_key_key      UNIQUE (payout_key)
);

-- A caller's key (spend): unique per owner, as transactions explains.
CREATE UNIQUE INDEX payments_idempotency_key_idempotency_owner_key
    ON kobatela.payments (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;

-- A failed payment is retried once (retry_payment); the retry is the one that may be retried next.
-- Partial: first payments (nearly all) write no entry.
CREATE UNIQUE INDEX payments_retry_of_key  ON kobatela.payments (retry_of) WHERE retry_of IS NOT NULL;
-- An escrow's payments, newest first (list_payments). Without status: a status change (every
-- webhook) then updates no index key, so it may be a heap-only update.
CREATE INDEX payments_escrow_id_id_idx     ON kobatela.payments (escrow_id, id);
-- BRIN, as on audit_log.at (tables_identity.sql): payments are appended in created_at order, so a
-- summary per 128 pages answers time ranges without a B-tree entry per payment.
CREATE INDEX payments_created_at_idx       ON kobatela.payments USING brin (created_at) WITH (autosummarize = on);
-- A payment has a milestone or a payee: partial indexes, so that each payout writes only the one it
-- uses (WHERE x = $1 implies x IS NOT NULL, so lookups use them).
CREATE INDEX payments_milestone_id_idx     ON kobatela.payments (milestone_id) WHERE milestone_id IS NOT NULL;
CREATE INDEX payments_payee_id_idx         ON kobatela.payments (payee_id) WHERE payee_id IS NOT NULL;

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.payments
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.payments IS
    'Money leaving an escrow: a milestone''s payout, an allowed-payee spend, a release or a refund.';
COMMENT ON COLUMN kobatela.payments.milestone_id IS
    'The milestone paid (kind MILESTONE); NULL otherwise.';
COMMENT ON COLUMN kobatela.payments.payee_id IS
    'The allowed payee paid by spend() (kind PAYEE); NULL otherwise.';
COMMENT ON COLUMN kobatela.payments.psp_ref IS
    'Reference at the payment provider: PSP-<UUIDv7>, a millisecond timestamp then 74 random bits (time-ordered); webhooks match payments by it.';
COMMENT ON COLUMN kobatela.payments.status IS
    'SENT and SETTLED payments count against the escrow balance; an ERROR one''s amount is to be repaid.';
COMMENT ON COLUMN kobatela.payments.idempotency_key IS
    'The caller''s key of a spend, unique per idempotency_owner; NULL for Kobatela''s own payouts.';
COMMENT ON COLUMN kobatela.payments.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.payments.kind IS
    'What the payment pays: MILESTONE and RELEASE to the provider, PAYEE to an allowed payee, REFUND to the client.';
COMMENT ON COLUMN kobatela.payments.retry_of IS
    'The failed (ERROR) payment this one pays again (retry_payment); NULL for a first payment.';
COMMENT ON COLUMN kobatela.payments.payout_key IS
    'Key Kobatela made for a milestone payout (pay|escrow:<id>|ms:<id>|amt:<amount>, escrow:<id>:milestone:<id>:amount:<amount>, payment:<id>), unique; never a caller''s.';
COMMENT ON COLUMN kobatela.payments.metadata IS
    'The application''s own references (issue 16): a spend''s from its call, {} for Kobatela''s own payouts (milestones, releases, refunds), a retry''s copied from the payment it retries. Bounds in src/core/metadata.hpp (INVALID_METADATA).';

-- ---------------------------------------------------------------------------------------------
-- psp_webhook_events
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.psp_webhook_events (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      kobatela.nonblank_text_100 NOT NULL,
    psp_ref       text,
    kind          kobatela.nonblank_text_50 NOT NULL,
    raw           jsonb       NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    -- (its other rules are its columns' domains: types.sql)
    CONSTRAINT psp_webhook_events_event_id_key   UNIQUE (event_id)
);

CREATE INDEX psp_webhook_events_received_at_idx ON kobatela.psp_webhook_events (received_at);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.psp_webhook_events
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.psp_webhook_events IS
    'Verified PSP webhook deliveries, one row per event_id (replays change nothing).';
COMMENT ON COLUMN kobatela.psp_webhook_events.event_id IS
    'X-PSP-Event-Id header, else body id / event_id, else SHA-1 hex of the body.';
COMMENT ON COLUMN kobatela.psp_webhook_events.psp_ref IS
    'Payment reference as the PSP sent it (no length limit: recorded even when it matches no payment).';
COMMENT ON COLUMN kobatela.psp_webhook_events.kind IS
    'Body type, else event, else unknown (e.g. payment.settled, payment.failed).';
COMMENT ON COLUMN kobatela.psp_webhook_events.raw IS
    'The request body as received (a JSON object).';
COMMENT ON COLUMN kobatela.psp_webhook_events.processed_at IS
    'When the event was handled; returned again on a replay.';

-- ---------------------------------------------------------------------------------------------
-- payout_transmissions (0.8.0): the hand-off of SENT payments to the PSP (docs/payouts.md)
-- ---------------------------------------------------------------------------------------------
-- One row per payment that became SENT since 0.8.0, inserted in the same transaction; a narrow
-- queue that churns (claims, leases, reports) without rewriting the payments' wider rows.
CREATE TABLE kobatela.payout_transmissions (
    id                bigint                      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One hand-off per payment. (Deferred: a payment's DELETE meets the books' guard,
    -- BOOKS_WRITE_REFUSED, before this check.)
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

    -- A payment's hand-off, found by its payment (the reports, the webhooks, queue_payout). No
    -- CHECK: the row is written with every payout, by Kobatela's functions alone, and
    -- core/payout_transmission bounds what they write.
    CONSTRAINT payout_transmissions_payment_id_key UNIQUE (payment_id)
);

-- claim_payouts: the due payouts, oldest first (state = ANY ('{QUEUED,CLAIMED}') AND
-- next_attempt_at <= now() ORDER BY next_attempt_at, payment_id). Partial: TRANSMITTED and
-- ABANDONED rows, nearly all of them, leave the index.
CREATE INDEX payout_transmissions_due_idx ON kobatela.payout_transmissions (next_attempt_at, payment_id)
    WHERE state IN ('QUEUED', 'CLAIMED');

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.payout_transmissions
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

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
-- tables_spend.sql — spend catalogue, usage mandates, allowed usages, purchases and their refunds.
-- Conventions (ids, timestamps, money, CHECK and index names): see the head of tables_identity.sql.
-- Order follows the foreign keys: categories, merchants, mandates, usages, purchases, refunds. (Allowed payees
-- belong to escrows and live in tables_escrow.sql, before the payments that reference them.)

-- ---------------------------------------------------------------------------------------------
-- spend_categories
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.spend_categories (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL,
    label       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT spend_categories_code_check  CHECK (btrim(code) <> '' AND char_length(code) <= 64),
    CONSTRAINT spend_categories_label_check CHECK (btrim(label) <> '' AND char_length(label) <= 255),
    CONSTRAINT spend_categories_code_key    UNIQUE (code)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.spend_categories
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.spend_categories IS
    'Spending categories (e.g. FOOD, PHARMACY) that mandates and usage rules refer to.';
COMMENT ON COLUMN kobatela.spend_categories.code IS
    'Stable code, unique (case-sensitive).';

-- ---------------------------------------------------------------------------------------------
-- merchants
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.merchants (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL,
    category_id   bigint      REFERENCES kobatela.spend_categories (id),
    is_certified  boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT merchants_name_check CHECK (btrim(name) <> '' AND char_length(name) <= 255),
    CONSTRAINT merchants_name_key   UNIQUE (name)
);

CREATE INDEX merchants_category_id_idx ON kobatela.merchants (category_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.merchants
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.merchants IS
    'Merchants where mandate beneficiaries can make purchases.';
COMMENT ON COLUMN kobatela.merchants.category_id IS
    'Default category of a purchase at this merchant.';
COMMENT ON COLUMN kobatela.merchants.is_certified IS
    'A certified merchant accepts purchases without an allowed-usage rule.';

-- ---------------------------------------------------------------------------------------------
-- usage_mandates
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.usage_mandates (
    id                   bigint                  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender_id            bigint                  NOT NULL REFERENCES kobatela.users (id),
    beneficiary_id       bigint                  NOT NULL REFERENCES kobatela.users (id),
    total_amount         kobatela.positive_money NOT NULL,
    currency             kobatela.currency_code  NOT NULL DEFAULT 'USD',
    allowed_category_id  bigint                  REFERENCES kobatela.spend_categories (id),
    allowed_merchant_id  bigint                  REFERENCES kobatela.merchants (id),
    expires_at           timestamptz             NOT NULL,
    status               kobatela.mandate_status NOT NULL DEFAULT 'ACTIVE',
    total_spent          kobatela.nonnegative_money NOT NULL DEFAULT 0,
    created_at           timestamptz             NOT NULL DEFAULT now(),
    updated_at           timestamptz             NOT NULL DEFAULT now(),

    -- Backstop of the atomic consume UPDATE: a mandate can never be overspent. (The single-column
    -- rules are the columns' domains: types.sql; every purchase updates this row.)
    CONSTRAINT usage_mandates_total_spent_check  CHECK (total_spent <= total_amount)
);

-- At most one ACTIVE mandate per (sender, beneficiary, currency): ACTIVE_MANDATE_EXISTS.
CREATE UNIQUE INDEX usage_mandates_active_key
    ON kobatela.usage_mandates (sender_id, beneficiary_id, currency)
    WHERE status = 'ACTIVE';
-- Purchase lookup of the covering mandate (also the sender_id foreign-key index).
CREATE INDEX usage_mandates_lookup_idx
    ON kobatela.usage_mandates (sender_id, beneficiary_id, currency, status, expires_at);
-- expire_mandates(): status = 'ACTIVE' AND expires_at <= now().
CREATE INDEX usage_mandates_status_expires_at_idx ON kobatela.usage_mandates (status, expires_at);
-- A party's mandates, newest first (list_mandates).
CREATE INDEX usage_mandates_sender_id_id_idx        ON kobatela.usage_mandates (sender_id, id);
CREATE INDEX usage_mandates_beneficiary_id_id_idx   ON kobatela.usage_mandates (beneficiary_id, id);
CREATE INDEX usage_mandates_allowed_category_id_idx ON kobatela.usage_mandates (allowed_category_id);
CREATE INDEX usage_mandates_allowed_merchant_id_idx ON kobatela.usage_mandates (allowed_merchant_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.usage_mandates
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.usage_mandates IS
    'Spending mandates: a sender funds purchases by a beneficiary, up to an amount, until a date.';
COMMENT ON COLUMN kobatela.usage_mandates.sender_id IS
    'Who grants (and funds) the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.beneficiary_id IS
    'Who may spend under the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.total_amount IS
    'Ceiling of all purchases under the mandate.';
COMMENT ON COLUMN kobatela.usage_mandates.allowed_category_id IS
    'When set, purchases must be in this category.';
COMMENT ON COLUMN kobatela.usage_mandates.allowed_merchant_id IS
    'When set, purchases must be at this merchant.';
COMMENT ON COLUMN kobatela.usage_mandates.expires_at IS
    'ACTIVE mandates past this instant are set EXPIRED by expire_mandates().';
COMMENT ON COLUMN kobatela.usage_mandates.status IS
    'ACTIVE until expired, or CONSUMED when total_spent reaches total_amount (ACTIVE again when a refund gives money back, unless it expired or another mandate of the pair is ACTIVE).';
COMMENT ON COLUMN kobatela.usage_mandates.total_spent IS
    'Sum of the purchases made under the mandate, less their refunds.';

-- ---------------------------------------------------------------------------------------------
-- allowed_usages
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.allowed_usages (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id     bigint      NOT NULL REFERENCES kobatela.users (id),
    merchant_id  bigint      REFERENCES kobatela.merchants (id),
    category_id  bigint      REFERENCES kobatela.spend_categories (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    sender_id    bigint      REFERENCES kobatela.users (id),

    -- Exactly one target: a merchant or a category (INVALID_USAGE_RULE).
    CONSTRAINT allowed_usages_target_check CHECK (num_nonnulls(merchant_id, category_id) = 1)
);

-- One rule per (beneficiary, whose money, target); NULLS NOT DISTINCT makes the platform's rules
-- (sender_id NULL) one set too. Partial: each index holds the rules whose target it names.
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_merchant_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, merchant_id) NULLS NOT DISTINCT WHERE merchant_id IS NOT NULL;
CREATE UNIQUE INDEX allowed_usages_owner_id_sender_id_category_id_key
    ON kobatela.allowed_usages (owner_id, sender_id, category_id) NULLS NOT DISTINCT WHERE category_id IS NOT NULL;
CREATE INDEX allowed_usages_merchant_id_idx ON kobatela.allowed_usages (merchant_id);
CREATE INDEX allowed_usages_category_id_idx ON kobatela.allowed_usages (category_id);
CREATE INDEX allowed_usages_sender_id_idx   ON kobatela.allowed_usages (sender_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.allowed_usages
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.allowed_usages IS
    'Where a beneficiary may spend: one merchant or one category per row.';
COMMENT ON COLUMN kobatela.allowed_usages.owner_id IS
    'The beneficiary the rule allows.';
COMMENT ON COLUMN kobatela.allowed_usages.sender_id IS
    'Whose money the rule lets out: purchases under this sender''s mandates only; NULL: a platform rule, for every sender''s mandates.';

-- ---------------------------------------------------------------------------------------------
-- purchases
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.purchases (
    id               bigint                   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    beneficiary_id   bigint                   NOT NULL REFERENCES kobatela.users (id),
    merchant_id      bigint                   NOT NULL REFERENCES kobatela.merchants (id),
    category_id      bigint                   REFERENCES kobatela.spend_categories (id),
    amount           kobatela.positive_money  NOT NULL,
    currency         kobatela.currency_code   NOT NULL DEFAULT 'USD',
    status           kobatela.purchase_status NOT NULL DEFAULT 'COMPLETED',
    idempotency_key  kobatela.nonblank_text_64,
    mandate_id       bigint                   REFERENCES kobatela.usage_mandates (id),
    created_at       timestamptz              NOT NULL DEFAULT now(),
    updated_at       timestamptz              NOT NULL DEFAULT now(),
    idempotency_owner bigint
    -- (its rules are its columns' domains: types.sql)
);

-- Unique per owner, as transactions (tables_identity.sql) explains.
CREATE UNIQUE INDEX purchases_idempotency_key_idempotency_owner_key
    ON kobatela.purchases (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;

CREATE INDEX purchases_mandate_id_id_idx  ON kobatela.purchases (mandate_id, id);  -- also list_purchases
CREATE INDEX purchases_created_at_idx  ON kobatela.purchases USING brin (created_at) WITH (autosummarize = on);  -- as payments'
CREATE INDEX purchases_beneficiary_id_id_idx ON kobatela.purchases (beneficiary_id, id);
CREATE INDEX purchases_merchant_id_idx ON kobatela.purchases (merchant_id);
CREATE INDEX purchases_category_id_idx ON kobatela.purchases (category_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.purchases
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.purchases IS
    'Purchases by mandate beneficiaries at merchants, each consuming a mandate.';
COMMENT ON COLUMN kobatela.purchases.beneficiary_id IS
    'The beneficiary who bought (the money is the sender''s of mandate_id). Named sender_id before 0.5.0.';
COMMENT ON COLUMN kobatela.purchases.category_id IS
    'Category of the purchase: the one given, else the merchant''s.';
COMMENT ON COLUMN kobatela.purchases.idempotency_key IS
    'Client key, unique per idempotency_owner; a replay returns the stored purchase.';
COMMENT ON COLUMN kobatela.purchases.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.purchases.mandate_id IS
    'Mandate the purchase consumed.';

-- ---------------------------------------------------------------------------------------------
-- purchase_refunds (0.6.0, issue 14 part 2)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE kobatela.purchase_refunds (
    id                bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purchase_id       bigint        NOT NULL REFERENCES kobatela.purchases (id),
    mandate_id        bigint        NOT NULL REFERENCES kobatela.usage_mandates (id),
    amount            numeric(18,2) NOT NULL,
    currency          text          NOT NULL,
    reason            text          NOT NULL,
    idempotency_key   text,
    idempotency_owner bigint,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now(),

    CONSTRAINT purchase_refunds_amount_check   CHECK (amount > 0),
    CONSTRAINT purchase_refunds_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT purchase_refunds_reason_check   CHECK (btrim(reason) <> '' AND char_length(reason) <= 1000),
    CONSTRAINT purchase_refunds_idempotency_key_check
        CHECK (btrim(idempotency_key) <> '' AND char_length(idempotency_key) <= 64)
);

-- Unique per owner, as transactions (tables_identity.sql) explains.
CREATE UNIQUE INDEX purchase_refunds_idempotency_key_idempotency_owner_key
    ON kobatela.purchase_refunds (idempotency_key, idempotency_owner) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX purchase_refunds_purchase_id_idx ON kobatela.purchase_refunds (purchase_id);
CREATE INDEX purchase_refunds_mandate_id_idx  ON kobatela.purchase_refunds (mandate_id);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.purchase_refunds
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();

COMMENT ON TABLE kobatela.purchase_refunds IS
    'Refunds of purchases by the merchant''s side (refund_purchase), each giving its amount back to the purchase''s mandate; a purchase''s refunds never exceed it.';
COMMENT ON COLUMN kobatela.purchase_refunds.mandate_id IS
    'The purchase''s mandate, whose total_spent the refund lowered.';
COMMENT ON COLUMN kobatela.purchase_refunds.currency IS
    'The purchase''s currency.';
COMMENT ON COLUMN kobatela.purchase_refunds.reason IS
    'Why the merchant refunded, as given (1 to 1000 characters).';
COMMENT ON COLUMN kobatela.purchase_refunds.idempotency_key IS
    'Client key, unique per idempotency_owner; a replay returns the stored refund.';
COMMENT ON COLUMN kobatela.purchase_refunds.idempotency_owner IS
    'The caller whose key it is: the user its API key (or JWT) is bound to; NULL for the platform (unbound keys and roles). Keys are unique per owner.';
COMMENT ON COLUMN kobatela.purchase_refunds.created_at IS
    'When the refund was decided, under its mandate''s lock.';
-- tables_currencies.sql — the accepted currencies (issue 14; docs/reference.md, "Currencies").
-- Conventions (ids, timestamps, CHECK and index names): see the head of tables_identity.sql.
--
-- The table holds the admins' choices only: USD and EUR are accepted without a row (Kobatela's
-- built-in default, core/currencies.hpp), so CREATE EXTENSION writes no row. A row enables or
-- disables its code whatever the default says. Written by enable_currency / disable_currency.
CREATE FUNCTION kobatela.currencies_changed() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_currencies_changed';
COMMENT ON FUNCTION kobatela.currencies_changed() IS
    'AFTER statement trigger on currencies: invalidates every backend''s cache of the accepted currencies.';

CREATE TABLE kobatela.currencies (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text        NOT NULL,
    minor_units  smallint    NOT NULL,
    enabled      boolean     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT currencies_code_check        CHECK (code ~ '^[A-Z]{3}$'),
    CONSTRAINT currencies_minor_units_check CHECK (minor_units BETWEEN 0 AND 2),
    CONSTRAINT currencies_code_key          UNIQUE (code)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON kobatela.currencies
    FOR EACH ROW EXECUTE FUNCTION kobatela.touch_updated_at();
CREATE TRIGGER currencies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kobatela.currencies
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.currencies_changed();

COMMENT ON TABLE kobatela.currencies IS
    'Admins'' choices of accepted ISO 4217 currencies; USD and EUR are accepted without a row. Written by enable_currency and disable_currency.';
COMMENT ON COLUMN kobatela.currencies.minor_units IS
    'Decimals of the currency, from ICU''s CLDR data when it was enabled (0 refuses fractional amounts).';
COMMENT ON COLUMN kobatela.currencies.enabled IS
    'true: accepted for new transactions, escrows, mandates and purchases; false: refused (INVALID_CURRENCY).';
-- tables_events.sql — the event feed (0.8.0, issue 16; docs/events.md).
-- Conventions (ids, timestamps, CHECK and index names): see the head of tables_identity.sql.

-- ---------------------------------------------------------------------------------------------
-- events
-- ---------------------------------------------------------------------------------------------
-- One row per business event (escrow.funded, payment.settled, ...), written by the row trigger
-- kobatela.event_row() on the business tables (sql/functions_events.sql) in the transaction that
-- made the change, never otherwise; read in commit order by kobatela.events_since(). Its text
-- columns are domains (types.sql): every payout and spend writes a row here.
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
-- dump_config.sql — mark every table as user data, so that pg_dump dumps its rows.
--
-- pg_dump leaves out the rows of an extension's tables (CREATE EXTENSION recreates them empty)
-- unless they are registered here. Each table's identity sequence is registered too: otherwise a
-- restored database starts its ids again at 1 and the next insert collides with a restored row.
-- (Identity sequences created by the install script are members of the extension, which
-- pg_extension_config_dump requires; pg_dump then emits setval() for them.)
-- A table added to the data model must be added to this list; the check after the loop fails the
-- install when a table of the schema is missing from it.
-- One call per statement (a loop, not one SELECT over the list): pg_extension_config_dump updates
-- the pg_extension row, and two updates of it in one statement fail ("tuple already updated by self").

DO $$
DECLARE
    tbl       text;
    forgotten text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY[
        -- tables_identity.sql
        'kobatela.users',
        'kobatela.api_keys',
        'kobatela.audit_log',
        'kobatela.alerts',
        'kobatela.transactions',
        'kobatela.allowed_recipients',
        'kobatela.certified_accounts',
        -- tables_escrow.sql
        'kobatela.escrow_agreements',
        'kobatela.escrow_deposits',
        'kobatela.escrow_events',
        'kobatela.milestones',
        'kobatela.proofs',
        'kobatela.payments',
        'kobatela.psp_webhook_events',
        'kobatela.payout_transmissions',
        -- tables_spend.sql
        'kobatela.spend_categories',
        'kobatela.merchants',
        'kobatela.usage_mandates',
        'kobatela.allowed_payees',
        'kobatela.allowed_usages',
        'kobatela.purchases',
        'kobatela.purchase_refunds',
        -- tables_currencies.sql
        'kobatela.currencies',
        -- tables_events.sql
        'kobatela.events'
    ]
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(tbl::regclass, '');
        PERFORM pg_catalog.pg_extension_config_dump(
                    pg_catalog.pg_get_serial_sequence(tbl, 'id')::regclass, '');
    END LOOP;

    SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ')
      INTO forgotten
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'kobatela'::regnamespace
       AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE c.oid = ANY (e.extconfig));
    IF forgotten IS NOT NULL THEN
        RAISE EXCEPTION 'tables not registered for pg_dump in dump_config.sql: %', forgotten;
    END IF;
END
$$;
-- Users, allowlist, certification, restricted transactions and alerts (src/api/users.cpp,
-- src/api/transactions.cpp, src/api/alerts.cpp). None is STRICT: a NULL argument is an
-- INVALID_ARGUMENT error, never a silent NULL.

CREATE FUNCTION kobatela.create_user(username text, email text, is_active boolean DEFAULT true,
                                     metadata jsonb DEFAULT NULL)
    RETURNS kobatela.users
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_user';
COMMENT ON FUNCTION kobatela.create_user(text, text, boolean, jsonb) IS
    'Creates a user, with the application''s metadata ({} when NULL); USER_EXISTS when the username or e-mail is taken (case-insensitively).';

CREATE FUNCTION kobatela.get_user(id bigint)
    RETURNS kobatela.users
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_user';
COMMENT ON FUNCTION kobatela.get_user(bigint) IS 'The user with this id; USER_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.add_to_allowlist(owner_id bigint, recipient_id bigint)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_to_allowlist';
COMMENT ON FUNCTION kobatela.add_to_allowlist(bigint, bigint) IS
    'Lets owner_id send transfers to recipient_id: ''added'', or ''exists'' when already allowed.';

CREATE FUNCTION kobatela.add_certification(user_id bigint, level text)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_certification';
COMMENT ON FUNCTION kobatela.add_certification(bigint, text) IS
    'Certifies a user at BASIC or GOLD (case-insensitive): ''certified'' or ''updated''.';

CREATE FUNCTION kobatela.create_transaction(sender_id bigint, receiver_id bigint, amount numeric,
                                            currency text DEFAULT 'USD', idempotency_key text DEFAULT NULL,
                                            metadata jsonb DEFAULT NULL)
    RETURNS kobatela.transactions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_transaction';
COMMENT ON FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb) IS
    'A transfer to an allowlisted or certified receiver (COMPLETED), else recorded as REJECTED with an alert. Idempotent per sender and key; carries the application''s metadata.';

CREATE FUNCTION kobatela.get_transaction(id bigint)
    RETURNS kobatela.transactions
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_transaction';
COMMENT ON FUNCTION kobatela.get_transaction(bigint) IS 'The transaction with this id; TRANSACTION_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.list_alerts(type text DEFAULT NULL)
    RETURNS SETOF kobatela.alerts
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_alerts';
COMMENT ON FUNCTION kobatela.list_alerts(text) IS 'Alerts, newest first, optionally of one type.';
-- Pure helpers and operations (src/api/geo.cpp, crypto.cpp, health.cpp, maintenance.cpp,
-- error_catalogue.cpp).

CREATE FUNCTION kobatela.geo_distance_m(lat1 float8, lng1 float8, lat2 float8, lng2 float8)
    RETURNS float8
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_geo_distance_m';
COMMENT ON FUNCTION kobatela.geo_distance_m(float8, float8, float8, float8) IS
    'Great-circle distance in metres (haversine on a 6 371 000 m sphere).';

CREATE FUNCTION kobatela.within_geofence(lat float8, lng float8, center_lat float8, center_lng float8,
                                         radius_m float8, tolerance_m float8 DEFAULT 0)
    RETURNS boolean
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_within_geofence';
COMMENT ON FUNCTION kobatela.within_geofence(float8, float8, float8, float8, float8, float8) IS
    'True when the point is at most radius_m + tolerance_m metres from the centre.';

CREATE FUNCTION kobatela.verify_hmac_sha256(secret bytea, message bytea, signature_hex text)
    RETURNS boolean
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_verify_hmac_sha256';
COMMENT ON FUNCTION kobatela.verify_hmac_sha256(bytea, bytea, text) IS
    'Constant-time check of a hex HMAC-SHA256 signature.';

CREATE FUNCTION kobatela.health()
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_health';
COMMENT ON FUNCTION kobatela.health() IS
    'Version, database, pg_cron jobs and whether the PSP secret is configured (never the secret).';

CREATE FUNCTION kobatela.schedule_maintenance(schedule text DEFAULT '*/5 * * * *')
    RETURNS SETOF bigint
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_schedule_maintenance';
COMMENT ON FUNCTION kobatela.schedule_maintenance(text) IS
    'Admin: registers (or re-schedules) the mandate-expiry and escrow-deadline jobs with pg_cron, once per database; the job ids.';

CREATE FUNCTION kobatela.unschedule_maintenance()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_unschedule_maintenance';
COMMENT ON FUNCTION kobatela.unschedule_maintenance() IS
    'Admin: removes this database''s Kobatela jobs from pg_cron; how many.';

CREATE FUNCTION kobatela.error_catalogue(OUT code text, OUT sqlstate text, OUT http_status integer, OUT detail text)
    RETURNS SETOF record
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'kobatela_error_catalogue';
COMMENT ON FUNCTION kobatela.error_catalogue() IS
    'Every error code Kobatela raises: MESSAGE code, SQLSTATE, HTTP status under PostgREST, default DETAIL.';
-- API keys and identity (src/api/auth.cpp, api_keys.cpp, identity.cpp). See docs/security.md.

-- What get_api_key returns: a key without its hash.
CREATE TYPE kobatela.api_key_info AS (
    id           bigint,
    name         text,
    prefix       text,
    scope        kobatela.api_scope,
    user_id      bigint,
    is_active    boolean,
    expires_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz,
    updated_at   timestamptz
);
COMMENT ON TYPE kobatela.api_key_info IS 'An API key as get_api_key shows it: everything but the hash.';

CREATE FUNCTION kobatela.create_api_key(name text, scope kobatela.api_scope, user_id bigint DEFAULT NULL,
                                        expires_at timestamptz DEFAULT NULL,
                                        OUT id bigint, OUT prefix text, OUT api_key text)
    RETURNS record
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_api_key';
COMMENT ON FUNCTION kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz) IS
    'Admin: a new API key; the plaintext api_key is returned this once, only its peppered hash is stored.';

CREATE FUNCTION kobatela.get_api_key(id bigint)
    RETURNS kobatela.api_key_info
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_api_key';
COMMENT ON FUNCTION kobatela.get_api_key(bigint) IS 'Admin: an API key without its hash; APIKEY_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.revoke_api_key(id bigint)
    RETURNS void
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_revoke_api_key';
COMMENT ON FUNCTION kobatela.revoke_api_key(bigint) IS 'Admin: every later use of the key fails.';

CREATE FUNCTION kobatela.authenticate(api_key text)
    RETURNS kobatela.api_scope
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_authenticate';
COMMENT ON FUNCTION kobatela.authenticate(text) IS
    'Verifies an API key and makes it the identity of the current transaction; UNAUTHORIZED otherwise.';

CREATE FUNCTION kobatela.pre_request()
    RETURNS void
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_pre_request';
COMMENT ON FUNCTION kobatela.pre_request() IS
    'PostgREST db-pre-request: authenticates the X-API-Key (or Authorization: Bearer koba_...) header.';

-- The identity functions are read by RLS policies once per statement: STABLE, and cheap (no SQL).
CREATE FUNCTION kobatela.current_scope()
    RETURNS kobatela.api_scope
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_scope';
COMMENT ON FUNCTION kobatela.current_scope() IS
    'The caller''s scope: the authenticated key''s, else the role''s membership in kobatela_admin/sender/support; NULL without any.';

CREATE FUNCTION kobatela.current_user_id()
    RETURNS bigint
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_user_id';
COMMENT ON FUNCTION kobatela.current_user_id() IS
    'The user the authenticated key, or a PostgREST JWT''s kobatela_user_id claim, binds the caller to (it acts only where that user is a party); NULL when unbound.';

CREATE FUNCTION kobatela.current_actor()
    RETURNS text
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_actor';
COMMENT ON FUNCTION kobatela.current_actor() IS 'What the audit log records as actor: apikey:<id>, role:<name>, or role:<name>/user:<id> when a JWT claim binds the role.';
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
-- Conditional spending: the merchant catalogue, usage mandates, purchases and their refunds
-- (src/api/catalogue.cpp, src/api/mandates.cpp, src/api/purchases.cpp), and spends from an escrow to allowed payees
-- (src/api/allowed_payees.cpp, spend.cpp). All run as the extension owner with a pinned search_path: they check the
-- caller's scope and party themselves (docs/security.md).

CREATE FUNCTION kobatela.create_spend_category(code text, label text)
    RETURNS kobatela.spend_categories
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_spend_category';
COMMENT ON FUNCTION kobatela.create_spend_category(text, text) IS
    'A spending category (e.g. GROCERIES); CATEGORY_EXISTS when the code is taken.';

CREATE FUNCTION kobatela.create_merchant(name text, category_id bigint DEFAULT NULL, is_certified boolean DEFAULT false)
    RETURNS kobatela.merchants
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_merchant';
COMMENT ON FUNCTION kobatela.create_merchant(text, bigint, boolean) IS
    'A merchant with its default purchase category; a certified one needs no allowed-usage rule.';

CREATE FUNCTION kobatela.allow_usage(owner_id bigint, merchant_id bigint DEFAULT NULL, category_id bigint DEFAULT NULL,
                                     sender_id bigint DEFAULT NULL)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_allow_usage';
COMMENT ON FUNCTION kobatela.allow_usage(bigint, bigint, bigint, bigint) IS
    'Lets a beneficiary spend at one merchant or in one category, with sender_id''s mandates (a key bound to a user: its own) or, NULL, every sender''s: ''added'', or ''exists''.';

CREATE FUNCTION kobatela.create_mandate(sender_id bigint, beneficiary_id bigint, total_amount numeric,
                                        currency text DEFAULT 'USD', allowed_category_id bigint DEFAULT NULL,
                                        allowed_merchant_id bigint DEFAULT NULL, expires_at timestamptz DEFAULT NULL)
    RETURNS kobatela.usage_mandates
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_mandate';
COMMENT ON FUNCTION kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz) IS
    'An ACTIVE mandate: the beneficiary may spend up to total_amount until expires_at (default: 30 days).';

CREATE FUNCTION kobatela.expire_mandates()
    RETURNS integer
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_expire_mandates';
COMMENT ON FUNCTION kobatela.expire_mandates() IS
    'Sets EXPIRED every ACTIVE mandate past its expiry, each once; returns how many. Safe to run concurrently.';

CREATE FUNCTION kobatela.create_purchase(sender_id bigint, merchant_id bigint, amount numeric,
                                         currency text DEFAULT 'USD', category_id bigint DEFAULT NULL,
                                         beneficiary_id bigint DEFAULT NULL, idempotency_key text DEFAULT NULL)
    RETURNS kobatela.purchases
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_purchase';
COMMENT ON FUNCTION kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text) IS
    'A purchase under the sender''s mandate for the beneficiary, consuming it atomically; idempotent by key.';

CREATE FUNCTION kobatela.refund_purchase(purchase_id bigint, amount numeric, reason text,
                                         idempotency_key text DEFAULT NULL)
    RETURNS kobatela.purchase_refunds
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_refund_purchase';
COMMENT ON FUNCTION kobatela.refund_purchase(bigint, numeric, text, text) IS
    'Refunds all or part of a purchase for the merchant (scope admin) and gives the amount back to its mandate; the refunds never exceed the purchase; idempotent by key.';

CREATE FUNCTION kobatela.add_allowed_payee(escrow_id bigint, payee_ref text, label text,
                                           daily_limit numeric DEFAULT NULL, total_limit numeric DEFAULT NULL)
    RETURNS kobatela.allowed_payees
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_allowed_payee';
COMMENT ON FUNCTION kobatela.add_allowed_payee(bigint, text, text, numeric, numeric) IS
    'Lets the escrow pay payee_ref by spend(), within optional daily (UTC day) and total limits.';

CREATE FUNCTION kobatela.spend(escrow_id bigint, payee_ref text, amount numeric, note text DEFAULT NULL,
                               idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL)
    RETURNS kobatela.payments
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_spend';
COMMENT ON FUNCTION kobatela.spend(bigint, text, numeric, text, text, jsonb) IS
    'Pays an allowed payee out of the escrow (SENT) within its limits and the balance; idempotent by key; the payment carries the application''s metadata.';
-- Currencies (src/api/currencies.cpp): admins enable and disable codes; every scope lists them.

CREATE FUNCTION kobatela.enable_currency(code text)
    RETURNS kobatela.currencies
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_enable_currency';
COMMENT ON FUNCTION kobatela.enable_currency(text) IS
    'Accepts a current ISO 4217 currency from now on, with ICU''s minor units; CURRENCY_NOT_SUPPORTED when ICU does not know it or it has 3 decimals or more.';

CREATE FUNCTION kobatela.disable_currency(code text)
    RETURNS kobatela.currencies
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_disable_currency';
COMMENT ON FUNCTION kobatela.disable_currency(text) IS
    'Refuses a currency for new objects from now on (existing escrows and mandates carry on); INVALID_CURRENCY when it is not enabled.';

CREATE FUNCTION kobatela.list_currencies()
    RETURNS TABLE (code text, minor_units integer, enabled boolean, source text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_currencies';
COMMENT ON FUNCTION kobatela.list_currencies() IS
    'The accepted and the disabled currencies with their minor units, by code; source default (built in) or admin (a row).';
-- Lists (src/api/lists.cpp; docs/reference.md, "Lists"): one page of what the caller may see, newest
-- first, as {"object": "list", "data": [row, ...], "has_more": bool, "next_cursor": text or null}.
-- Every argument is optional; "limit" (NULL: 100, at most 1000) and cursor (the previous page's
-- next_cursor) come last. Read-only (STABLE): PostgREST calls them with GET or POST.

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
-- functions_events.sql — the event feed (src/audit/event_trigger.cpp, src/api/events.cpp;
-- docs/events.md): the row trigger that writes events, where it fires, and events_since().

-- The rows events_since() returns: the feed's view of an event, with the cursor that follows it.
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
-- ledger.sql — the books (issue 14; docs/reference.md, "The books"): the view kobatela.ledger, one
-- row per posting of every movement of money Kobatela records, and check_invariants(), which says
-- whether the counters, the tables and the ledger agree (src/api/invariants.cpp).
--
-- A posting moves `amount` from credit_account to debit_account; an account's balance is the sum
-- of its debits minus the sum of its credits. Accounts: external:<user_id> (money outside
-- Kobatela, a user's), escrow:<id> (what an escrow holds), repay:<escrow_id> (what a PSP failed to
-- pay and owes back), psp:in_flight (sent, not yet settled or failed), payee:<allowed_payee_id>,
-- mandate:<id> (what a mandate spent, negative), merchant:<id>. So escrow:<id> is the escrow's
-- balance, repay:<id> its to_repay_amount, mandate:<id> minus its total_spent, psp:in_flight the
-- sum of the SENT payments, and every currency sums to zero.
--
-- security_invoker: the view reads the tables with the querying role's rights and row-level
-- security, so it opens no read path of its own (a view with its owner's rights would read as the
-- extension's owner, usually a superuser who bypasses RLS). The tables' policies let an unbound
-- sender key read every row, and the ledger is everyone's money: rows are shown to the admin and
-- support scopes only (a sender key through PostgREST's kobatela_anon gets no row; the role
-- kobatela_sender may not select it at all: sql/security.sql).
-- (Amounts from columns typed kobatela.positive_money are cast to numeric(18,2), the type of every
-- branch's amount, so that the view's amount keeps it: a union of a domain and its base type has
-- the base type without its precision.)
CREATE VIEW kobatela.ledger WITH (security_invoker = true) AS
SELECT posting.*
FROM (
    -- deposit d: escrow:<e> <- external:<client>
    SELECT 'deposit:' || d.id AS posting_id, d.created_at AS at, 'DEPOSIT' AS movement,
           'escrow:' || e.id AS debit_account, 'external:' || e.client_id AS credit_account,
           d.amount::numeric(18,2), e.currency, 'escrow_deposits' AS source_table, d.id AS source_id
    FROM kobatela.escrow_deposits d JOIN kobatela.escrow_agreements e ON e.id = d.escrow_id
  UNION ALL
    -- payment p sent (every status but PENDING and 0.5.0's REFUNDED): psp:in_flight <- escrow:<e>,
    -- when the escrow's event naming it says it left
    SELECT 'payment:' || p.id || ':sent', coalesce(sent.at, p.created_at), 'PAYMENT_SENT',
           'psp:in_flight', 'escrow:' || p.escrow_id, p.amount::numeric(18,2), e.currency, 'payments', p.id
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN LATERAL (SELECT min(v.at) AS at FROM kobatela.escrow_events v
                       WHERE v.escrow_id = p.escrow_id AND v.data ->> 'payment_id' = p.id::text) sent ON true
    WHERE p.status NOT IN ('PENDING', 'REFUNDED')
  UNION ALL
    -- payment p SETTLED: <beneficiary> <- psp:in_flight (MILESTONE and RELEASE: the provider,
    -- REFUND: the client, PAYEE: the allowed payee); in ERROR without a retry: repay:<e> <-
    -- psp:in_flight; in ERROR with a retry: escrow:<e> <- psp:in_flight (the retry is paid from
    -- the balance)
    SELECT 'payment:' || p.id || CASE p.status WHEN 'SETTLED' THEN ':settled' ELSE ':failed' END, p.updated_at,
           CASE WHEN p.status = 'SETTLED' THEN 'PAYMENT_SETTLED'
                WHEN retry.id IS NULL THEN 'PAYMENT_FAILED' ELSE 'PAYMENT_RETRIED_FROM_BALANCE' END,
           CASE WHEN p.status = 'ERROR' AND retry.id IS NULL THEN 'repay:' || p.escrow_id
                WHEN p.status = 'ERROR' THEN 'escrow:' || p.escrow_id
                WHEN p.kind = 'PAYEE' THEN 'payee:' || p.payee_id
                WHEN p.kind = 'REFUND' THEN 'external:' || e.client_id
                ELSE 'external:' || e.provider_id END,
           'psp:in_flight', p.amount::numeric(18,2), e.currency, 'payments', p.id
    FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
    LEFT JOIN kobatela.payments retry ON retry.retry_of = p.id
    WHERE p.status IN ('SETTLED', 'ERROR')
  UNION ALL
    -- purchase u under a mandate: merchant:<m> <- mandate:<u.mandate_id> (a purchase refund is the
    -- opposite posting, mandate:<m> <- merchant:<m>, movement PURCHASE_REFUND)
    SELECT 'purchase:' || u.id, u.created_at, 'PURCHASE', 'merchant:' || u.merchant_id, 'mandate:' || u.mandate_id,
           u.amount::numeric(18,2), u.currency, 'purchases', u.id
    FROM kobatela.purchases u WHERE u.mandate_id IS NOT NULL
  UNION ALL
    -- purchase refund r: mandate:<m> <- merchant:<merchant>
    SELECT 'purchase_refund:' || r.id, r.created_at, 'PURCHASE_REFUND', 'mandate:' || r.mandate_id,
           'merchant:' || u.merchant_id, r.amount, r.currency, 'purchase_refunds', r.id
    FROM kobatela.purchase_refunds r JOIN kobatela.purchases u ON u.id = r.purchase_id
  UNION ALL
    -- transfer t COMPLETED: external:<receiver> <- external:<sender>
    SELECT 'transaction:' || t.id, t.created_at, 'TRANSFER', 'external:' || t.receiver_id, 'external:' || t.sender_id,
           t.amount, t.currency, 'transactions', t.id
    FROM kobatela.transactions t WHERE t.status = 'COMPLETED'
) AS posting (posting_id, at, movement, debit_account, credit_account, amount, currency, source_table, source_id)
WHERE (SELECT kobatela.current_scope()) IN ('admin', 'support');

COMMENT ON VIEW kobatela.ledger IS
    'The books: one row per posting (amount moves from credit_account to debit_account), for the admin and support scopes. docs/reference.md, "The books".';
COMMENT ON COLUMN kobatela.ledger.posting_id IS
    'Stable id of the posting: deposit:<id>, payment:<id>:sent, payment:<id>:settled, payment:<id>:failed, purchase:<id>, purchase_refund:<id>, transaction:<id>.';
COMMENT ON COLUMN kobatela.ledger.movement IS
    'DEPOSIT, PAYMENT_SENT, PAYMENT_SETTLED, PAYMENT_FAILED, PAYMENT_RETRIED_FROM_BALANCE, PURCHASE, PURCHASE_REFUND or TRANSFER.';
COMMENT ON COLUMN kobatela.ledger.debit_account IS
    'The account the money goes to: external:<user>, escrow:<id>, repay:<escrow>, psp:in_flight, payee:<id>, mandate:<id> or merchant:<id>.';
COMMENT ON COLUMN kobatela.ledger.credit_account IS
    'The account the money comes from.';

CREATE FUNCTION kobatela.check_invariants()
    RETURNS TABLE (rule text, ids bigint[], detail text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_check_invariants';
COMMENT ON FUNCTION kobatela.check_invariants() IS
    'Support and admin: one row per violated rule of the books (counters, events, minor units, ledger) with the offending ids; no row when the books hold.';
-- audit.sql — the audit trail (docs/audit.md): the generic row trigger on every table, the
-- append-only guard of audit_log, and the hash-chain checks. Runs after every table and function
-- declaration, before security.sql.

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------
-- Runs as the caller: the C++ writes the audit record as audit_log's owner itself (like
-- PostgreSQL's foreign-key triggers), so that no proconfig is applied per row.
CREATE FUNCTION kobatela.audit_row() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_audit_row';
COMMENT ON FUNCTION kobatela.audit_row() IS
    'AFTER INSERT/UPDATE/DELETE row trigger (and AFTER TRUNCATE statement trigger) on every table: captures each change for the audit record of its API call (or transaction), and refuses writes to money rows made outside Kobatela''s functions (BOOKS_WRITE_REFUSED).';

CREATE FUNCTION kobatela.audit_log_append_only() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_audit_log_append_only';
COMMENT ON FUNCTION kobatela.audit_log_append_only() IS
    'BEFORE UPDATE/DELETE/TRUNCATE trigger on audit_log: refuses with AUDIT_LOG_APPEND_ONLY.';

CREATE FUNCTION kobatela.verify_audit_chain(anchors jsonb DEFAULT NULL)
    RETURNS boolean
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_verify_audit_chain';
COMMENT ON FUNCTION kobatela.verify_audit_chain(jsonb) IS
    'True when every lane of audit_log is an unbroken hash chain from seq 1 and every anchor (from audit_chain_tips()) is still there.';

CREATE FUNCTION kobatela.audit_chain_tips()
    RETURNS TABLE (lane integer, seq bigint, hash text)
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_chain_tips';
COMMENT ON FUNCTION kobatela.audit_chain_tips() IS
    'The last row of each audit lane (lane, seq, hex hash): anchors to keep outside the database.';

-- ---------------------------------------------------------------------------------------------
-- audit_log is append-only, for everyone. A superuser who must do maintenance disables these
-- triggers explicitly (or sets session_replication_role = replica), and verify_audit_chain()
-- then shows whatever was changed.
-- ---------------------------------------------------------------------------------------------
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON kobatela.audit_log
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_log_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON kobatela.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_log_append_only();

-- Written only by the audit writer (as the table's owner); read through security.sql's grants.
REVOKE ALL ON kobatela.audit_log FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- The audit trigger on every table of the schema but audit_log, found in the catalog so that a
-- table added anywhere earlier in the script cannot be missed (test/pgtap/audit.sql checks it).
-- Partitions inherit their parent's trigger. TRUNCATE, which fires no row trigger, is audited
-- once per statement.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition AND c.relname <> 'audit_log'
             ORDER BY c.relname LOOP
        EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row()', t);
        EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION kobatela.audit_row()', t);
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The log read change by change: one row per change of every record (and one per row of 0.3.0
-- to 0.6.0, which were one change each), ordered by record and then by change. Read with the
-- view owner's rights, so that it can show a scope some changes of a record and not others: admin
-- reads every change, support every change but those about the admin-only tables (api_keys: no
-- key name, prefix, scope or binding, nor a key's use), anyone else nothing. security_barrier:
-- a caller's own conditions run only on the rows the view lets through. The admin-only list is
-- security.sql's rule 'admin' (its installation fails if the two disagree).
-- ---------------------------------------------------------------------------------------------
CREATE VIEW kobatela.audit_entries WITH (security_barrier = true) AS
SELECT e.record_id, e.at, e.actor, e.action, e.entity, e.entity_id, e.data, e.txid, e.operation, e.change_no
FROM (
    SELECT r.id AS record_id,
           r.at,
           coalesce(c.change ->> 'actor', r.actor) AS actor,
           coalesce(c.change ->> 'action', r.action) AS action,
           CASE WHEN r.changes IS NULL THEN r.entity ELSE c.change ->> 'entity' END AS entity,
           CASE WHEN r.changes IS NULL THEN r.entity_id ELSE (c.change ->> 'entity_id')::bigint END AS entity_id,
           CASE WHEN r.changes IS NULL THEN r.data ELSE c.change -> 'data' END AS data,
           r.txid,
           c.change ->> 'op' AS operation,
           c.n AS change_no
    FROM kobatela.audit_log r
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.changes::jsonb, '[{}]'::jsonb)) WITH ORDINALITY AS c (change, n)
) AS e
WHERE CASE (SELECT kobatela.current_scope())
          WHEN 'admin' THEN true
          WHEN 'support' THEN e.entity <> ALL ('{api_keys}'::text[])
          ELSE false
      END
ORDER BY e.record_id, e.change_no;

COMMENT ON VIEW kobatela.audit_entries IS
    'The audit log, one row per change (admin: all; support: all but api_keys), ordered by record_id then change_no. docs/audit.md.';
COMMENT ON COLUMN kobatela.audit_entries.record_id IS
    'The audit_log record (one business action) the change belongs to.';
COMMENT ON COLUMN kobatela.audit_entries.actor IS
    'Who made the change: apikey:<id>, role:<role>[/user:<id>], or an actor a function names (psp).';
COMMENT ON COLUMN kobatela.audit_entries.action IS
    'The business reason of the change (its record''s, unless the change names its own, e.g. API_KEY_USED).';
COMMENT ON COLUMN kobatela.audit_entries.operation IS
    'INSERT, UPDATE, DELETE, TRUNCATE or EVENT (a fact that is no row change, e.g. a key''s use); NULL for rows of 0.3.0 to 0.6.0.';
COMMENT ON COLUMN kobatela.audit_entries.change_no IS
    'Position of the change in its record: 1, 2, 3, ...';

-- The history of one entity: its changes, oldest first, found through the records' entity keys
-- (GIN) and, for the rows of 0.3.0 to 0.6.0, their (entity, entity_id) index (src/audit/
-- audit_verify.cpp). Support and admin; as the definer, so that it finds every record that touched
-- the entity, and audit_entries then shows the caller's scope only what it may see.
CREATE FUNCTION kobatela.audit_history(entity text, entity_id bigint)
    RETURNS SETOF kobatela.audit_entries
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_audit_history';
COMMENT ON FUNCTION kobatela.audit_history(text, bigint) IS
    'The changes of one row (entity = its table, entity_id = its id), oldest first, as audit_entries shows them to the caller.';
-- Roles, privileges and row-level security (docs/security.md). Runs last, when every table and
-- function exists.
--
-- Writes happen only through the API functions (running as the extension owner, search_path pinned), which
-- check the caller's scope and parties in C++. Tables are granted for reading only, and RLS
-- decides which rows each scope sees: admin and support every row, a sender every row unless its
-- key is bound to a user, then only the rows where that user is a party.

-- One NOLOGIN role per scope, plus PostgREST's anonymous role. Roles belong to the cluster, not
-- to the database: existing ones (another database's Kobatela, a reinstall) are reused.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['kobatela_admin', 'kobatela_sender', 'kobatela_support', 'kobatela_worker',
                                     'kobatela_anon'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END $$;

-- PUBLIC gets nothing.
REVOKE ALL ON SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kobatela FROM PUBLIC;
REVOKE ALL ON TYPE kobatela.api_key_info FROM PUBLIC;

GRANT USAGE ON SCHEMA kobatela TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_worker, kobatela_anon;

-- Each role may execute exactly the functions its scope needs (docs/security.md, "Privileges"):
--   * kobatela_anon is PostgREST's role for every request: the key a request authenticates may have
--     any scope, so it gets every function that checks the caller's key or signature itself (the
--     business, key-management, maintenance and audit functions, the webhook) and the identity
--     functions row-level security calls, but nothing that answers without such a check;
--   * kobatela_sender, kobatela_support and kobatela_admin get what their scope may call, plus the
--     pure helpers (geo_distance_m, within_geofence, verify_hmac_sha256);
--   * kobatela_worker (0.8.0) gets the payout hand-off (claim_payouts and its two reports) and what
--     every caller needs (the entry and identity functions), nothing else, and no table;
--   * trigger functions are nobody's: a trigger fires without EXECUTE, and without it no role can
--     attach Kobatela's triggers to a table of its own (they also refuse to run for one).
-- Every function of the schema is listed here, and the install fails when one is not;
-- test/pgtap/privileges.sql holds the same matrix, written out independently.
DO $$
DECLARE
    grant_rule record;
    listed oid[] := '{}';
    unlisted text;
BEGIN
    FOR grant_rule IN
    SELECT f.fn::regprocedure AS fn, c.roles
    FROM (VALUES
        -- who: the roles of each kind of function
        ('entry',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_worker', 'kobatela_admin']),
        ('identity', ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_worker', 'kobatela_admin']),
        ('write',    ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_admin']),
        ('read',     ARRAY['kobatela_anon', 'kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('audit',    ARRAY['kobatela_anon', 'kobatela_support', 'kobatela_admin']),
        ('admin',    ARRAY['kobatela_anon', 'kobatela_admin']),
        ('webhook',  ARRAY['kobatela_anon', 'kobatela_admin']),
        ('worker',   ARRAY['kobatela_anon', 'kobatela_worker', 'kobatela_admin']),
        ('helper',   ARRAY['kobatela_sender', 'kobatela_support', 'kobatela_admin']),
        ('trigger',  ARRAY[]::text[])
    ) AS c(kind, roles)
    JOIN (VALUES
        -- entry points and what a caller asks before authenticating
        ('kobatela.authenticate(text)', 'entry'),
        ('kobatela.pre_request()', 'entry'),
        ('kobatela.health()', 'entry'),
        ('kobatela.error_catalogue()', 'entry'),
        -- read by the row-level security policies (as the querying role)
        ('kobatela.current_scope()', 'identity'),
        ('kobatela.current_user_id()', 'identity'),
        ('kobatela.current_actor()', 'identity'),
        -- business calls that write (scope sender or admin)
        ('kobatela.create_user(text, text, boolean, jsonb)', 'write'),
        ('kobatela.add_to_allowlist(bigint, bigint)', 'write'),
        ('kobatela.add_certification(bigint, text)', 'write'),
        ('kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb)', 'write'),
        ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz)', 'write'),
        ('kobatela.create_escrow(bigint, bigint, numeric, text, jsonb, timestamptz, text, jsonb)', 'write'),
        ('kobatela.add_milestone(bigint, integer, text, numeric, text, text, float8, float8, float8)', 'write'),
        ('kobatela.escrow_deposit(bigint, numeric, text)', 'write'),
        ('kobatela.escrow_mark_delivered(bigint, text, text)', 'write'),
        ('kobatela.escrow_client_approve(bigint, text)', 'write'),
        ('kobatela.escrow_client_reject(bigint, text)', 'write'),
        ('kobatela.escrow_check_deadline(bigint)', 'write'),
        ('kobatela.submit_proof(bigint, integer, text, text, text, jsonb)', 'write'),
        ('kobatela.decide_proof(bigint, text, text)', 'write'),
        ('kobatela.execute_payment(bigint)', 'write'),
        ('kobatela.retry_payment(bigint)', 'write'),
        ('kobatela.create_spend_category(text, text)', 'write'),
        ('kobatela.create_merchant(text, bigint, boolean)', 'write'),
        ('kobatela.allow_usage(bigint, bigint, bigint, bigint)', 'write'),
        ('kobatela.create_mandate(bigint, bigint, numeric, text, bigint, bigint, timestamptz)', 'write'),
        ('kobatela.expire_mandates()', 'write'),
        ('kobatela.create_purchase(bigint, bigint, numeric, text, bigint, bigint, text)', 'write'),
        ('kobatela.add_allowed_payee(bigint, text, text, numeric, numeric)', 'write'),
        ('kobatela.spend(bigint, text, numeric, text, text, jsonb)', 'write'),
        -- business calls that read (also support)
        ('kobatela.get_user(bigint)', 'read'),
        ('kobatela.get_transaction(bigint)', 'read'),
        ('kobatela.list_alerts(text)', 'read'),
        ('kobatela.get_escrow(bigint)', 'read'),
        ('kobatela.escrow_events(bigint)', 'read'),
        ('kobatela.list_currencies()', 'read'),
        ('kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_milestones(bigint, text, integer, text)', 'read'),
        ('kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_payees(bigint, integer, text)', 'read'),
        ('kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text)', 'read'),
        ('kobatela.list_alerts_page(text, integer, text)', 'read'),
        ('kobatela.list_escrow_events(bigint, integer, text)', 'read'),
        ('kobatela.events_since(text, integer)', 'read'),
        -- the audit trail's and the books' checks (support and admin)
        ('kobatela.verify_audit_chain(jsonb)', 'audit'),
        ('kobatela.audit_chain_tips()', 'audit'),
        ('kobatela.audit_history(text, bigint)', 'audit'),
        ('kobatela.check_invariants()', 'audit'),
        -- keys and maintenance (admin)
        ('kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz)', 'admin'),
        ('kobatela.get_api_key(bigint)', 'admin'),
        ('kobatela.list_api_keys(bigint, integer, text)', 'admin'),
        ('kobatela.revoke_api_key(bigint)', 'admin'),
        ('kobatela.release_overdue_escrows()', 'admin'),
        ('kobatela.schedule_maintenance(text)', 'admin'),
        ('kobatela.unschedule_maintenance()', 'admin'),
        ('kobatela.enable_currency(text)', 'admin'),
        ('kobatela.disable_currency(text)', 'admin'),
        ('kobatela.correct_payment(bigint, kobatela.payment_status, text)', 'admin'),
        ('kobatela.refund_purchase(bigint, numeric, text, text)', 'admin'),  -- the merchant's side: the platform
        ('kobatela.queue_payout(bigint)', 'admin'),
        -- the payout hand-off to the PSP (scope worker, and admin)
        ('kobatela.claim_payouts(text, integer)', 'worker'),
        ('kobatela.payout_transmitted(bigint, text)', 'worker'),
        ('kobatela.payout_transmission_failed(bigint, text)', 'worker'),
        -- the PSP's webhook, authenticated by its signature (PostgREST's role, and admin by hand)
        ('kobatela.psp_webhook(text, text, text)', 'webhook'),
        ('kobatela.psp_webhook_raw(json)', 'webhook'),
        -- pure computations: no key checked, so not for kobatela_anon
        ('kobatela.geo_distance_m(float8, float8, float8, float8)', 'helper'),
        ('kobatela.within_geofence(float8, float8, float8, float8, float8, float8)', 'helper'),
        ('kobatela.verify_hmac_sha256(bytea, bytea, text)', 'helper'),
        -- trigger functions
        ('kobatela.touch_updated_at()', 'trigger'),
        ('kobatela.audit_row()', 'trigger'),
        ('kobatela.audit_log_append_only()', 'trigger'),
        ('kobatela.currencies_changed()', 'trigger'),
        ('kobatela.event_row()', 'trigger')
    ) AS f(fn, kind) USING (kind)
    LOOP
        listed := listed || grant_rule.fn::oid;
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, kobatela_admin, kobatela_sender, kobatela_support, '
                       'kobatela_worker, kobatela_anon',
                       grant_rule.fn);
        IF cardinality(grant_rule.roles) > 0 THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', grant_rule.fn,
                           (SELECT string_agg(quote_ident(r), ', ') FROM unnest(grant_rule.roles) AS r));
        END IF;
    END LOOP;

    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO unlisted FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'kobatela'::regnamespace AND p.oid <> ALL (listed);
    IF unlisted IS NOT NULL THEN
        RAISE EXCEPTION 'kobatela: functions without a privilege rule in security.sql: %', unlisted;
    END IF;
END $$;

-- Reading tables directly (also PostgREST's table endpoints): RLS below filters the rows. Not
-- kobatela_worker: a worker reads what claim_payouts hands it, nothing else.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r'
               AND c.relname NOT IN ('api_keys', 'audit_log') LOOP
        EXECUTE format('GRANT SELECT ON %s TO kobatela_admin, kobatela_sender, kobatela_support, kobatela_anon', t);
    END LOOP;
END $$;
GRANT SELECT (id, name, prefix, scope, user_id, is_active, expires_at, last_used_at, created_at, updated_at)
    ON kobatela.api_keys TO kobatela_admin, kobatela_anon;           -- never key_hash
GRANT SELECT ON kobatela.audit_log TO kobatela_admin, kobatela_support, kobatela_anon;
-- The log change by change (sql/audit.sql): the view itself shows each scope what it may see.
REVOKE ALL ON kobatela.audit_entries FROM PUBLIC;
GRANT SELECT ON kobatela.audit_entries TO kobatela_admin, kobatela_support, kobatela_anon;
-- The ledger (sql/ledger.sql), everyone's money: support and admin, and PostgREST's anon, whose
-- requests the view itself limits to the admin and support scopes (its rows read the tables with
-- the caller's rights, through the policies below).
REVOKE ALL ON kobatela.ledger FROM PUBLIC;
GRANT SELECT ON kobatela.ledger TO kobatela_admin, kobatela_support, kobatela_anon;

-- Row-level security on every table, forced (also for the table owner), with one read policy.
-- `who` says which scopes see rows: 'all' (every scope; a bound sender key only rows where its
-- user is a party, `party` with @u standing for that user), 'staff' (admin and support only),
-- 'admin' (admin only), 'catalogue' (every scope but worker, every row), 'audit' (the audit log: admin every
-- row, support the rows about the tables support may read, so that the log never shows what the
-- table it records hides: no key names, prefixes, scopes or bindings from api_keys).
DO $$
DECLARE
    rule record;
    visible text;
    missing text;
    admin_only text[] := '{}';  -- the 'admin' tables, for the audit rule (which comes last)
    bound constant text := '(SELECT kobatela.current_user_id())';
    by_escrow constant text :=
        'EXISTS (SELECT 1 FROM kobatela.escrow_agreements e WHERE e.id = escrow_id AND @u IN (e.client_id, e.provider_id))';
BEGIN
    FOR rule IN SELECT * FROM (VALUES
        ('users',               'all',       'id = @u'),
        ('api_keys',            'admin',     NULL),
        ('audit_log',           'audit',     NULL),
        ('alerts',              'all',       'actor_user_id = @u'),
        ('transactions',        'all',       '@u IN (sender_id, receiver_id)'),
        ('allowed_recipients',  'all',       '@u IN (owner_id, recipient_id)'),
        ('certified_accounts',  'all',       'user_id = @u'),
        ('escrow_agreements',   'all',       '@u IN (client_id, provider_id)'),
        ('escrow_deposits',     'all',       by_escrow),
        ('escrow_events',       'all',       by_escrow),
        ('milestones',          'all',       by_escrow),
        ('proofs',              'all',       by_escrow),
        ('payments',            'all',       by_escrow),
        ('allowed_payees',      'all',       by_escrow),
        ('psp_webhook_events',  'staff',     NULL),
        ('payout_transmissions', 'staff',    NULL),
        ('spend_categories',    'catalogue', NULL),
        ('merchants',           'catalogue', NULL),
        ('usage_mandates',      'all',       '@u IN (sender_id, beneficiary_id)'),
        ('allowed_usages',      'all',       'owner_id = @u'),
        ('purchases',           'all',       'beneficiary_id = @u OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = @u)'),
        -- a refund is seen by whoever sees its purchase: the beneficiary, or the mandate's sender
        ('purchase_refunds',    'all',       'EXISTS (SELECT 1 FROM kobatela.purchases p WHERE p.id = purchase_id AND p.beneficiary_id = @u) OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m WHERE m.id = mandate_id AND m.sender_id = @u)'),
        ('currencies',          'catalogue', NULL),
        ('events',              'all',       '@u IN (party_a, party_b)')
    ) AS r(tbl, who, party) ORDER BY who = 'audit' LOOP
        IF rule.who = 'admin' THEN admin_only := admin_only || rule.tbl; END IF;
        visible := CASE rule.who
            WHEN 'all' THEN format(
                'CASE (SELECT kobatela.current_scope()) WHEN ''admin'' THEN true WHEN ''support'' THEN true '
                'WHEN ''sender'' THEN %s IS NULL OR (%s) ELSE false END',
                bound, replace(rule.party, '@u', bound))
            WHEN 'staff' THEN '(SELECT kobatela.current_scope()) IN (''admin'', ''support'')'
            WHEN 'admin' THEN '(SELECT kobatela.current_scope()) = ''admin'''
            -- (not the worker scope, 0.8.0: it sees nothing but the payouts it claims)
            WHEN 'catalogue' THEN '(SELECT kobatela.current_scope()) IN (''admin'', ''sender'', ''support'')'
            -- support: the records none of whose changes is about an admin-only table (a row of
            -- 0.3.0 to 0.6.0 by its entity, a record by its entity keys, "<table>:<id>")
            WHEN 'audit' THEN format(
                'CASE (SELECT kobatela.current_scope()) WHEN ''admin'' THEN true '
                'WHEN ''support'' THEN coalesce(entity <> ALL (%1$L::text[]), true) '
                'AND NOT EXISTS (SELECT FROM unnest(entities) AS k (key) '
                'WHERE split_part(k.key, '':'', 1) = ANY (%1$L::text[])) ELSE false END', admin_only)
        END;
        EXECUTE format('ALTER TABLE kobatela.%I ENABLE ROW LEVEL SECURITY', rule.tbl);
        EXECUTE format('ALTER TABLE kobatela.%I FORCE ROW LEVEL SECURITY', rule.tbl);
        EXECUTE format('CREATE POLICY read_by_scope ON kobatela.%I FOR SELECT USING (%s)', rule.tbl, visible);
    END LOOP;

    -- A table added to the script without a rule here fails the installation.
    SELECT string_agg(c.relname, ', ') INTO missing FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relkind = 'r' AND NOT c.relforcerowsecurity;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'kobatela: tables without row-level security: %', missing;
    END IF;
    -- kobatela.audit_entries (sql/audit.sql) hides the changes of the same tables from support.
    IF pg_catalog.pg_get_viewdef('kobatela.audit_entries'::regclass)
           NOT LIKE format('%%ALL (%L::text[])%%', admin_only) THEN
        RAISE EXCEPTION 'kobatela: audit_entries must hide the admin-only tables % from support', admin_only;
    END IF;
END $$;
