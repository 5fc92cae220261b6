// The event feed's SQL (docs/events.md): writing an event (the row trigger,
// src/audit/event_trigger.cpp) and reading a page of the feed (events_since, src/api/events.cpp).
#pragma once

#include "core/events.hpp"
#include "pg/spi.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace koba::store {

// An event as core named it, with where its parties come from (core::EventSource): user ids of
// the row itself, or the escrow, purchase and mandate whose users they are.
struct NewEvent {
    std::string type;
    std::string object;
    int64_t object_id = 0;
    std::string data_json;  // the row, as the audit trail renders it
    std::optional<int64_t> party_a, party_b;
    std::optional<int64_t> escrow_id, purchase_id, mandate_id;
};

// Inserts the event (as the events table's owner `owner`, row-level security not forced: the
// parties' rows are read whoever the caller is) and asks for a notification on channel
// kobatela_events at the transaction's commit (pg/notify_gate.hpp: coalesced, at most one per
// database every 100 ms).
void record_event(pg::Spi& spi, const NewEvent& event, Oid owner);

// At most `limit` events after `after`, of transactions older than every one still running
// (pg_snapshot_xmin of the query's snapshot), in (txid, id) order; only those where `party` is
// a party when set (a key bound to a user). Columns: kobatela.feed_event's, with the event's
// txid (as text) in the first, `cursor`, for the caller to encode.
pg::Result events_page(pg::Spi& spi, const core::FeedPosition& after, int64_t limit, std::optional<int64_t> party);

}  // namespace koba::store
