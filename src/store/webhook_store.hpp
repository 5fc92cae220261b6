// The PSP webhooks' SQL (spec.md section 5): the record of each event (psp_webhook_events), which makes a delivery's replay answer as
// the first one did. The payment an event acts on is store/payment_store.hpp's.
#pragma once

#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace koba::store {

// A recorded event: when it was processed, in ISO 8601 UTC whatever the session's TimeZone.
struct StoredWebhookEvent {
    std::optional<std::string> processed_at;
};
// The event recorded under event_id, if any.
std::optional<StoredWebhookEvent> find_webhook_event(pg::Spi& spi, const std::string& event_id);

struct NewWebhookEvent {
    std::string event_id;
    std::optional<std::string> psp_ref;
    std::string kind;
    Datum raw;  // the body, parsed once as jsonb by the caller (pg::jsonb_datum)
};
// Records the event, processed now (audit PSP_WEBHOOK_RECEIVED, under the actor the caller set).
// None, having written nothing, when a concurrent delivery of the same event recorded it first:
// this statement waited for it to commit, and the next one sees it.
std::optional<StoredWebhookEvent> insert_webhook_event(pg::Spi& spi, const NewWebhookEvent& event);

}  // namespace koba::store
