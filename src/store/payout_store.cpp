#include "store/payout_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "store/alert_store.hpp"
#include "store/escrow_store.hpp"

namespace koba::store {

namespace {

core::Transmission read_transmission(const pg::Result& r, uint64_t row) {
    core::Transmission t;
    t.payment_id = r.int8(row, r.column("payment_id"));
    t.state = core::parse_status<core::TransmissionState>(r.text(row, r.column("state"))).value();
    t.attempts = r.int4(row, r.column("attempts"));
    t.last_error = r.opt_text(row, r.column("last_error"));
    return t;
}

}  // namespace

void queue_transmission(pg::Spi& spi, int64_t payment_id) {
    static pg::Statement insert{
        "INSERT INTO kobatela.payout_transmissions (payment_id, state) VALUES ($1, $2::kobatela.transmission_state)",
        {INT8OID, TEXTOID}};
    spi.run(insert, pg::Params().int8(payment_id).text(core::status_name(core::kQueuedTransmission)));
}

std::optional<core::Transmission> lock_transmission(pg::Spi& spi, int64_t payment_id) {
    static pg::Statement lock{
        "SELECT payment_id, state::text AS state, attempts, last_error FROM kobatela.payout_transmissions "
        "WHERE payment_id = $1 FOR UPDATE",
        {INT8OID}};
    const pg::Result r = spi.run(lock, pg::Params().int8(payment_id));
    if (r.empty()) return std::nullopt;
    return read_transmission(r, 0);
}

pg::Result write_transmission(pg::Spi& spi, int64_t payment_id, const core::TransmissionWrite& write) {
    // A lease makes the payout due again at its end; a backoff at its own; otherwise the due time
    // is kept (it only matters while QUEUED or CLAIMED).
    static pg::Statement update{
        "UPDATE kobatela.payout_transmissions SET state = $2::kobatela.transmission_state, attempts = $3, "
        "claimed_by = coalesce($4, claimed_by), lease_expires_at = now() + make_interval(secs => $5), "
        "next_attempt_at = coalesce(now() + make_interval(secs => coalesce($5, $6)), next_attempt_at), "
        "last_error = coalesce($7, last_error), "
        "transmitted_at = CASE WHEN $8 THEN now() ELSE transmitted_at END "
        "WHERE payment_id = $1 RETURNING *",
        {INT8OID, TEXTOID, INT4OID, TEXTOID, INT4OID, INT4OID, TEXTOID, BOOLOID}};
    pg::Params values;
    values.int8(payment_id).text(core::status_name(write.state)).int4(write.attempts).opt_text(write.claimed_by);
    write.lease_s ? values.int4(*write.lease_s) : values.null();
    write.due_in_s ? values.int4(*write.due_in_s) : values.null();
    values.opt_text(write.last_error).boolean(write.transmitted);
    const audit::AuditReason reason(write.audit_action);
    return spi.run(update, std::move(values));
}

Datum transmission_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.payout_transmissions WHERE payment_id = $1", {INT8OID}};
    const pg::Result row = spi.run(select, pg::Params().int8(payment_id));
    if (row.empty()) throw core::Error(core::ErrorCode::PAYOUT_NOT_QUEUED);
    return row.composite(0, fcinfo);
}

std::vector<DueTransmission> lock_due_transmissions(pg::Spi& spi, int64_t limit) {
    static pg::Statement due{
        "SELECT t.payment_id, t.state::text AS state, t.attempts, t.last_error, p.escrow_id, p.kind::text AS kind, "
        "e.client_id, e.provider_id "
        "FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id "
        "JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id "
        "WHERE t.state = ANY ($1::kobatela.transmission_state[]) AND t.next_attempt_at <= now() "
        "ORDER BY t.next_attempt_at, t.payment_id LIMIT $2 FOR UPDATE OF t SKIP LOCKED",
        {TEXTOID, INT8OID}};
    const pg::Result r = spi.run(due, pg::Params().text(core::claimable_transmission_states()).int8(limit));
    std::vector<DueTransmission> rows;
    rows.reserve(r.size());
    const int escrow_id = r.column("escrow_id"), kind = r.column("kind"), client = r.column("client_id"),
              provider = r.column("provider_id");
    for (uint64_t i = 0; i < r.size(); ++i) {
        DueTransmission d;
        d.transmission = read_transmission(r, i);
        d.escrow_id = r.int8(i, escrow_id);
        d.kind = core::parse_status<core::PaymentKind>(r.text(i, kind)).value();
        d.client_id = r.int8(i, client);
        d.provider_id = r.int8(i, provider);
        rows.push_back(std::move(d));
    }
    return rows;
}

void append_instruction(pg::Spi& spi, int64_t payment_id, std::optional<int64_t> beneficiary_user_id,
                        FunctionCallInfo fcinfo) {
    static pg::Statement instruction{
        "SELECT p.id AS payment_id, p.psp_ref::text AS psp_ref, p.kind, p.amount::numeric(18,2) AS amount, "
        "e.currency::text AS currency, p.escrow_id, $2::bigint AS beneficiary_user_id, a.payee_ref::text AS payee_ref, "
        "a.label::text AS payee_label, t.attempts AS attempt, t.lease_expires_at "
        "FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id "
        "JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id "
        "LEFT JOIN kobatela.allowed_payees a ON a.id = p.payee_id WHERE t.payment_id = $1",
        {INT8OID, INT8OID}};
    spi.run(instruction, pg::Params().int8(payment_id).opt_int8(beneficiary_user_id)).append_to_set(fcinfo);
}

std::optional<PspSnapshot> try_abandon_snapshot(pg::Spi& spi, const DueTransmission& due) {
    std::optional<core::EscrowState> escrow = try_lock_escrow(spi, due.escrow_id);
    if (!escrow) return std::nullopt;
    PspSnapshot s = payment_snapshot_locked(spi, *escrow, due.transmission.payment_id);
    s.transmission = due.transmission;
    return s;
}

core::TransmittedSnapshot transmitted_snapshot(pg::Spi& spi, int64_t payment_id) {
    static pg::Statement payment{"SELECT psp_ref::text AS psp_ref FROM kobatela.payments WHERE id = $1", {INT8OID}};
    const pg::Result r = spi.run(payment, pg::Params().int8(payment_id));
    if (r.empty()) throw core::Error(core::ErrorCode::PAYMENT_NOT_FOUND);
    core::TransmittedSnapshot s;
    s.payment_psp_ref = r.opt_text(0, r.column("psp_ref"));
    s.transmission = lock_transmission(spi, payment_id);
    return s;
}

void apply_abandon(pg::Spi& spi, const PspSnapshot& payment, int64_t payment_id, const core::TransmissionWrite& write,
                   const core::AbandonDecision& abandon) {
    write_transmission(spi, payment_id, write);
    if (abandon.payment) apply_psp_event(spi, payment, *abandon.payment);
    raise_payout_alert(spi, core::kTransmissionFailedAlert, core::kTransmissionFailedMessage, abandon.alert_payload);
}

void raise_payout_alert(pg::Spi& spi, std::string_view type, std::string_view message, const std::string& payload) {
    const audit::AuditReason reason(type);
    insert_alert(spi, {type, message, std::nullopt, payload});
}

}  // namespace koba::store
