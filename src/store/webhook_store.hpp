// The PSP webhooks' SQL (spec.md section 5): the body's fields as PostgreSQL's jsonb reads them,
// and the record of each event (psp_webhook_events), which makes a delivery's replay answer as
// the first one did. The payment an event acts on is store/payment_store.hpp's.
#pragma once

#include "core/webhook.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace koba::store {

// The body parsed once with jsonb (INVALID_JSON when it is malformed): its JSON type
// (jsonb_typeof: "object", "array", ...) and, for an object, the fields an event is filed under.
struct WebhookBody {
    std::string json_type;
    core::PspBodyFields fields;
};
WebhookBody read_webhook_body(pg::Spi& spi, const std::string& body);

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
    std::string_view raw;  // the body, JSON
};
// Records the event, processed now (audit PSP_WEBHOOK_RECEIVED, under the actor the caller set).
// None, having written nothing, when a concurrent delivery of the same event recorded it first:
// this statement waited for it to commit, and the next one sees it.
std::optional<StoredWebhookEvent> insert_webhook_event(pg::Spi& spi, const NewWebhookEvent& event);

}  // namespace koba::store
