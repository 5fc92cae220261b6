// A payout's hand-off to the PSP (docs/payouts.md): every payment that becomes SENT is queued for
// a worker in the same transaction; a worker claims due payouts under a lease, sends each to the
// PSP with its psp_ref as the idempotency key, and reports it transmitted or failed. These are the
// decisions of that hand-off, pure: the payout store (src/store/payout_store.hpp) reads the rows
// under their locks and applies what is decided here. The states are transitions.hpp's
// TransmissionState, moved by transmission_step.
#pragma once

#include "core/escrow_state.hpp"
#include "core/payout_plan.hpp"
#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

// A payment in this status has its hand-off queued: SENT (a new payout, a release, a refund, a
// spend, a retry, or a PENDING payment executed). The store inserts its QUEUED row with it.
bool queues_transmission(PaymentStatus status) noexcept;
inline constexpr TransmissionState kQueuedTransmission = TransmissionState::Queued;

// The states a claim looks at, as an SQL array literal ("{QUEUED,CLAIMED}"); of these, the due
// ones: next_attempt_at <= now (the backoff's end for QUEUED, the lease's for CLAIMED).
const std::string& claimable_transmission_states();

// The settings the hand-off runs by (kobatela.payout_lease_s, kobatela.payout_max_attempts).
struct TransmissionLimits {
    int lease_s = 60;
    int max_attempts = 5;
};

// A payout's hand-off as its row holds it.
struct Transmission {
    int64_t payment_id = 0;
    TransmissionState state = TransmissionState::Queued;
    int attempts = 0;  // claims so far
    std::optional<std::string> last_error;
};

// What one step writes to the payout's row (store::write_transmission), as decided here.
struct TransmissionWrite {
    TransmissionState state = TransmissionState::Queued;
    std::string_view audit_action;          // the audit reason of the change
    int attempts = 0;
    std::optional<std::string> claimed_by;  // set: the worker that claims it now
    std::optional<int> lease_s;             // set: CLAIMED until now + lease_s (also when it is due next)
    std::optional<int> due_in_s;            // set (QUEUED again): due in this many seconds
    std::optional<std::string> last_error;  // set: the failed attempt's reason
    bool transmitted = false;               // set transmitted_at = now
};
// A step from `t`: the new state, the same attempts, no lease, nothing else changed.
TransmissionWrite write_of(const Transmission& t, const Step<TransmissionState>& step);

// Who is paid: MILESTONE and RELEASE the provider, REFUND the client (both users); PAYEE an allowed
// payee (none: the instruction names its payee_ref and label).
std::optional<int64_t> beneficiary_user_id(PaymentKind kind, int64_t client_id, int64_t provider_id) noexcept;

// The backoff before a failed attempt's payout is due again: 5 s after the first failure, doubled
// after each one, at most 15 minutes.
int retry_backoff_s(int attempts) noexcept;
inline constexpr int kFirstBackoffS = 5;
inline constexpr int kMaxBackoffS = 900;

// A failure's reason (last_error): at most this many characters of text, never empty.
inline constexpr std::size_t kMaxTransmissionReasonChars = 500;

// --- Giving a payout up (ABANDONED) ---
// The payment fails as if the PSP had failed it (plan_psp_event's PAYMENT_TO_REPAY path, reused),
// when it is still SENT (a webhook or a correction that decided it meanwhile is kept), and an
// alert PAYOUT_TRANSMISSION_FAILED names the payment, its attempts and the last reason.
struct AbandonDecision {
    std::optional<PspEventDecision> payment;  // none: the payment's status is kept
    std::string alert_payload;                // PAYOUT_TRANSMISSION_FAILED's
};
AbandonDecision plan_abandon(const EscrowState& escrow, const PaymentState& payment, const Transmission& t,
                             std::string_view why);
inline constexpr std::string_view kTransmissionFailedAlert = "PAYOUT_TRANSMISSION_FAILED";
inline constexpr std::string_view kTransmissionFailedMessage =
    "A payout could not be transmitted to the PSP: the payment failed and its amount is to be repaid (retry_payment).";

