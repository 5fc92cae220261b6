#include "core/payment_correction.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/text_rules.hpp"

namespace koba::core {

PaymentEvent correction_event(PaymentStatus to) {
    switch (to) {
        case PaymentStatus::Settled: return PaymentEvent::Settle;
        case PaymentStatus::Error: return PaymentEvent::Fail;
        default: break;
    }
    throw Error(ErrorCode::INVALID_ARGUMENT, "A payment can be corrected only to SETTLED or ERROR, not to " +
                                                 std::string(status_name(to)) + ".");
}

void require_correction_reason(std::string_view reason) {
    require_text(reason, "reason", kMaxCorrectionReasonChars);
    if (reason.find_first_not_of(' ') == std::string_view::npos)
        throw Error(ErrorCode::INVALID_ARGUMENT, "reason must say why the payment is corrected.");
}

std::string correct_decision(PspEventDecision* decision, const PaymentState& payment, std::string_view reason) {
    switch (decision->step.effect) {
        case Effect::NoOp: return {};
        case Effect::Contradict:
            throw Error(ErrorCode::INVALID_TRANSITION,
                        "A " + std::string(status_name(payment.status)) +
                            " payment is final: it cannot be corrected to another status.");
        case Effect::Apply: break;
    }
    decision->step.audit_action = kPaymentCorrectedAudit;
    if (!decision->alert_audit.empty()) decision->alert_audit = kPaymentCorrectedAudit;
    return JsonObject()
        .add_int("payment_id", payment.id)
        .add("from", status_name(payment.status))
        .add("to", status_name(decision->step.to))
        .add("reason", reason)
        .str();
}

PspEventFacts correction_facts(const PaymentState& payment) {
    return PspEventFacts{"correct_payment:" + std::to_string(payment.id), "correct_payment", {}};
}

}  // namespace koba::core
