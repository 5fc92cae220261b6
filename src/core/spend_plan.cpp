#include "core/spend_plan.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"

namespace koba::core {

namespace {

// The spec's checks after the key: ESCROW_NOT_ACTIVE, PAYEE_NOT_ALLOWED, then the limits and the
// balance (decide_spend).
SpendDecision pay(const SpendSnapshot& s, const SpendRequest& request) {
    if (is_terminal(s.escrow_status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(status_name(s.escrow_status)) + ": it pays no spend.");
    if (!s.payee) throw Error(ErrorCode::PAYEE_NOT_ALLOWED);
    SpendDecision d;
    d.kind = SpendDecision::Kind::Pay;
    d.payee_id = s.payee->id;
    d.counters = decide_spend(s.payee->state, request.cents, s.balance, s.reserved);
    d.payment_to = PaymentStatus::Sent;
    d.money = move_payment(PaymentKind::Payee, PaymentStatus::Pending, false, d.payment_to, false, request.cents);
    return d;
}

}  // namespace

SpendDecision plan_spend(const SpendSnapshot& s, const SpendRequest& request) {
    if (s.key_seen) return {SpendDecision::Kind::Replay};
    try {
        return pay(s, request);
    } catch (const Error&) {
        if (request.key && !s.key_fresh) return {SpendDecision::Kind::Recheck};
        throw;
    }
}

void require_same_spend(const FirstSpend& first, const SpendRequest& request) {
    if (first.escrow_id != request.escrow_id || first.cents != request.cents || first.payee_ref != request.payee_ref ||
        !first.event_found || first.note != request.note || first.metadata != request.metadata)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

std::string usage_spend_event(int64_t payment_id, std::string_view psp_ref, const SpendRequest& request) {
    JsonObject data;
    data.add_int("payment_id", payment_id)
        .add_money("amount", request.cents)
        .add("payee_ref", request.payee_ref)
        .add("psp_ref", psp_ref);
    request.note ? data.add("note", *request.note) : data.add_null("note");
    request.key ? data.add("idempotency_key", *request.key) : data.add_null("idempotency_key");
    return data.str();
}

}  // namespace koba::core
