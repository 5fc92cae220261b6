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

CREATE INDEX api_keys_user_id_idx ON kobatela.api_keys (user_id);

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

CREATE INDEX alerts_type_created_at_idx ON kobatela.alerts (type, created_at);
CREATE INDEX alerts_created_at_idx      ON kobatela.alerts (created_at);
CREATE INDEX alerts_actor_user_id_idx   ON kobatela.alerts (actor_user_id);

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
CREATE INDEX transactions_sender_id_idx   ON kobatela.transactions (sender_id);

CREATE INDEX transactions_receiver_id_idx ON kobatela.transactions (receiver_id);
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
