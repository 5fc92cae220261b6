#include "core/transitions.hpp"

#include "core/errors.hpp"

#include <cstddef>
#include <iterator>
#include <string>

namespace koba::core {

namespace {

// --- Labels: index = enum value ---
template <class S>
struct Labels;
template <>
struct Labels<EscrowStatus> {
    static constexpr std::string_view names[] = {"DRAFT", "FUNDED", "RELEASABLE", "RELEASED", "REFUNDED", "CANCELLED"};
};
template <>
struct Labels<MilestoneStatus> {
    static constexpr std::string_view names[] = {"WAITING", "PENDING_REVIEW", "APPROVED", "REJECTED",
                                                 "PAYING",  "PAID",           "RELEASED", "CANCELLED"};
};
template <>
struct Labels<ProofStatus> {
    static constexpr std::string_view names[] = {"PENDING", "APPROVED", "REJECTED"};
};
template <>
struct Labels<PaymentStatus> {
    static constexpr std::string_view names[] = {"PENDING", "SENT", "SETTLED", "ERROR", "REFUNDED"};
};
template <>
struct Labels<PaymentKind> {
    static constexpr std::string_view names[] = {"MILESTONE", "PAYEE", "RELEASE", "REFUND"};
};
template <>
struct Labels<TransmissionState> {
    static constexpr std::string_view names[] = {"QUEUED", "CLAIMED", "TRANSMITTED", "ABANDONED"};
};
template <>
struct Labels<MandateStatus> {
    static constexpr std::string_view names[] = {"ACTIVE", "EXPIRED", "CONSUMED"};
};

template <class S>
std::string_view label_of(S s) {
    return Labels<S>::names[static_cast<std::size_t>(s)];
}

// --- The rule engine: the first row matching (from, event, fact) decides; no row = invalid. ---
enum class When : uint8_t { Always, IfFact };

template <class S, class E>
struct Rule {
    std::optional<S> from;  // unset: any status (rows further up take precedence)
    E event;
    When when;
    Effect effect;
    S to;
    std::string_view event_kind;
    std::string_view audit_action;
    std::optional<ErrorCode> refusal;  // set: the event is refused with this code
};

template <class S, class E>
constexpr Rule<S, E> moves(S from, E event, S to, std::string_view kind, std::string_view audit,
                           When when = When::Always) {
    return {from, event, when, Effect::Apply, to, kind, audit, std::nullopt};
}
// Rows that keep the status: allowed without effect, contradicting, or refused.
template <class S, class E>
constexpr Rule<S, E> keeps(std::optional<S> from, E event, Effect effect, std::optional<ErrorCode> refusal) {
    return {from, event, When::Always, effect, S{}, {}, {}, refusal};
}
template <class S, class E>
constexpr Rule<S, E> stays(S from, E event) { return keeps<S, E>(from, event, Effect::NoOp, std::nullopt); }
template <class S, class E>
constexpr Rule<S, E> contradicts(S from, E event) { return keeps<S, E>(from, event, Effect::Contradict, std::nullopt); }
template <class S, class E>
constexpr Rule<S, E> refuses(S from, E event, ErrorCode code) { return keeps<S, E>(from, event, Effect::NoOp, code); }
template <class S, class E>
constexpr Rule<S, E> otherwise_stays(E event) { return keeps<S, E>(std::nullopt, event, Effect::NoOp, std::nullopt); }
template <class S, class E>
constexpr Rule<S, E> otherwise_refuses(E event, ErrorCode code) { return keeps<S, E>(std::nullopt, event, Effect::NoOp, code); }

[[noreturn]] void refuse(ErrorCode code, std::string_view verb, std::string_view noun, std::string_view status) {
    std::string detail = "Cannot ";
    detail.append(verb).append(" ").append(noun).append(" in status ").append(status).append(".");
    if (code != ErrorCode::INVALID_TRANSITION) detail.append(" ").append(error_info(code).detail);
    throw Error(code, std::move(detail));
}

template <class S, class E, std::size_t N, std::size_t V>
Step<S> run(const Rule<S, E> (&rules)[N], const std::string_view (&verbs)[V], std::string_view noun,
            S from, E event, bool fact) {
    const std::string_view verb = verbs[static_cast<std::size_t>(event)];
    for (const Rule<S, E>& r : rules) {
        if ((r.from && *r.from != from) || r.event != event) continue;
        if (r.when == When::IfFact && !fact) continue;
        if (r.refusal) refuse(*r.refusal, verb, noun, label_of(from));
        if (r.effect != Effect::Apply) return {from, r.effect, {}, {}};
        return {r.to, r.effect, r.event_kind, r.audit_action};
    }
    refuse(ErrorCode::INVALID_TRANSITION, verb, noun, label_of(from));
}

// --- Escrow: spec section 3's table ---
using ES = EscrowStatus;
using EE = EscrowEvent;
constexpr std::string_view kEscrowVerbs[] = {"deposit into", "mark as delivered", "approve", "reject",
                                             "check the deadline of", "close"};
constexpr Rule<ES, EE> kEscrowRules[] = {
    moves(ES::Draft, EE::Deposit, ES::Funded, "DEPOSIT", "ESCROW_DEPOSITED", When::IfFact),
    moves(ES::Draft, EE::Deposit, ES::Draft, "DEPOSIT", "ESCROW_DEPOSITED"),
    moves(ES::Funded, EE::Deposit, ES::Funded, "DEPOSIT", "ESCROW_DEPOSITED"),  // never back to DRAFT
    refuses(ES::Released, EE::Deposit, ErrorCode::ESCROW_NOT_ACTIVE),
    refuses(ES::Refunded, EE::Deposit, ErrorCode::ESCROW_NOT_ACTIVE),
    refuses(ES::Cancelled, EE::Deposit, ErrorCode::ESCROW_NOT_ACTIVE),

    moves(ES::Funded, EE::MarkDelivered, ES::Releasable, "PROOF_UPLOADED", "ESCROW_PROOF_UPLOADED"),

    moves(ES::Funded, EE::ClientApprove, ES::Released, "CLIENT_APPROVED", "ESCROW_RELEASED"),
    moves(ES::Releasable, EE::ClientApprove, ES::Released, "CLIENT_APPROVED", "ESCROW_RELEASED"),

    // A DRAFT escrow with deposits is refunded: it cannot be cancelled with the client's money in it.
    moves(ES::Draft, EE::ClientReject, ES::Refunded, "CLIENT_REJECTED", "ESCROW_REJECTED", When::IfFact),
    moves(ES::Draft, EE::ClientReject, ES::Cancelled, "CLIENT_REJECTED", "ESCROW_CANCELLED"),
    moves(ES::Funded, EE::ClientReject, ES::Refunded, "CLIENT_REJECTED", "ESCROW_REJECTED"),
    moves(ES::Releasable, EE::ClientReject, ES::Refunded, "CLIENT_REJECTED", "ESCROW_REJECTED"),
    stays(ES::Released, EE::ClientReject),
    stays(ES::Refunded, EE::ClientReject),
    stays(ES::Cancelled, EE::ClientReject),

    moves(ES::Funded, EE::CheckDeadline, ES::Released, "CLIENT_APPROVED", "ESCROW_RELEASED", When::IfFact),
    otherwise_stays<ES>(EE::CheckDeadline),

    moves(ES::Draft, EE::AllMilestonesPaid, ES::Released, "CLOSED", "ESCROW_CLOSED"),
    moves(ES::Funded, EE::AllMilestonesPaid, ES::Released, "CLOSED", "ESCROW_CLOSED"),
    moves(ES::Releasable, EE::AllMilestonesPaid, ES::Released, "CLOSED", "ESCROW_CLOSED"),
    // A payout must not fail because the escrow already ended: a terminal status is kept.
    stays(ES::Released, EE::AllMilestonesPaid),
    stays(ES::Refunded, EE::AllMilestonesPaid),
    stays(ES::Cancelled, EE::AllMilestonesPaid),
};

// --- Milestone ---
using MS = MilestoneStatus;
using ME = MilestoneEvent;
constexpr std::string_view kMilestoneVerbs[] = {"submit a proof for", "submit a proof for", "approve",
                                                "reject", "start paying", "mark as paid"};
constexpr Rule<MS, ME> kMilestoneRules[] = {
    moves(MS::Waiting, ME::SubmitForReview, MS::PendingReview, {}, {}),
    moves(MS::Waiting, ME::AutoApprove, MS::Approved, {}, {}),
    moves(MS::PendingReview, ME::Approve, MS::Approved, {}, {}),
    moves(MS::PendingReview, ME::Reject, MS::Rejected, {}, {}),
    moves(MS::Approved, ME::StartPayout, MS::Paying, {}, {}),
    moves(MS::Approved, ME::Paid, MS::Paid, {}, {}),
    moves(MS::Paying, ME::Paid, MS::Paid, {}, {}),
    stays(MS::Paid, ME::Paid),  // a payout that found the milestone's payment already sent
    otherwise_refuses<MS>(ME::SubmitForReview, ErrorCode::MILESTONE_NOT_WAITING),
    otherwise_refuses<MS>(ME::AutoApprove, ErrorCode::MILESTONE_NOT_WAITING),
};

// --- Proof: decide_proof ---
using PS = ProofStatus;
using PE = ProofEvent;
constexpr std::string_view kProofVerbs[] = {"approve", "reject"};
constexpr Rule<PS, PE> kProofRules[] = {
    moves(PS::Pending, PE::Approve, PS::Approved, {}, "APPROVE_PROOF"),
    stays(PS::Approved, PE::Approve),
    refuses(PS::Rejected, PE::Approve, ErrorCode::PROOF_ALREADY_REJECTED),
    moves(PS::Pending, PE::Reject, PS::Rejected, {}, "REJECT_PROOF"),
    stays(PS::Rejected, PE::Reject),
    refuses(PS::Approved, PE::Reject, ErrorCode::PROOF_ALREADY_APPROVED),
};

// --- Payment ---
using YS = PaymentStatus;
using YE = PaymentEvent;
constexpr std::string_view kPaymentVerbs[] = {"pay out", "execute", "settle", "fail", "retry"};
constexpr Rule<YS, YE> kPaymentRules[] = {
    moves(YS::Pending, YE::Payout, YS::Sent, "PAYMENT_SENT", "EXECUTE_PAYOUT"),
    stays(YS::Sent, YE::Payout),
    stays(YS::Settled, YE::Payout),
    refuses(YS::Error, YE::Payout, ErrorCode::PAYMENT_IN_ERROR),

    moves(YS::Pending, YE::Execute, YS::Sent, "PAYMENT_SENT", "EXECUTE_PAYOUT"),
    stays(YS::Sent, YE::Execute),
    stays(YS::Settled, YE::Execute),
    stays(YS::Error, YE::Execute),
    stays(YS::Refunded, YE::Execute),

    // The PSP is the authority on whether money moved: a late "settled" after "failed" is believed.
    moves(YS::Pending, YE::Settle, YS::Settled, {}, "PAYMENT_SETTLED"),
    moves(YS::Sent, YE::Settle, YS::Settled, {}, "PAYMENT_SETTLED"),
    moves(YS::Error, YE::Settle, YS::Settled, {}, "PAYMENT_SETTLED"),
    stays(YS::Settled, YE::Settle),
    contradicts(YS::Refunded, YE::Settle),

    // Settled money is never un-settled by a webhook; a refund would be its own payment status.
    moves(YS::Pending, YE::Fail, YS::Error, {}, "PAYMENT_FAILED"),
    moves(YS::Sent, YE::Fail, YS::Error, {}, "PAYMENT_FAILED"),
    stays(YS::Error, YE::Fail),
    contradicts(YS::Settled, YE::Fail),
    contradicts(YS::Refunded, YE::Fail),

    // Only a failed payment is paid again; a retry is a new payment, the failed one keeps ERROR.
    stays(YS::Error, YE::Retry),
    otherwise_refuses<YS>(YE::Retry, ErrorCode::INVALID_TRANSITION),
};

// --- A payout's hand-off to the PSP ---
using TS = TransmissionState;
using TE = TransmissionEvent;
constexpr std::string_view kTransmissionVerbs[] = {"claim", "report as transmitted", "report as failed",
                                                   "settle or fail"};
constexpr Rule<TS, TE> kTransmissionRules[] = {
    // A due payout is handed to the worker that claims it, one attempt more; a CLAIMED one is due
    // when its lease expired (its worker is gone). Out of attempts, it is given up instead.
    moves(TS::Queued, TE::Claim, TS::Claimed, {}, "PAYOUT_CLAIMED", When::IfFact),
    moves(TS::Claimed, TE::Claim, TS::Claimed, {}, "PAYOUT_CLAIMED", When::IfFact),
    moves(TS::Queued, TE::Claim, TS::Abandoned, {}, "PAYOUT_ABANDONED"),
    moves(TS::Claimed, TE::Claim, TS::Abandoned, {}, "PAYOUT_ABANDONED"),

    // The PSP has it, whatever the lease says; also a payout given up meanwhile (the caller alerts).
    moves(TS::Queued, TE::Transmitted, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    moves(TS::Claimed, TE::Transmitted, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    moves(TS::Abandoned, TE::Transmitted, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    stays(TS::Transmitted, TE::Transmitted),

    // Only a claimed attempt fails: back to the queue after a backoff, or given up at the last one.
    // A report about a payout no worker holds changes nothing (a late or repeated report).
    moves(TS::Claimed, TE::Fail, TS::Queued, {}, "PAYOUT_TRANSMISSION_FAILED", When::IfFact),
    moves(TS::Claimed, TE::Fail, TS::Abandoned, {}, "PAYOUT_ABANDONED"),
    otherwise_stays<TS>(TE::Fail),

    // A webhook about the payment proves the PSP has it: no worker may send it again.
    moves(TS::Queued, TE::PspEvent, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    moves(TS::Claimed, TE::PspEvent, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    moves(TS::Abandoned, TE::PspEvent, TS::Transmitted, {}, "PAYOUT_TRANSMITTED"),
    stays(TS::Transmitted, TE::PspEvent),
};

// --- Usage mandate ---
using AS = MandateStatus;
using AE = MandateEvent;
constexpr std::string_view kMandateVerbs[] = {"spend from", "expire", "refund a purchase to"};
constexpr Rule<AS, AE> kMandateRules[] = {
    moves(AS::Active, AE::Consume, AS::Consumed, {}, "MANDATE_CONSUMED", When::IfFact),
    moves(AS::Active, AE::Consume, AS::Active, {}, "MANDATE_CONSUMED"),
    refuses(AS::Expired, AE::Consume, ErrorCode::MANDATE_CONFLICT),
    refuses(AS::Consumed, AE::Consume, ErrorCode::MANDATE_CONFLICT),
    moves(AS::Active, AE::Expire, AS::Expired, {}, "MANDATE_EXPIRED"),
    stays(AS::Expired, AE::Expire),
    stays(AS::Consumed, AE::Expire),
    // A refund always gives its amount back (total_spent goes down, in every status): a CONSUMED
    // mandate that has money again is ACTIVE again, unless it has expired or its successor is the
    // ACTIVE one; an EXPIRED one stays EXPIRED, and an ACTIVE one past its expiry is left to the job.
    moves(AS::Active, AE::Refund, AS::Active, {}, "PURCHASE_REFUNDED"),
    moves(AS::Consumed, AE::Refund, AS::Active, {}, "PURCHASE_REFUNDED", When::IfFact),
    moves(AS::Consumed, AE::Refund, AS::Consumed, {}, "PURCHASE_REFUNDED"),
    moves(AS::Expired, AE::Refund, AS::Expired, {}, "PURCHASE_REFUNDED"),
};

}  // namespace

std::string_view status_name(EscrowStatus s) noexcept { return label_of(s); }
std::string_view status_name(MilestoneStatus s) noexcept { return label_of(s); }
std::string_view status_name(ProofStatus s) noexcept { return label_of(s); }
std::string_view status_name(PaymentStatus s) noexcept { return label_of(s); }
std::string_view status_name(MandateStatus s) noexcept { return label_of(s); }
std::string_view status_name(PaymentKind k) noexcept { return label_of(k); }
std::string_view status_name(TransmissionState s) noexcept { return label_of(s); }

template <class Status>
std::optional<Status> parse_status(std::string_view label) noexcept {
    for (std::size_t i = 0; i < std::size(Labels<Status>::names); ++i) {
        if (Labels<Status>::names[i] == label) return static_cast<Status>(i);
    }
    return std::nullopt;
}
template std::optional<EscrowStatus> parse_status<EscrowStatus>(std::string_view) noexcept;
template std::optional<MilestoneStatus> parse_status<MilestoneStatus>(std::string_view) noexcept;
template std::optional<ProofStatus> parse_status<ProofStatus>(std::string_view) noexcept;
template std::optional<PaymentStatus> parse_status<PaymentStatus>(std::string_view) noexcept;
template std::optional<MandateStatus> parse_status<MandateStatus>(std::string_view) noexcept;
template std::optional<PaymentKind> parse_status<PaymentKind>(std::string_view) noexcept;
template std::optional<TransmissionState> parse_status<TransmissionState>(std::string_view) noexcept;

bool counts_as_paid(PaymentStatus s) noexcept { return s == YS::Sent || s == YS::Settled; }

bool is_terminal(EscrowStatus s) noexcept {
    return s == ES::Released || s == ES::Refunded || s == ES::Cancelled;
}

bool is_open(MilestoneStatus s) noexcept {
    return s == MS::Waiting || s == MS::PendingReview || s == MS::Approved || s == MS::Paying;
}

namespace {

// The labels of the statuses `pred` holds for, as an SQL array literal: "{A,B}".
template <class S, class Pred>
std::string sql_array_of(Pred pred) {
    std::string list = "{";
    for (std::size_t i = 0; i < std::size(Labels<S>::names); ++i) {
        if (!pred(static_cast<S>(i))) continue;
        if (list.size() > 1) list += ',';
        list += Labels<S>::names[i];
    }
    return list + "}";
}

}  // namespace

const std::string& open_milestone_statuses() {
    static const std::string list = sql_array_of<MilestoneStatus>(is_open);
    return list;
}

const std::string& paid_payment_statuses() {
    static const std::string list = sql_array_of<PaymentStatus>(counts_as_paid);
    return list;
}

Step<EscrowStatus> escrow_create() noexcept {
    return {ES::Draft, Effect::Apply, "CREATED", "ESCROW_CREATED"};
}

Step<EscrowStatus> escrow_step(EscrowStatus from, EscrowEvent event, EscrowFacts facts) {
    const bool fact = event == EE::Deposit         ? facts.deposits_reach_total
                      : event == EE::CheckDeadline ? facts.deadline_passed
                      : event == EE::ClientReject  ? facts.has_deposits
                                                   : false;
    return run(kEscrowRules, kEscrowVerbs, "an escrow", from, event, fact);
}

Step<MilestoneStatus> milestone_step(MilestoneStatus from, MilestoneEvent event) {
    return run(kMilestoneRules, kMilestoneVerbs, "a milestone", from, event, false);
}

Step<ProofStatus> proof_step(ProofStatus from, ProofEvent event) {
    return run(kProofRules, kProofVerbs, "a proof", from, event, false);
}

Step<PaymentStatus> payment_step(PaymentStatus from, PaymentEvent event) {
    return run(kPaymentRules, kPaymentVerbs, "a payment", from, event, false);
}

Step<TransmissionState> transmission_step(TransmissionState from, TransmissionEvent event, bool attempts_left) {
    return run(kTransmissionRules, kTransmissionVerbs, "a payout", from, event, attempts_left);
}

Step<MandateStatus> mandate_step(MandateStatus from, MandateEvent event, MandateFacts facts) {
    const bool fact = event == AE::Consume ? facts.reaches_total
                      : event == AE::Refund ? facts.may_reactivate
                                            : false;
    return run(kMandateRules, kMandateVerbs, "a mandate", from, event, fact);
}

}  // namespace koba::core
