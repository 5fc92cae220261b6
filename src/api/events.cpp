// The event feed (docs/events.md): events_since(cursor, limit), the business events the caller
// may see, in commit order. The events are written by the row trigger (src/audit/event_trigger.cpp).
#include "context/identity.hpp"
#include "core/events.hpp"
#include "core/pagination.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/event_store.hpp"

#include <string>
#include <vector>

using namespace koba;

// events_since(cursor text DEFAULT NULL, "limit" integer DEFAULT NULL) RETURNS SETOF feed_event.
// A key bound to a user reads the events where that user is a party (row-level security says
// the same; the party's own indexes make the page cheap).
KOBA_FUNCTION(kobatela_events_since) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    const core::FeedPosition after = core::decode_feed_cursor(args.opt_text(0));
    const std::optional<int32_t> requested = args.opt_int4(1);
    const int64_t limit = core::page_limit(requested ? std::optional<int64_t>(*requested) : std::nullopt);
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    const pg::Result page = store::events_page(spi, after, limit, caller.user_id);
    const int txid = page.column("cursor");
    const int id = page.column("id");
    std::vector<std::string> cursors;
    cursors.reserve(page.size());
    for (uint64_t row = 0; row < page.size(); row++)
        cursors.push_back(core::encode_feed_cursor({std::stoull(page.text(row, txid)), page.int8(row, id)}));
    page.append_to_set(fcinfo, cursors);
    return Datum(0);
}
