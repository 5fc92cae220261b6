// The payout hand-off's decisions (core/payout_transmission): what a claim, a report of either kind,
// a PSP event and queue_payout write, and what giving a payout up does to its payment.
#include "core/payout_transmission.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

EscrowState escrow() {
    EscrowState e;
    e.id = 7;
    e.client_id = 1;
    e.provider_id = 2;
    e.amount_total = 10000;
    e.deposited = 10000;
    e.paid = 2500;
    e.status = EscrowStatus::Released;
    return e;
}

PaymentState payment(PaymentStatus status = PaymentStatus::Sent) {
    PaymentState p;
    p.id = 42;
    p.escrow_id = 7;
    p.cents = 2500;
    p.status = status;
    p.kind = PaymentKind::Release;
    return p;
}

Transmission transmission(TransmissionState state, int attempts, std::optional<std::string> last_error = {}) {
    return {42, state, attempts, std::move(last_error)};
}

const TransmissionLimits kLimits{60, 3};

}  // namespace

TEST(PayoutTransmission, OnlyASentPaymentIsQueued) {
    EXPECT_TRUE(queues_transmission(PaymentStatus::Sent));
    for (PaymentStatus s : {PaymentStatus::Pending, PaymentStatus::Settled, PaymentStatus::Error, PaymentStatus::Refunded})
        EXPECT_FALSE(queues_transmission(s)) << status_name(s);
    EXPECT_EQ(claimable_transmission_states(), "{QUEUED,CLAIMED}");
}

TEST(PayoutTransmission, TheBeneficiaryFollowsTheKind) {
    EXPECT_EQ(beneficiary_user_id(PaymentKind::Milestone, 1, 2), 2);
    EXPECT_EQ(beneficiary_user_id(PaymentKind::Release, 1, 2), 2);
    EXPECT_EQ(beneficiary_user_id(PaymentKind::Refund, 1, 2), 1);
    EXPECT_FALSE(beneficiary_user_id(PaymentKind::Payee, 1, 2).has_value());  // the payee_ref says who
}

TEST(PayoutTransmission, BackoffDoublesFromFiveSecondsUpToFifteenMinutes) {
    EXPECT_EQ(retry_backoff_s(1), 5);
    EXPECT_EQ(retry_backoff_s(2), 10);
    EXPECT_EQ(retry_backoff_s(3), 20);
    EXPECT_EQ(retry_backoff_s(8), 640);
    EXPECT_EQ(retry_backoff_s(9), 900);
    EXPECT_EQ(retry_backoff_s(100), 900);
    EXPECT_EQ(retry_backoff_s(0), 5);
}

TEST(PayoutTransmission, AClaimTakesOneToAThousand) {
    EXPECT_EQ(claim_batch(1), 1);
    EXPECT_EQ(claim_batch(1000), 1000);
    for (int64_t n : {0, -1, 1001})
        EXPECT_EQ(error_of([n] { claim_batch(n); }), ErrorCode::INVALID_LIMIT) << n;
}

TEST(PayoutTransmission, AClaimTakesOneMoreAttemptUnderALease) {
    for (TransmissionState from : {TransmissionState::Queued, TransmissionState::Claimed}) {
        const ClaimDecision d = plan_claim(transmission(from, 2), kLimits, "w1");
        EXPECT_FALSE(d.abandon());
        EXPECT_EQ(d.write.state, TransmissionState::Claimed);
        EXPECT_EQ(d.write.audit_action, "PAYOUT_CLAIMED");
        EXPECT_EQ(d.write.attempts, 3);
        EXPECT_EQ(d.write.claimed_by, "w1");
        EXPECT_EQ(d.write.lease_s, 60);
        EXPECT_FALSE(d.write.transmitted);
    }
}

TEST(PayoutTransmission, AClaimOutOfAttemptsGivesThePayoutUp) {
    // Its lease expired after the last attempt: the worker died on it every time.
    const ClaimDecision d = plan_claim(transmission(TransmissionState::Claimed, 3), kLimits, "w1");
    EXPECT_TRUE(d.abandon());
    EXPECT_EQ(d.write.audit_action, "PAYOUT_ABANDONED");
    EXPECT_EQ(d.write.attempts, 3);
    EXPECT_FALSE(d.write.claimed_by.has_value());
    EXPECT_FALSE(d.write.lease_s.has_value());
    // Fewer attempts allowed than a queued row already had (the setting lowered): given up too.
    EXPECT_TRUE(plan_claim(transmission(TransmissionState::Queued, 4), kLimits, "w1").abandon());
}

