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
