// The event feed (docs/events.md): which change of a business row is which business event.
//
// Every INSERT into a business table, and every UPDATE of its status, runs the row trigger
// kobatela.event_row() (src/audit/event_trigger.cpp), which asks event_type() whether the change
// is an event and which, and records it in kobatela.events with the row as it is now. The rules
// live here, as a table (events.cpp), unit-tested in test/unit/events_test.cpp; neither the
// trigger nor SQL decides anything. Types are dotted lower case: "<object>.<what happened>",
// e.g. escrow.funded, payment.settled, refund.failed (a payment of kind REFUND), proof.approved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

// A business table whose rows are the objects of events, and where its parties come from: the
// users who may read its events (row-level security of kobatela.events: party_a, party_b).
struct EventSource {
    std::string_view table;          // "payments"
    std::string_view object;         // "payment": events.object
    std::string_view status_column;  // "status", or "" when the table has none (only inserts are events)
    // The parties: a column of the row holding a user's id (party_a_column, party_b_column), or
    // the escrow the row belongs to (escrow_column: its client and provider), or, for purchases
    // and their refunds, the purchase's beneficiary (purchase_column) and the mandate's sender
    // (mandate_column). "" where unused.
    std::string_view party_a_column;
    std::string_view party_b_column;
    std::string_view escrow_column;
    std::string_view purchase_column;
    std::string_view mandate_column;
};

// The business tables, in the order docs/events.md lists them.
const std::vector<EventSource>& event_sources() noexcept;
// The source of `table`, or nullptr when its rows are no events' objects.
const EventSource* event_source(std::string_view table) noexcept;

// One row change, as the trigger saw it.
struct RowChange {
    bool is_insert = true;
    std::string_view old_status;  // UPDATE: the status before ("" when the table has none)
    std::string_view new_status;  // the status now ("" when the table has none)
    std::string_view kind;        // payments.kind ("" elsewhere)
    bool is_retry = false;        // payments.retry_of is set
};

// The event the change is, e.g. "escrow.funded", or nullopt when it is none (an UPDATE that
// leaves the status as it was: counters, stamps, ...). Every INSERT is an event, and every
// status change is: a change no rule names is "<object>.<new status in lower case>".
std::optional<std::string> event_type(const EventSource& source, const RowChange& change);

// Every type event_type() can return, for the documentation (docs/events.md lists them all).
std::vector<std::string> event_types();

// A position in the feed: after the event (txid, id); {0, 0} is before the first.
struct FeedPosition {
    uint64_t txid = 0;
    int64_t id = 0;
};

// The feed's cursors (core/pagination.hpp, list "events_since"): the position after an event.
std::string encode_feed_cursor(const FeedPosition& after);
// The position a cursor holds; NULL (nullopt) is the beginning; INVALID_CURSOR when it is no
// feed cursor.
FeedPosition decode_feed_cursor(const std::optional<std::string>& cursor);

}  // namespace koba::core