TEST(PayoutTransmission, GivingUpFailsThePaymentAsThePspWould) {
    const AbandonDecision d =
        plan_abandon(escrow(), payment(), transmission(TransmissionState::Claimed, 3, "HTTP 500"), "lease_expired");
    ASSERT_TRUE(d.payment.has_value());
    const PspEventDecision webhook = plan_psp_event(escrow(), payment(), PaymentEvent::Fail, {"x", "y", ""});
    EXPECT_EQ(d.payment->step.to, PaymentStatus::Error);
    EXPECT_EQ(d.payment->step.audit_action, webhook.step.audit_action);
    EXPECT_EQ(d.payment->money.paid, webhook.money.paid);
    EXPECT_EQ(d.payment->money.to_repay, webhook.money.to_repay);
    EXPECT_EQ(d.payment->money.to_repay, 2500);
    EXPECT_EQ(d.payment->alert_type, "PAYMENT_TO_REPAY");
    EXPECT_EQ(d.alert_payload,
              R"({"payment_id":42,"escrow_id":7,"attempts":3,"last_error":"HTTP 500","why":"lease_expired","payment_status":"ERROR"})");
}

TEST(PayoutTransmission, GivingUpKeepsAStatusThePspAlreadyDecided) {
    for (PaymentStatus s : {PaymentStatus::Settled, PaymentStatus::Error, PaymentStatus::Refunded}) {
        const AbandonDecision d = plan_abandon(escrow(), payment(s), transmission(TransmissionState::Claimed, 3), "x");
        EXPECT_FALSE(d.payment.has_value()) << status_name(s);
        EXPECT_NE(d.alert_payload.find(R"("last_error":null)"), std::string::npos);
    }
}

TEST(PayoutTransmission, TransmittedNeedsThePaymentsOwnReference) {
    TransmittedSnapshot s{"PSP-1", transmission(TransmissionState::Claimed, 1)};
    EXPECT_EQ(error_of([&] { plan_transmitted(s, "PSP-2"); }), ErrorCode::PSP_REF_MISMATCH);
    EXPECT_EQ(error_of([&] { plan_transmitted(s, ""); }), ErrorCode::PSP_REF_MISMATCH);
    s.payment_psp_ref.reset();  // a PENDING payment has none
    EXPECT_EQ(error_of([&] { plan_transmitted(s, "PSP-1"); }), ErrorCode::PSP_REF_MISMATCH);
    TransmittedSnapshot unqueued{"PSP-1", std::nullopt};
    EXPECT_EQ(error_of([&] { plan_transmitted(unqueued, "PSP-1"); }), ErrorCode::PAYOUT_NOT_QUEUED);
}

TEST(PayoutTransmission, TransmittedFromEveryStateThatIsNotYet) {
    for (TransmissionState from : {TransmissionState::Queued, TransmissionState::Claimed}) {
        const TransmittedDecision d = plan_transmitted({"PSP-1", transmission(from, 1)}, "PSP-1");
        ASSERT_TRUE(d.write.has_value());
        EXPECT_EQ(d.write->state, TransmissionState::Transmitted);
        EXPECT_TRUE(d.write->transmitted);
        EXPECT_FALSE(d.write->lease_s.has_value());  // the lease ends
        EXPECT_EQ(d.write->attempts, 1);
        EXPECT_TRUE(d.alert_payload.empty());
    }
    // Again: nothing written.
    EXPECT_FALSE(plan_transmitted({"PSP-1", transmission(TransmissionState::Transmitted, 1)}, "PSP-1").write);
    // Given up meanwhile, yet the PSP has it: recorded, with an alert.
    const TransmittedDecision late = plan_transmitted({"PSP-1", transmission(TransmissionState::Abandoned, 3)}, "PSP-1");
    ASSERT_TRUE(late.write.has_value());
    EXPECT_EQ(late.write->state, TransmissionState::Transmitted);
    EXPECT_EQ(late.alert_payload, R"({"payment_id":42,"psp_ref":"PSP-1","attempts":3})");
}