// --- claim_payouts ---
struct ClaimDecision {
    TransmissionWrite write;  // CLAIMED (attempts + 1, claimed_by, a new lease) or ABANDONED
    bool abandon() const { return write.state == TransmissionState::Abandoned; }
};
// A due payout is claimed by `worker` for one more attempt while attempts are left; else it is
// given up (the caller then needs the payment's escrow and plan_abandon).
ClaimDecision plan_claim(const Transmission& t, const TransmissionLimits& limits, std::string_view worker);
// How many payouts a claim may take: 1 to kMaxPageLimit (1000), the lists' bound (INVALID_LIMIT,
// saying claim_payouts' default, 10).
int64_t claim_batch(int64_t n);
inline constexpr int64_t kDefaultClaimBatch = 10;
// The worker's name: 1 to 100 characters of text (INVALID_ARGUMENT).
inline constexpr std::size_t kMaxWorkerNameChars = 100;

// --- payout_transmitted ---
struct TransmittedSnapshot {
    std::optional<std::string> payment_psp_ref;  // the payment's (none: never sent)
    std::optional<Transmission> transmission;    // locked; none: the payment was never queued
};
struct TransmittedDecision {
    std::optional<TransmissionWrite> write;  // TRANSMITTED; none: it already was
    std::string alert_payload;               // set: a payout given up was transmitted after all
};
// PSP_REF_MISMATCH when the reference reported is not the payment's (a worker acknowledging another
// payment), PAYOUT_NOT_QUEUED when the payment has no hand-off (never SENT, or SENT before 0.8.0
// and not queued by queue_payout); a report from QUEUED or CLAIMED (also after the lease expired:
// the PSP has it) transmits, a second one changes nothing; one about an ABANDONED payout is
// recorded with an alert PAYOUT_TRANSMITTED_AFTER_ABANDON (its payment failed and may be retried:
// the PSP's webhooks settle what really happened).
TransmittedDecision plan_transmitted(const TransmittedSnapshot& s, std::string_view reported_psp_ref);
inline constexpr std::string_view kTransmittedAfterAbandonAlert = "PAYOUT_TRANSMITTED_AFTER_ABANDON";
inline constexpr std::string_view kTransmittedAfterAbandonMessage =
    "A payout given up was reported transmitted after all: the PSP's webhook will settle or fail its payment.";

// --- payout_transmission_failed ---
struct FailureDecision {
    std::optional<TransmissionWrite> write;  // QUEUED (due after a backoff), ABANDONED; none: no change
    std::optional<AbandonDecision> abandon;
};
// PAYOUT_NOT_QUEUED without a hand-off. Only a CLAIMED payout's attempt fails (any other report changes nothing): back to the queue
// after retry_backoff_s while attempts are left, else given up (plan_abandon). `reason` is checked
// by the caller (require_text, kMaxTransmissionReasonChars).
FailureDecision plan_transmission_failed(const EscrowState& escrow, const PaymentState& payment,
                                         const std::optional<Transmission>& t, const TransmissionLimits& limits,
                                         std::string_view reason);

// --- queue_payout (an admin's hand: a payment SENT before 0.8.0, confirmed never paid by hand) ---
// A SENT payment without a hand-off is queued; one that has one returns it as it is; a payment in
// any other status is INVALID_TRANSITION (only a SENT payment waits for the PSP).
bool plan_queue_payout(PaymentStatus status, bool has_transmission);
inline constexpr std::string_view kQueuePayoutAudit = "PAYOUT_QUEUED";

// --- A PSP event about the payment (psp_webhook, correct_payment) ---
// The hand-off's step when the PSP settled or failed the payment (`payment_effect`: what the event
// did to it): it has it, so a QUEUED, CLAIMED or ABANDONED payout is TRANSMITTED; none without a
// hand-off, when it is already TRANSMITTED, or when the event changed nothing (a replay writes
// nothing).
std::optional<TransmissionWrite> transmission_on_psp_event(const std::optional<Transmission>& t, Effect payment_effect);

}  // namespace koba::core
