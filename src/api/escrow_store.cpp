#include "api/escrow_store.hpp"

#include "api/audit.hpp"
#include "core/errors.hpp"

namespace koba::api {

namespace {

constexpr const char* kEscrowColumns =
    "SELECT e.id, e.client_id, e.provider_id, e.amount_total, e.currency, e.status::text, "
    "e.deadline_at <= now(), (SELECT coalesce(sum(d.amount), 0)::numeric(18,2) FROM kobatela.escrow_deposits d "
    "WHERE d.escrow_id = e.id) FROM kobatela.escrow_agreements e WHERE e.id = $1";

}  // namespace

Escrow find_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement statement{kEscrowColumns, {INT8OID}};
    const pg::Result r = spi.run(statement, pg::Params().int8(escrow_id));
    if (r.empty()) throw core::Error(core::ErrorCode::ESCROW_NOT_FOUND);
    return Escrow{r.int8(0, 1),
                  r.int8(0, 2),
                  r.int8(0, 3),
                  r.money(0, 4),
                  r.money(0, 8),
                  r.text(0, 5),
                  core::parse_status<core::EscrowStatus>(r.text(0, 6)).value(),
                  r.boolean(0, 7)};
}

Escrow lock_escrow(pg::Spi& spi, int64_t escrow_id) {
    // Two statements on purpose. A statement that waited for the lock still reads other tables
    // (the deposits, the payments) as they were before it waited; the next statement, under READ
    // COMMITTED, sees what the previous lock holder committed.
    static pg::Statement lock{"SELECT 1 FROM kobatela.escrow_agreements WHERE id = $1 FOR UPDATE", {INT8OID}};
    if (spi.run(lock, pg::Params().int8(escrow_id)).empty()) throw core::Error(core::ErrorCode::ESCROW_NOT_FOUND);
    return find_escrow(spi, escrow_id);
}

void require_escrow_party(const Principal& caller, const Escrow& escrow, EscrowParty party) {
    switch (party) {
        case EscrowParty::Client: return require_party(caller, {escrow.client_id});
        case EscrowParty::Provider: return require_party(caller, {escrow.provider_id});
        case EscrowParty::Either: return require_party(caller, {escrow.client_id, escrow.provider_id});
    }
}

void append_escrow_event(pg::Spi& spi, int64_t escrow_id, std::string_view kind, const std::string& data_json) {
    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_events (escrow_id, kind, data) VALUES ($1, $2, $3)",
        {INT8OID, TEXTOID, JSONBOID}};
    spi.run(insert, pg::Params().int8(escrow_id).text(kind).jsonb(data_json));
}

void apply_escrow_step(pg::Spi& spi, const Escrow& escrow, const core::Step<core::EscrowStatus>& step,
                       const std::string& data_json) {
    if (step.effect == core::Effect::NoOp) return;
    static pg::Statement update{
        "UPDATE kobatela.escrow_agreements SET status = $2::kobatela.escrow_status WHERE id = $1",
        {INT8OID, TEXTOID}};
    const AuditReason reason(step.audit_action);
    // Updated even when the status stays (a partial deposit): the escrow changed, and under
    // REPEATABLE READ a concurrent call on it then fails to serialise instead of reading stale sums.
    spi.run(update, pg::Params().int8(escrow.id).text(core::status_name(step.to)));
    if (!step.event_kind.empty()) append_escrow_event(spi, escrow.id, step.event_kind, data_json);
}

Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.escrow_agreements WHERE id = $1", {INT8OID}};
    return spi.run(select, pg::Params().int8(escrow_id)).composite(0, fcinfo);
}

}  // namespace koba::api
