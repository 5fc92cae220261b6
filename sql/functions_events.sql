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
