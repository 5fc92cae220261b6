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
-- (0.9.0) The payments SENT and not yet settled, by when they became SENT (health() and the
-- metrics: how many, how long). Partial: a payment enters it when it is sent and leaves it when
-- the PSP settles or fails it, so it holds only the payments in flight.
CREATE INDEX payments_sent_updated_at_idx  ON kobatela.payments (updated_at) INCLUDE (escrow_id) WHERE status = 'SENT';

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
-- (0.9.0) The hand-offs given up, by when (health() and the metrics). Partial: only ABANDONED
-- rows, which are rare; the state change that abandons one already rewrites its index entries.
CREATE INDEX payout_transmissions_abandoned_idx ON kobatela.payout_transmissions (updated_at)
    WHERE state = 'ABANDONED';

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