TEST(PayoutTransmission, AFailedAttemptIsQueuedAgainAfterABackoff) {
    const FailureDecision d =
        plan_transmission_failed(escrow(), payment(), transmission(TransmissionState::Claimed, 2), kLimits, "HTTP 503");
    ASSERT_TRUE(d.write.has_value());
    EXPECT_EQ(d.write->state, TransmissionState::Queued);
    EXPECT_EQ(d.write->audit_action, "PAYOUT_TRANSMISSION_FAILED");
    EXPECT_EQ(d.write->due_in_s, 10);
    EXPECT_FALSE(d.write->lease_s.has_value());
    EXPECT_EQ(d.write->last_error, "HTTP 503");
    EXPECT_EQ(d.write->attempts, 2);
    EXPECT_FALSE(d.abandon.has_value());
}

TEST(PayoutTransmission, TheLastFailedAttemptGivesThePayoutUp) {
    const FailureDecision d =
        plan_transmission_failed(escrow(), payment(), transmission(TransmissionState::Claimed, 3), kLimits, "HTTP 503");
    ASSERT_TRUE(d.write.has_value());
    EXPECT_EQ(d.write->state, TransmissionState::Abandoned);
    EXPECT_EQ(d.write->last_error, "HTTP 503");
    ASSERT_TRUE(d.abandon.has_value());
    ASSERT_TRUE(d.abandon->payment.has_value());
    EXPECT_EQ(d.abandon->payment->step.to, PaymentStatus::Error);
    EXPECT_NE(d.abandon->alert_payload.find(R"("last_error":"HTTP 503","why":"attempts_exhausted")"), std::string::npos);
}

TEST(PayoutTransmission, AFailureReportAboutAPayoutNoWorkerHoldsChangesNothing) {
    for (TransmissionState from : {TransmissionState::Queued, TransmissionState::Transmitted, TransmissionState::Abandoned}) {
        const FailureDecision d = plan_transmission_failed(escrow(), payment(), transmission(from, 3), kLimits, "late");
        EXPECT_FALSE(d.write.has_value()) << status_name(from);
        EXPECT_FALSE(d.abandon.has_value());
    }
    EXPECT_EQ(error_of([] { plan_transmission_failed(escrow(), payment(), std::nullopt, kLimits, "x"); }),
              ErrorCode::PAYOUT_NOT_QUEUED);
}

TEST(PayoutTransmission, APspEventProvesThePspHasIt) {
    for (TransmissionState from : {TransmissionState::Queued, TransmissionState::Claimed, TransmissionState::Abandoned}) {
        for (Effect effect : {Effect::Apply, Effect::Contradict}) {
            const std::optional<TransmissionWrite> w = transmission_on_psp_event(transmission(from, 1), effect);
            ASSERT_TRUE(w.has_value()) << status_name(from);
            EXPECT_EQ(w->state, TransmissionState::Transmitted);
            EXPECT_TRUE(w->transmitted);
        }
        // An event that changes nothing (a replay) writes nothing.
        EXPECT_FALSE(transmission_on_psp_event(transmission(from, 1), Effect::NoOp).has_value());
    }
    EXPECT_FALSE(transmission_on_psp_event(transmission(TransmissionState::Transmitted, 1), Effect::Apply));
    EXPECT_FALSE(transmission_on_psp_event(std::nullopt, Effect::Apply));  // paid before 0.8.0
}

TEST(PayoutTransmission, QueuePayoutQueuesOnlyASentPaymentWithoutOne) {
    EXPECT_TRUE(plan_queue_payout(PaymentStatus::Sent, false));
    EXPECT_FALSE(plan_queue_payout(PaymentStatus::Sent, true));
    EXPECT_FALSE(plan_queue_payout(PaymentStatus::Settled, true));  // queued, then settled: returned as is
    for (PaymentStatus s : {PaymentStatus::Pending, PaymentStatus::Settled, PaymentStatus::Error, PaymentStatus::Refunded})
        EXPECT_EQ(error_of([s] { plan_queue_payout(s, false); }), ErrorCode::INVALID_TRANSITION) << status_name(s);
}
