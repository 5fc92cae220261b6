#include "api/escrow_store.hpp"

#include "api/audit.hpp"
#include "core/errors.hpp"

#include <stdexcept>

namespace koba::api {

namespace {

// The escrow's money is in its own row (deposited_amount, paid_amount), so one statement reads
// the status and the balance together: with FOR UPDATE, it is the version the previous lock
// holder committed.
#define KOBA_ESCROW_SELECT                                                                          \
    "SELECT id, client_id, provider_id, amount_total, currency, status::text, deadline_at <= clock_timestamp(), " \
    "deposited_amount, paid_amount FROM kobatela.escrow_agreements WHERE id = $1"

Escrow read_escrow(pg::Spi& spi, pg::Statement& statement, int64_t escrow_id) {
    const pg::Result r = spi.run(statement, pg::Params().int8(escrow_id));
    if (r.empty()) throw core::Error(core::ErrorCode::ESCROW_NOT_FOUND);
    return Escrow{r.int8(0, 1),
                  r.int8(0, 2),
                  r.int8(0, 3),
                  r.money(0, 4),
                  r.money(0, 8),
                  r.money(0, 9),
                  r.text(0, 5),
                  core::parse_status<core::EscrowStatus>(r.text(0, 6)).value(),
                  r.boolean(0, 7)};
}

}  // namespace

Escrow find_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement select{KOBA_ESCROW_SELECT, {INT8OID}};
    return read_escrow(spi, select, escrow_id);
}

Escrow lock_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement lock{KOBA_ESCROW_SELECT " FOR UPDATE", {INT8OID}};
    return read_escrow(spi, lock, escrow_id);
}

void add_escrow_paid(pg::Spi& spi, int64_t escrow_id, int64_t paid_cents) {
    static pg::Statement update{
        "UPDATE kobatela.escrow_agreements SET paid_amount = paid_amount + $2 WHERE id = $1", {INT8OID, NUMERICOID}};
    spi.run(update, pg::Params().int8(escrow_id).money(paid_cents));
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
                       const std::string& data_json, int64_t deposited_cents) {
    if (step.effect == core::Effect::NoOp) {
        if (deposited_cents != 0) throw std::logic_error("kobatela: a deposit that changes nothing");
        return;
    }
    static pg::Statement update{
        "UPDATE kobatela.escrow_agreements SET status = $2::kobatela.escrow_status, "
        "deposited_amount = deposited_amount + $3 WHERE id = $1",
        {INT8OID, TEXTOID, NUMERICOID}};
    const AuditReason reason(step.audit_action);
    // Updated even when the status stays (a partial deposit): the escrow changed, and under
    // REPEATABLE READ a concurrent call on it then fails to serialise instead of reading stale sums.
    spi.run(update, pg::Params().int8(escrow.id).text(core::status_name(step.to)).money(deposited_cents));
    if (!step.event_kind.empty()) append_escrow_event(spi, escrow.id, step.event_kind, data_json);
}

Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.escrow_agreements WHERE id = $1", {INT8OID}};
    return spi.run(select, pg::Params().int8(escrow_id)).composite(0, fcinfo);
}

}  // namespace koba::api
