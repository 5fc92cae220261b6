// correct_payment's decision (core/payment_correction.hpp): only SETTLED or ERROR, a reason, the
// webhook's decision with a contradiction refused and the audit reason PAYMENT_CORRECTED.
#include "core/payment_correction.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;
using koba::test::error_of;

namespace {

EscrowState escrow() {
    EscrowState e;
    e.id = 7;
    e.deposited = 10000;
    e.paid = 2500;
    return e;
}

PaymentState payment(PaymentStatus status) {
    PaymentState p;
    p.id = 42;
    p.escrow_id = 7;
    p.cents = 2500;
    p.status = status;
    p.kind = PaymentKind::Release;
    return p;
}

std::string corrected(PaymentStatus from, PaymentStatus to, PspEventDecision* d) {
    const PaymentState p = payment(from);
    *d = plan_psp_event(escrow(), p, correction_event(to), correction_facts(p));
    return correct_decision(d, p, "PSP ticket 1");
}

}  // namespace

TEST(PaymentCorrection, OnlySettledOrError) {
    EXPECT_EQ(correction_event(PaymentStatus::Settled), PaymentEvent::Settle);
    EXPECT_EQ(correction_event(PaymentStatus::Error), PaymentEvent::Fail);
    for (const PaymentStatus s : {PaymentStatus::Pending, PaymentStatus::Sent, PaymentStatus::Refunded})
        EXPECT_EQ(error_of([&] { correction_event(s); }), ErrorCode::INVALID_ARGUMENT);
}

TEST(PaymentCorrection, ReasonIsRequiredAndBounded) {
    EXPECT_EQ(error_of([] { require_correction_reason("PSP ticket 1"); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_correction_reason(std::string(500, 'x')); }), std::nullopt);
    for (const std::string& bad : {std::string(), std::string("   "), std::string(501, 'x'), std::string("a\nb")})
        EXPECT_EQ(error_of([&] { require_correction_reason(bad); }), ErrorCode::INVALID_ARGUMENT) << bad;
}

TEST(PaymentCorrection, AppliedAsTheWebhookWouldUnderItsOwnAuditReason) {
    PspEventDecision d;
    const std::string event = corrected(PaymentStatus::Sent, PaymentStatus::Error, &d);
    EXPECT_EQ(d.step.effect, Effect::Apply);
    EXPECT_EQ(d.step.to, PaymentStatus::Error);
    EXPECT_EQ(d.step.audit_action, kPaymentCorrectedAudit);
    const PaymentState p = payment(PaymentStatus::Sent);
    const PspEventDecision webhook = plan_psp_event(escrow(), p, PaymentEvent::Fail, correction_facts(p));
    EXPECT_EQ(d.money.paid, webhook.money.paid) << "the counters move as the webhook moves them";
    EXPECT_EQ(d.money.to_repay, webhook.money.to_repay);
    EXPECT_EQ(d.money.to_repay, p.cents);  // a failure is to be repaid, as from the PSP
    EXPECT_EQ(event, R"({"payment_id":42,"from":"SENT","to":"ERROR","reason":"PSP ticket 1"})");

    corrected(PaymentStatus::Error, PaymentStatus::Settled, &d);
    EXPECT_EQ(d.step.effect, Effect::Apply);
    EXPECT_EQ(d.step.audit_action, kPaymentCorrectedAudit);
}

TEST(PaymentCorrection, AReplayWritesNothing) {
    PspEventDecision d;
    EXPECT_EQ(corrected(PaymentStatus::Settled, PaymentStatus::Settled, &d), "");
    EXPECT_EQ(d.step.effect, Effect::NoOp);
    EXPECT_EQ(corrected(PaymentStatus::Error, PaymentStatus::Error, &d), "");
}

TEST(PaymentCorrection, AFinalStatusIsNotContradicted) {
    PspEventDecision d;
    EXPECT_EQ(error_of([&] { corrected(PaymentStatus::Settled, PaymentStatus::Error, &d); }),
              ErrorCode::INVALID_TRANSITION);
    EXPECT_EQ(error_of([&] { corrected(PaymentStatus::Refunded, PaymentStatus::Settled, &d); }),
              ErrorCode::INVALID_TRANSITION);
}
