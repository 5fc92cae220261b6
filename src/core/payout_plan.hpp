// The payout engine's decisions (spec.md section 5): whether a milestone's payout sends money,
// returns the payment already made, or is refused; what sending a payment does to the escrow, its
// milestone and its status; and what a PSP event does to a payment. Pure: a store reads the
// snapshot under the escrow's lock and applies the decision (src/store/payment_store.hpp).
#pragma once

#include "core/escrow_money.hpp"
#include "core/escrow_state.hpp"
#include "core/metadata.hpp"
#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

// --- Sending a payment ---

// A payment about to leave `escrow`: a new one, or a PENDING one being sent.
struct SendSnapshot {
    EscrowState escrow;
    PaymentKind kind = PaymentKind::Milestone;
    int64_t cents = 0;
    std::optional<int64_t> milestone_id;             // none: a spend to an allowed payee
    std::optional<MilestoneStatus> milestone_status;  // the milestone's, as this call left it
    int64_t other_unpaid_milestones = 0;              // the escrow's other milestones not PAID
};

// What sending it writes.
struct SendDecision {
    PaymentStatus payment_to = PaymentStatus::Sent;
    EscrowMoney money{};                            // the escrow's counters: paid (or refunded), reserved
    std::optional<MilestoneStatus> milestone_to;  // PAID
    std::optional<Step<EscrowStatus>> escrow_close;  // the last milestone paid: RELEASED, CLOSED
};

// INSUFFICIENT_ESCROW_BALANCE when the escrow cannot pay; the milestone goes through PAYING to
// PAID (INVALID_TRANSITION unless it was APPROVED or PAYING) and leaves the reservation, and the
// escrow is closed (step AllMilestonesPaid) when no other milestone is left unpaid and nothing is
// left in it (money left is released or refunded by a party, or at the deadline).
SendDecision plan_send(const SendSnapshot& s);

// --- A milestone's payout (submit_proof auto-approved, decide_proof approved) ---

struct MilestonePayoutSnapshot {
    SendSnapshot send;                    // milestone_id set
    std::optional<PaymentState> by_key;   // the payment under this payout's key, locked
    std::optional<int64_t> paid_before;   // a SENT or SETTLED payment of this milestone and amount
};

struct PayoutDecision {
    enum class Kind : uint8_t {
        Existing,     // return payment_id as it is
        SendPending,  // send the PENDING payment payment_id
        SendNew,      // insert a new payment, sent
    };
    Kind kind = Kind::Existing;
    int64_t payment_id = 0;  // Existing, SendPending
    SendDecision send;       // SendPending, SendNew
};

// A key already used returns its payment (a SENT or SETTLED one as is, a PENDING one sent now; an
// ERROR one is PAYMENT_IN_ERROR: retry with a new key), or IDEMPOTENCY_CONFLICT when it paid
// something else; a milestone already paid this amount returns that payment; else a new payment.
PayoutDecision plan_milestone_payout(const MilestonePayoutSnapshot& s);

// execute_payment: a PENDING payment is sent (send_pending_payment); any other is returned as it is.
struct ExecuteSnapshot {
    SendSnapshot send;
    PaymentState payment;
};
PayoutDecision plan_execute(const ExecuteSnapshot& s);

// The PAYMENT_SENT event's data: {"payment_id", "amount", "psp_ref", "milestone_id", "kind"}, and
// "retry_of" for a retry.
std::string payment_sent_event(int64_t payment_id, int64_t cents, std::string_view psp_ref,
                               std::optional<int64_t> milestone_id, PaymentKind kind,
                               std::optional<int64_t> retry_of = std::nullopt);
// The CLOSED event's data when the last milestone is paid.
std::string all_paid_event();

// The audit reason of every payout written, new or pending.
inline constexpr std::string_view kPayoutAudit = "EXECUTE_PAYOUT";
inline constexpr std::string_view kPaymentSentEvent = "PAYMENT_SENT";

// --- A PSP event about a payment (payment.settled / payment.failed) ---

struct PspEventDecision {
    Step<PaymentStatus> step;  // Apply: store step.to under step.audit_action
    EscrowMoney money{};         // a failed payment's money becomes to be repaid; a settled one is paid
    // An alert to raise, or none: PAYMENT_TO_REPAY (a payment failed: its money waits for
    // retry_payment), ESCROW_OVERDRAWN (a settlement took the escrow beyond its deposits: the PSP
    // is the authority on what moved) or PSP_EVENT_CONTRADICTS_PAYMENT (money never silently
    // un-settles: the status is kept).
    std::string_view alert_type;
    std::string_view alert_message;
    std::string alert_payload;  // JSON object
    std::string_view alert_audit;  // the audit reason of a contradiction's alert
    // An escrow event to append, or none: a payment that was never sent (PENDING) and that the PSP
    // settles or fails left the escrow without a PAYMENT_SENT: its timeline records it here.
    std::string_view event_kind;
    std::string event_data;
};

struct PspEventFacts {
    std::string event_id;
    std::string kind;
    std::string psp_ref;
};

PspEventDecision plan_psp_event(const EscrowState& escrow, const PaymentState& payment, PaymentEvent event,
                                const PspEventFacts& facts);

// --- retry_payment: a failed payment paid again ---

struct RetrySnapshot {
    EscrowState escrow;
    PaymentState payment;              // locked
    std::optional<int64_t> retried_by;  // the payment that already retries it
    std::string metadata{kNoMetadata};  // the payment's, as jsonb prints it: its retry carries it too
};

struct RetryDecision {
    bool replay = false;  // already retried: return retried_by
    EscrowMoney money{};    // to_repay -> paid (or refunded)
};

// A payment already retried returns its retry (whatever became of it); otherwise only an ERROR
// payment is retried (INVALID_TRANSITION), by a new SENT payment of the same kind, target and
// amount, paid from the money it left to be repaid: the escrow may have closed meanwhile.
RetryDecision plan_retry(const RetrySnapshot& s);

inline constexpr std::string_view kRetryAudit = "PAYMENT_RETRIED";

}  // namespace koba::core
