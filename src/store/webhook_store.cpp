#include "store/webhook_store.hpp"

#include "audit/audit.hpp"

namespace koba::store {

namespace {

// processed_at as the answer shows it: ISO 8601 in UTC, whatever the session's TimeZone.
#define KOBA_PROCESSED_AT \
    "to_char(processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') AS processed_at"

StoredWebhookEvent read_event(const pg::Result& r) {
    return StoredWebhookEvent{r.opt_text(0, r.column("processed_at"))};
}

}  // namespace

std::optional<StoredWebhookEvent> find_webhook_event(pg::Spi& spi, const std::string& event_id) {
    static pg::Statement find{
        "SELECT " KOBA_PROCESSED_AT " FROM kobatela.psp_webhook_events WHERE event_id = $1", {TEXTOID}};
    const pg::Result r = spi.run(find, pg::Params().text(event_id));
    if (r.empty()) return std::nullopt;
    return read_event(r);
}

std::optional<StoredWebhookEvent> insert_webhook_event(pg::Spi& spi, const NewWebhookEvent& event) {
    static pg::Statement insert{
        "INSERT INTO kobatela.psp_webhook_events (event_id, psp_ref, kind, raw, processed_at) "
        "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (event_id) DO NOTHING RETURNING " KOBA_PROCESSED_AT,
        {TEXTOID, TEXTOID, TEXTOID, JSONBOID}};
    const audit::AuditReason reason("PSP_WEBHOOK_RECEIVED");
    const pg::Result r = spi.run(
        insert, pg::Params().text(event.event_id).opt_text(event.psp_ref).text(event.kind).jsonb_document(event.raw));
    if (r.empty()) return std::nullopt;
    return read_event(r);
}

}  // namespace koba::store
