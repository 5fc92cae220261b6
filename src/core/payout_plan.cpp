#include "core/payout_plan.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/spend_rules.hpp"

namespace koba::core {

SendDecision plan_send(const SendSnapshot& s) {
    require_escrow_balance(s.escrow.balance(), s.cents);
    SendDecision d;
    d.payment_to = PaymentStatus::Sent;
    d.money = move_payment(s.kind, PaymentStatus::Pending, false, d.payment_to, false, s.cents);
    if (s.milestone_id) {
        // The milestone table decides: only approved work is paid.
        const MilestoneStatus from = s.milestone_status.value();
        const Step<MilestoneStatus> paying = milestone_step(from, MilestoneEvent::StartPayout);
        d.milestone_to = milestone_step(paying.to, MilestoneEvent::Paid).to;
        d.money.reserved = reserved_change(from, *d.milestone_to, s.cents);
        if (s.other_unpaid_milestones == 0 && s.escrow.balance() - d.money.outflow() == 0)
            d.escrow_close = escrow_step(s.escrow.status, EscrowEvent::AllMilestonesPaid);
    }
    return d;
}

PayoutDecision plan_milestone_payout(const MilestonePayoutSnapshot& s) {
    if (const std::optional<PaymentState>& seen = s.by_key) {
        if (seen->escrow_id != s.send.escrow.id || seen->cents != s.send.cents ||
            seen->milestone_id != s.send.milestone_id)
            throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
        const Step<PaymentStatus> step = payment_step(seen->status, PaymentEvent::Payout);  // ERROR: PAYMENT_IN_ERROR
        if (step.effect != Effect::Apply) return {PayoutDecision::Kind::Existing, seen->id, {}};
        return {PayoutDecision::Kind::SendPending, seen->id, plan_send(s.send)};
    }
    if (s.paid_before) return {PayoutDecision::Kind::Existing, *s.paid_before, {}};
    return {PayoutDecision::Kind::SendNew, 0, plan_send(s.send)};
}

PayoutDecision plan_execute(const ExecuteSnapshot& s) {
    if (payment_step(s.payment.status, PaymentEvent::Execute).effect != Effect::Apply)
        return {PayoutDecision::Kind::Existing, s.payment.id, {}};
    return {PayoutDecision::Kind::SendPending, s.payment.id, plan_send(s.send)};
}

std::string payment_sent_event(int64_t payment_id, int64_t cents, std::string_view psp_ref,
                               std::optional<int64_t> milestone_id, PaymentKind kind,
                               std::optional<int64_t> retry_of) {
    JsonObject data;
    data.add_int("payment_id", payment_id).add_money("amount", cents).add("psp_ref", psp_ref);
    milestone_id ? data.add_int("milestone_id", *milestone_id) : data.add_null("milestone_id");
    data.add("kind", status_name(kind));
    if (retry_of) data.add_int("retry_of", *retry_of);
    return data.str();
}

std::string all_paid_event() { return JsonObject().add("reason", "all_milestones_paid").str(); }

PspEventDecision plan_psp_event(const EscrowState& escrow, const PaymentState& payment, PaymentEvent event,
                                const PspEventFacts& facts) {
    PspEventDecision d;
    d.step = payment_step(payment.status, event);
    switch (d.step.effect) {
        case Effect::NoOp: break;
        case Effect::Apply: {
            // A failed payment's money is owed to its beneficiary until retried (to_repay), never
            // back in the escrow's balance; a settled one that had failed (or was never sent) is
            // paid, from what it left to be repaid or, once retried, from the balance.
            d.money = move_payment(payment.kind, payment.status, payment.retried, d.step.to, payment.retried,
                                   payment.cents);
            if (payment.status == PaymentStatus::Pending) {
                d.event_kind = d.step.audit_action;  // PAYMENT_SETTLED, PAYMENT_FAILED
                d.event_data = JsonObject()
                                   .add_int("payment_id", payment.id)
                                   .add_money("amount", payment.cents)
                                   .add("psp_ref", facts.psp_ref)
                                   .add("from", status_name(payment.status))
                                   .str();
            }
            if (d.step.to == PaymentStatus::Error) {
                d.alert_type = "PAYMENT_TO_REPAY";
                d.alert_message = "A payment failed: its amount is to be repaid (retry_payment).";
                d.alert_payload = JsonObject()
                                      .add("event_id", facts.event_id)
                                      .add_int("escrow_id", escrow.id)
                                      .add_int("payment_id", payment.id)
                                      .add("kind", status_name(payment.kind))
                                      .add_money("amount", payment.cents)
                                      .add("escrow_status", status_name(escrow.status))
                                      .str();
            } else if (d.money.outflow() > 0 && escrow.balance() - d.money.outflow() < 0) {
                d.alert_type = "ESCROW_OVERDRAWN";
                d.alert_message = "A settled payment took the escrow beyond its deposits.";
                d.alert_payload = JsonObject()
                                      .add("event_id", facts.event_id)
                                      .add_int("escrow_id", escrow.id)
                                      .add_int("payment_id", payment.id)
                                      .add_money("deposited_amount", escrow.deposited)
                                      .add_money("paid_amount", escrow.paid + d.money.paid)
                                      .str();
            }
            break;
        }
        case Effect::Contradict:
            d.alert_type = "PSP_EVENT_CONTRADICTS_PAYMENT";
            d.alert_message = "A PSP event contradicts the payment's final status; the status was kept.";
            d.alert_audit = "PSP_EVENT_CONTRADICTS_PAYMENT";
            d.alert_payload = JsonObject()
                                  .add("event_id", facts.event_id)
                                  .add("psp_ref", facts.psp_ref)
                                  .add("kind", facts.kind)
                                  .add_int("payment_id", payment.id)
                                  .add("payment_status", status_name(payment.status))
                                  .str();
            break;
    }
    return d;
}

RetryDecision plan_retry(const RetrySnapshot& s) {
    if (s.retried_by) return {true, {}};
    payment_step(s.payment.status, PaymentEvent::Retry);  // only an ERROR payment: INVALID_TRANSITION
    // The failed payment stops being to be repaid; its retry, sent, is paid (or refunded).
    RetryDecision d;
    d.money = move_payment(s.payment.kind, PaymentStatus::Error, false, PaymentStatus::Error, true, s.payment.cents);
    d.money += move_payment(s.payment.kind, PaymentStatus::Pending, false, PaymentStatus::Sent, false, s.payment.cents);
    return d;
}

}  // namespace koba::core
