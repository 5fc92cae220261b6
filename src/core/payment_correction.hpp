// correct_payment (issue 14): an admin records what the PSP says happened to a payment when no
// webhook will come. The decision is the webhook's own (core::plan_psp_event, the payment status
// table); this adds what makes it a correction: only SETTLED or ERROR may be recorded, a reason is
// required, a contradiction of a final status is refused rather than alerted about, and the rows
// are audited PAYMENT_CORRECTED with an escrow event of the same name.
#pragma once

#include "core/payout_plan.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace koba::core {

inline constexpr std::string_view kPaymentCorrectedAudit = "PAYMENT_CORRECTED";
inline constexpr std::string_view kPaymentCorrectedEvent = "PAYMENT_CORRECTED";
inline constexpr std::size_t kMaxCorrectionReasonChars = 500;

// The PSP event that records `to`: SETTLED -> Settle, ERROR -> Fail; INVALID_ARGUMENT for any
// other status.
PaymentEvent correction_event(PaymentStatus to);

// INVALID_ARGUMENT unless the reason is 1 to kMaxCorrectionReasonChars characters of text (no
// control characters) holding more than spaces.
void require_correction_reason(std::string_view reason);

// Turns a webhook's decision (plan_psp_event, on the same snapshot) into the correction's. A
// contradiction (the payment's status is final and says otherwise: SETTLED corrected to ERROR, a
// 0.5.0 REFUNDED payment) is INVALID_TRANSITION. An applied change is audited PAYMENT_CORRECTED;
// the result is then the PAYMENT_CORRECTED escrow event's data, {"payment_id", "from", "to",
// "reason"}. A replay (NoOp: the payment already has that status) returns "" and writes nothing.
std::string correct_decision(PspEventDecision* decision, const PaymentState& payment, std::string_view reason);

// The facts a correction's alerts carry in place of a webhook's (event_id "correct_payment:<id>").
PspEventFacts correction_facts(const PaymentState& payment);

}  // namespace koba::core
