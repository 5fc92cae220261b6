// The state machines of escrows, milestones, proofs, payments and mandates (spec sections 3-6), as
// data: from a status, may an event happen, to which status, and what does it record?
//
// Statuses are spelled as the SQL enums (escrow_status, milestone_status, ...). An event the
// tables do not allow throws Error(INVALID_TRANSITION, "Cannot <event> <entity> in status <X>."),
// or the more specific code the spec names for it (ESCROW_NOT_ACTIVE, MILESTONE_NOT_WAITING,
// PROOF_ALREADY_APPROVED, PROOF_ALREADY_REJECTED, PAYMENT_IN_ERROR, MANDATE_CONFLICT), whose
// sentence then follows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

enum class EscrowStatus : uint8_t { Draft, Funded, Releasable, Released, Refunded, Cancelled };
enum class MilestoneStatus : uint8_t { Waiting, PendingReview, Approved, Rejected, Paying, Paid, Released, Cancelled };
enum class ProofStatus : uint8_t { Pending, Approved, Rejected };
enum class PaymentStatus : uint8_t { Pending, Sent, Settled, Error, Refunded };
enum class MandateStatus : uint8_t { Active, Expired, Consumed };
// What a payment pays (kobatela.payment_kind), and so to whom: MILESTONE and RELEASE the provider,
// PAYEE an allowed payee, REFUND the client.
enum class PaymentKind : uint8_t { Milestone, Payee, Release, Refund };
// Where a SENT payment's hand-off to the PSP is (kobatela.transmission_state, docs/payouts.md):
// waiting for a worker, claimed by one under a lease, accepted by the PSP, or given up.
enum class TransmissionState : uint8_t { Queued, Claimed, Transmitted, Abandoned };

// "DRAFT", "PENDING_REVIEW", ...: the SQL enum label.
std::string_view status_name(EscrowStatus s) noexcept;
std::string_view status_name(MilestoneStatus s) noexcept;
std::string_view status_name(ProofStatus s) noexcept;
std::string_view status_name(PaymentStatus s) noexcept;
std::string_view status_name(MandateStatus s) noexcept;
std::string_view status_name(PaymentKind k) noexcept;
std::string_view status_name(TransmissionState s) noexcept;

// The status whose SQL label is exactly `label` (case-sensitive, like the enums), e.g.
// parse_status<EscrowStatus>("FUNDED"). Instantiated for the five status enums, PaymentKind and
// TransmissionState.
template <class Status>
std::optional<Status> parse_status(std::string_view label) noexcept;

// RELEASED, REFUNDED, CANCELLED.
bool is_terminal(EscrowStatus s) noexcept;
// Whether a payment in this status took money out of its escrow (SENT, SETTLED): what the escrow's
// paid_amount sums.
bool counts_as_paid(PaymentStatus s) noexcept;
// The same as an SQL array literal, "{SENT,SETTLED}", for a store's
// `status = ANY ($n::kobatela.payment_status[])`.
const std::string& paid_payment_statuses();
// WAITING, PENDING_REVIEW, APPROVED, PAYING: the lowest-idx open milestone is the current one.
bool is_open(MilestoneStatus s) noexcept;
// The open statuses as an SQL array literal, "{WAITING,PENDING_REVIEW,APPROVED,PAYING}", for a
// store's `status = ANY ($n::kobatela.milestone_status[])`.
const std::string& open_milestone_statuses();

enum class Effect : uint8_t {
    Apply,       // store `to` (it may equal the current status) and write the named event/audit row
    NoOp,        // allowed and changes nothing: return the row as it is, write nothing
    Contradict,  // a PSP event contradicting a final payment status: keep the status, store the
                 // webhook event, write no audit row (worth an alert)
};

template <class Status>
struct Step {
    Status to;
    Effect effect;
    std::string_view event_kind;    // escrow_events.kind to append; empty for none
    std::string_view audit_action;  // audit_log.action to append; empty for none
};

// --- Escrow (spec section 3) ---
enum class EscrowEvent : uint8_t {
    Deposit,            // escrow_deposit
    MarkDelivered,      // escrow_mark_delivered
    ClientApprove,      // escrow_client_approve
    ClientReject,       // escrow_client_reject
    CheckDeadline,      // escrow_check_deadline
    AllMilestonesPaid,  // the payout of the last unpaid milestone
};

struct EscrowFacts {
    bool deposits_reach_total = false;  // Deposit: sum(deposits), this one included, >= amount_total
    bool deadline_passed = false;       // CheckDeadline: deadline_at <= now
    bool has_deposits = false;          // ClientReject: money was deposited (it is refunded, not cancelled)
};

// create_escrow: DRAFT, event CREATED, audit ESCROW_CREATED.
Step<EscrowStatus> escrow_create() noexcept;
Step<EscrowStatus> escrow_step(EscrowStatus from, EscrowEvent event, EscrowFacts facts = {});

// --- Milestone (spec section 4). Its steps write nothing themselves: the proof and payment steps
// of the same call name the rows. ---
enum class MilestoneEvent : uint8_t {
    SubmitForReview,  // submit_proof, manual review
    AutoApprove,      // submit_proof, auto-approved photo
    Approve,          // decide_proof approved
    Reject,           // decide_proof rejected
    StartPayout,      // the payout begins
    Paid,             // the payout is sent
};

Step<MilestoneStatus> milestone_step(MilestoneStatus from, MilestoneEvent event);

// --- Proof (spec section 4, decide_proof) ---
enum class ProofEvent : uint8_t { Approve, Reject };

// A new proof is APPROVED when its photo was auto-approved, else PENDING; audit SUBMIT_PROOF.
Step<ProofStatus> proof_step(ProofStatus from, ProofEvent event);

// --- Payment (spec section 5) ---
enum class PaymentEvent : uint8_t {
    Payout,   // the payout engine meets this payment by idempotency key (a new one starts PENDING)
    Execute,  // execute_payment
    Settle,   // PSP webhook payment.settled / payment_succeeded
    Fail,     // PSP webhook payment.failed / payment_failed
    Retry,    // retry_payment: a new payment pays a failed one again (this one keeps its status)
};

Step<PaymentStatus> payment_step(PaymentStatus from, PaymentEvent event);

// --- A payout's hand-off to the PSP (issue 16): payout_transmissions.state ---
enum class TransmissionEvent : uint8_t {
    Claim,        // claim_payouts meets it due (QUEUED after its backoff, CLAIMED after its lease)
    Transmitted,  // payout_transmitted: the PSP accepted the instruction
    Fail,         // payout_transmission_failed: the attempt failed
    PspEvent,     // a PSP webhook (or correct_payment) settled or failed the payment: the PSP has it
};

// The fact of Claim and Fail: attempts are left (attempts < kobatela.payout_max_attempts).
// Without one, the payout is ABANDONED.
Step<TransmissionState> transmission_step(TransmissionState from, TransmissionEvent event, bool attempts_left = false);

// --- Usage mandate (spec section 6) ---
enum class MandateEvent : uint8_t {
    Consume,  // create_purchase
    Expire,   // expire_mandates
    Refund,   // refund_purchase: the amount goes back to the mandate
};

struct MandateFacts {
    bool reaches_total = false;  // Consume: total_spent + amount == total_amount
    // Refund of a CONSUMED mandate: it has not expired, and no other ACTIVE mandate exists for its
    // sender, beneficiary and currency (usage_mandates_active_key), so it may be ACTIVE again.
    bool may_reactivate = false;
};

Step<MandateStatus> mandate_step(MandateStatus from, MandateEvent event, MandateFacts facts = {});

}  // namespace koba::core
