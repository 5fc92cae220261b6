#include "api/payouts.hpp"

#include "api/audit.hpp"
#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "core/spend_rules.hpp"
#include "core/transitions.hpp"

namespace koba::api {

namespace {

using core::Error;
using core::ErrorCode;
using core::PaymentStatus;

struct Payment {
    int64_t id;
    int64_t escrow_id;
    std::optional<int64_t> milestone_id;
    int64_t cents;
    PaymentStatus status;
};

// A payments row read with SELECT * (PaymentColumn).
Payment read_payment(const pg::Result& r) {
    return Payment{r.int8(0, kPaymentId), r.int8(0, kPaymentEscrowId), r.opt_int8(0, kPaymentMilestoneId),
                   r.money(0, kPaymentAmount), core::parse_status<PaymentStatus>(r.text(0, kPaymentStatus)).value()};
}

std::optional<Payment> payment_by_payout_key(pg::Spi& spi, const std::string& key) {
    static pg::Statement select{"SELECT * FROM kobatela.payments WHERE payout_key = $1 FOR UPDATE", {TEXTOID}};
    const pg::Result r = spi.run(select, pg::Params().text(key));
    if (r.empty()) return std::nullopt;
    return read_payment(r);
}

// The escrow is RELEASED with a CLOSED event once every one of its milestones is paid.
void close_if_all_paid(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement all_paid{
        "SELECT count(*) > 0 AND bool_and(status = 'PAID') FROM kobatela.milestones WHERE escrow_id = $1",
        {INT8OID}};
    if (!spi.run(all_paid, pg::Params().int8(escrow_id)).boolean(0, 1)) return;
    const Escrow escrow = find_escrow(spi, escrow_id);
    apply_escrow_step(spi, escrow, core::escrow_step(escrow.status, core::EscrowEvent::AllMilestonesPaid),
                      core::JsonObject().add("reason", "all_milestones_paid").str());
}

// What follows a milestone's payment being sent: the milestone PAID (the milestone table decides:
// only approved work is paid), the escrow's PAYMENT_SENT event, and the escrow RELEASED once
// every milestone is paid.
void after_sent(pg::Spi& spi, const Escrow& escrow, const Payment& payment, const std::string& psp_ref) {
    static pg::Statement milestone_status{
        "SELECT status::text FROM kobatela.milestones WHERE id = $1 FOR UPDATE", {INT8OID}};
    static pg::Statement milestone_paid{
        "UPDATE kobatela.milestones SET status = 'PAID' WHERE id = $1", {INT8OID}};
    if (payment.milestone_id) {
        const auto status = core::parse_status<core::MilestoneStatus>(
            spi.run(milestone_status, pg::Params().int8(*payment.milestone_id)).text(0, 1));
        const auto paying = core::milestone_step(status.value(), core::MilestoneEvent::StartPayout);
        core::milestone_step(paying.to, core::MilestoneEvent::Paid);
        spi.run(milestone_paid, pg::Params().int8(*payment.milestone_id));
    }
    core::JsonObject data;
    data.add_int("payment_id", payment.id).add_money("amount", payment.cents).add("psp_ref", psp_ref);
    payment.milestone_id ? data.add_int("milestone_id", *payment.milestone_id) : data.add_null("milestone_id");
    append_escrow_event(spi, escrow.id, "PAYMENT_SENT", data.str());
    if (payment.milestone_id) close_if_all_paid(spi, escrow.id);
}

// A PENDING payment (execute_payment, or a payout interrupted before it was sent) -> SENT.
void send_pending(pg::Spi& spi, const Escrow& escrow, const Payment& payment) {
    static pg::Statement mark_sent{
        "UPDATE kobatela.payments SET status = 'SENT', psp_ref = 'PSP-' || gen_random_uuid() "
        "WHERE id = $1 RETURNING psp_ref",
        {INT8OID}};
    core::require_escrow_balance(escrow.balance(), payment.cents);
    const AuditReason reason("EXECUTE_PAYOUT");
    const std::string psp_ref = spi.run(mark_sent, pg::Params().int8(payment.id)).text(0, 1);
    add_escrow_paid(spi, escrow.id, payment.cents);
    after_sent(spi, escrow, payment, psp_ref);
}

}  // namespace

pg::Result insert_sent_payment(pg::Spi& spi, int64_t escrow_id, int64_t escrow_balance, const NewPayment& payment) {
    static pg::Statement insert{
        "INSERT INTO kobatela.payments (escrow_id, milestone_id, payee_id, amount, status, psp_ref, "
        "idempotency_key, idempotency_owner, payout_key) "
        "VALUES ($1, $2, $3, $4, 'SENT', 'PSP-' || gen_random_uuid(), $5, $6, $7) "
        "ON CONFLICT DO NOTHING RETURNING *",
        {INT8OID, INT8OID, INT8OID, NUMERICOID, TEXTOID, INT8OID, TEXTOID}};
    core::require_escrow_balance(escrow_balance, payment.cents);
    pg::Params values;
    values.int8(escrow_id).opt_int8(payment.milestone_id).opt_int8(payment.payee_id).money(payment.cents);
    add_idempotency_key(values, payment.caller_key).opt_text(payment.payout_key);
    pg::Result row = spi.run(insert, std::move(values));
    if (!row.empty()) add_escrow_paid(spi, escrow_id, payment.cents);
    return row;
}

int64_t pay_out(pg::Spi& spi, const Escrow& escrow, const PayoutRequest& request) {
    if (std::optional<Payment> seen = payment_by_payout_key(spi, request.payout_key)) {
        if (seen->escrow_id != escrow.id || seen->cents != request.cents || seen->milestone_id != request.milestone_id)
            throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
        const auto step = core::payment_step(seen->status, core::PaymentEvent::Payout);  // ERROR: PAYMENT_IN_ERROR
        if (step.effect == core::Effect::Apply) send_pending(spi, escrow, *seen);
        return seen->id;
    }
    static pg::Statement paid_before{
        "SELECT id FROM kobatela.payments WHERE milestone_id = $1 AND amount = $2 "
        "AND status IN ('SENT', 'SETTLED') ORDER BY id LIMIT 1",
        {INT8OID, NUMERICOID}};
    const pg::Result earlier = spi.run(paid_before, pg::Params().int8(request.milestone_id).money(request.cents));
    if (!earlier.empty()) return earlier.int8(0, 1);

    const AuditReason reason("EXECUTE_PAYOUT");
    const pg::Result row = insert_sent_payment(
        spi, escrow.id, escrow.balance(), {request.milestone_id, std::nullopt, request.cents, std::nullopt, request.payout_key});
    // Taken meanwhile by a payout of another escrow (this escrow's are serialised by its lock).
    if (row.empty()) throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    const int64_t id = row.int8(0, 1);
    after_sent(spi, escrow, Payment{id, escrow.id, request.milestone_id, request.cents, PaymentStatus::Sent},
               row.text(0, kPaymentPspRef));
    return id;
}

void send_pending_payment(pg::Spi& spi, const Escrow& escrow, int64_t payment_id) {
    static pg::Statement select{"SELECT * FROM kobatela.payments WHERE id = $1 FOR UPDATE", {INT8OID}};
    static pg::Statement ensure_key{
        "UPDATE kobatela.payments SET payout_key = 'payment:' || id WHERE id = $1 AND payout_key IS NULL",
        {INT8OID}};
    const Payment payment = read_payment(spi.run(select, pg::Params().int8(payment_id)));
    if (core::payment_step(payment.status, core::PaymentEvent::Execute).effect != core::Effect::Apply) return;
    const AuditReason reason("EXECUTE_PAYOUT");
    spi.run(ensure_key, pg::Params().int8(payment_id));
    send_pending(spi, escrow, payment);
}

Datum payment_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.payments WHERE id = $1", {INT8OID}};
    const pg::Result row = spi.run(select, pg::Params().int8(payment_id));
    if (row.empty()) throw Error(ErrorCode::PAYMENT_NOT_FOUND);
    return row.composite(0, fcinfo);
}

}  // namespace koba::api
