#include "core/payout_transmission.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/pagination.hpp"

#include <algorithm>

namespace koba::core {

bool queues_transmission(PaymentStatus status) noexcept { return status == PaymentStatus::Sent; }

const std::string& claimable_transmission_states() {
    static const std::string list = "{" + std::string(status_name(TransmissionState::Queued)) + "," +
                                    std::string(status_name(TransmissionState::Claimed)) + "}";
    return list;
}

TransmissionWrite write_of(const Transmission& t, const Step<TransmissionState>& step) {
    TransmissionWrite w;
    w.state = step.to;
    w.audit_action = step.audit_action;
    w.attempts = t.attempts;
    w.transmitted = step.to == TransmissionState::Transmitted;
    return w;
}

std::optional<int64_t> beneficiary_user_id(PaymentKind kind, int64_t client_id, int64_t provider_id) noexcept {
    switch (kind) {
        case PaymentKind::Milestone:
        case PaymentKind::Release: return provider_id;
        case PaymentKind::Refund: return client_id;
        case PaymentKind::Payee: break;
    }
    return std::nullopt;
}

int retry_backoff_s(int attempts) noexcept {
    int backoff = kFirstBackoffS;
    for (int i = 1; i < attempts && backoff < kMaxBackoffS; ++i) backoff *= 2;
    return std::min(backoff, kMaxBackoffS);
}

AbandonDecision plan_abandon(const EscrowState& escrow, const PaymentState& payment, const Transmission& t,
                             std::string_view why) {
    AbandonDecision d;
    // Exactly what a PSP's "failed" does, when it would apply: a payment the PSP (or an admin)
    // already decided keeps its status.
    if (payment_step(payment.status, PaymentEvent::Fail).effect == Effect::Apply)
        d.payment = plan_psp_event(escrow, payment, PaymentEvent::Fail,
                                   {"transmission:" + std::to_string(payment.id), "payout.abandoned", ""});
    JsonObject alert;
    alert.add_int("payment_id", payment.id).add_int("escrow_id", escrow.id).add_int("attempts", t.attempts);
    t.last_error ? alert.add("last_error", *t.last_error) : alert.add_null("last_error");
    alert.add("why", why).add("payment_status", status_name(d.payment ? d.payment->step.to : payment.status));
    d.alert_payload = alert.str();
    return d;
}

int64_t claim_batch(int64_t n) {
    if (n < 1 || n > kMaxPageLimit)
        throw Error(ErrorCode::INVALID_LIMIT, "n must be between 1 and " + std::to_string(kMaxPageLimit) +
                                                  " (default " + std::to_string(kDefaultClaimBatch) + ").");
    return n;
}

ClaimDecision plan_claim(const Transmission& t, const TransmissionLimits& limits, std::string_view worker) {
    ClaimDecision d;
    d.write = write_of(t, transmission_step(t.state, TransmissionEvent::Claim, t.attempts < limits.max_attempts));
    if (d.abandon()) return d;
    d.write.attempts = t.attempts + 1;
    d.write.claimed_by = std::string(worker);
    d.write.lease_s = limits.lease_s;
    return d;
}

TransmittedDecision plan_transmitted(const TransmittedSnapshot& s, std::string_view reported_psp_ref) {
    if (!s.payment_psp_ref || *s.payment_psp_ref != reported_psp_ref) throw Error(ErrorCode::PSP_REF_MISMATCH);
    if (!s.transmission) throw Error(ErrorCode::PAYOUT_NOT_QUEUED);
    TransmittedDecision d;
    const Step<TransmissionState> step = transmission_step(s.transmission->state, TransmissionEvent::Transmitted);
    if (step.effect != Effect::Apply) return d;
    d.write = write_of(*s.transmission, step);
    if (s.transmission->state == TransmissionState::Abandoned)
        d.alert_payload = JsonObject()
                              .add_int("payment_id", s.transmission->payment_id)
                              .add("psp_ref", reported_psp_ref)
                              .add_int("attempts", s.transmission->attempts)
                              .str();
    return d;
}

FailureDecision plan_transmission_failed(const EscrowState& escrow, const PaymentState& payment,
                                         const std::optional<Transmission>& queued, const TransmissionLimits& limits,
                                         std::string_view reason) {
    if (!queued) throw Error(ErrorCode::PAYOUT_NOT_QUEUED);
    const Transmission& t = *queued;
    FailureDecision d;
    const Step<TransmissionState> step =
        transmission_step(t.state, TransmissionEvent::Fail, t.attempts < limits.max_attempts);
    if (step.effect != Effect::Apply) return d;
    d.write = write_of(t, step);
    d.write->last_error = std::string(reason);
    if (step.to == TransmissionState::Queued) {
        d.write->due_in_s = retry_backoff_s(t.attempts);
    } else {
        Transmission failed = t;
        failed.last_error = d.write->last_error;
        d.abandon = plan_abandon(escrow, payment, failed, "attempts_exhausted");
    }
    return d;
}

bool plan_queue_payout(PaymentStatus status, bool has_transmission) {
    if (has_transmission) return false;
    if (!queues_transmission(status))
        throw Error(ErrorCode::INVALID_TRANSITION,
                    "Cannot queue a payout in status " + std::string(status_name(status)) +
                        ": only a SENT payment waits for the PSP.");
    return true;
}

std::optional<TransmissionWrite> transmission_on_psp_event(const std::optional<Transmission>& t, Effect payment_effect) {
    if (!t || payment_effect == Effect::NoOp) return std::nullopt;
    const Step<TransmissionState> step = transmission_step(t->state, TransmissionEvent::PspEvent);
    if (step.effect != Effect::Apply) return std::nullopt;
    return write_of(*t, step);
}

}  // namespace koba::core
