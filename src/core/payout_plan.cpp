#include "core/payout_plan.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/spend_rules.hpp"

namespace koba::core {

SendDecision plan_send(const SendSnapshot& s) {
    require_escrow_balance(s.escrow.balance(), s.cents);
    SendDecision d;
    d.payment_to = PaymentStatus::Sent;
    d.paid_delta = s.cents;
    if (s.milestone_id) {
        // The milestone table decides: only approved work is paid.
        const Step<MilestoneStatus> paying = milestone_step(s.milestone_status.value(), MilestoneEvent::StartPayout);
        d.milestone_to = milestone_step(paying.to, MilestoneEvent::Paid).to;
        if (s.other_unpaid_milestones == 0)
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
                               std::optional<int64_t> milestone_id) {
    JsonObject data;
    data.add_int("payment_id", payment_id).add_money("amount", cents).add("psp_ref", psp_ref);
    milestone_id ? data.add_int("milestone_id", *milestone_id) : data.add_null("milestone_id");
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
            // A failed payment gives its money back to the escrow; a settled one that had failed
            // (or was never sent) takes it again.
            d.paid_delta = (counts_as_paid(d.step.to) - counts_as_paid(payment.status)) * payment.cents;
            if (d.paid_delta != 0 && escrow.paid + d.paid_delta > escrow.deposited) {
                d.alert_type = "ESCROW_OVERDRAWN";
                d.alert_message = "A settled payment took the escrow beyond its deposits.";
                d.alert_payload = JsonObject()
                                      .add("event_id", facts.event_id)
                                      .add_int("escrow_id", escrow.id)
                                      .add_int("payment_id", payment.id)
                                      .add_money("deposited_amount", escrow.deposited)
                                      .add_money("paid_amount", escrow.paid + d.paid_delta)
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

}  // namespace koba::core
