// Refunds of purchases (core/refund_plan): every branch of what the mandate gets back, and every
// refusal, in the order refund_purchase makes them.
#include "core/refund_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

constexpr int64_t kNow = 1'000'000'000;

RefundRequest request(int64_t cents = 1000, std::string reason = "damaged") {
    RefundRequest r;
    r.purchase_id = 7;
    r.cents = cents;
    r.reason = std::move(reason);
    return r;
}

// A purchase of 30.00 USD, `refunded` of it refunded already, under mandate 50 (total 100.00,
// `spent` spent, in `status`, expiring after kNow).
RefundSnapshot snapshot(int64_t refunded = 0, MandateStatus status = MandateStatus::Active, int64_t spent = 3000) {
    RefundSnapshot s;
    s.purchase.id = 7;
    s.purchase.cents = 3000;
    s.purchase.refunded = refunded;
    s.purchase.currency = "USD";
    s.purchase.minor_units = 2;
    s.purchase.mandate_id = 50;
    s.mandate = MandateState{status, 10000, spent, kNow + 1000};
    s.decided_at = kNow;
    return s;
}

FirstRefund first_of(const RefundRequest& r) { return FirstRefund{r.purchase_id, r.cents, r.reason}; }

}  // namespace

TEST(PlanRefund, GivesTheAmountBackToAnActiveMandate) {
    const RefundDecision d = plan_refund(snapshot(), request(1000));
    EXPECT_EQ(d.kind, RefundDecision::Kind::Refund);
    EXPECT_EQ(d.mandate_id, 50);
    EXPECT_EQ(d.total_spent, 2000);
    EXPECT_EQ(d.mandate.to, MandateStatus::Active);
    EXPECT_EQ(d.mandate.effect, Effect::Apply);
    EXPECT_EQ(d.mandate.audit_action, "PURCHASE_REFUNDED");
    EXPECT_FALSE(d.if_successor_active.has_value());
    EXPECT_EQ(d.audit_action, "PURCHASE_REFUNDED");
}

TEST(PlanRefund, InFullOrInPartsUpToThePurchaseAmount) {
    EXPECT_EQ(plan_refund(snapshot(), request(3000)).total_spent, 0);             // in full at once
    EXPECT_EQ(plan_refund(snapshot(2000), request(1000)).total_spent, 2000);      // the last part
    EXPECT_EQ(error_of([] { plan_refund(snapshot(2000), request(1001)); }), ErrorCode::REFUND_EXCEEDS_PURCHASE);
    EXPECT_EQ(error_of([] { plan_refund(snapshot(3000), request(1)); }), ErrorCode::REFUND_EXCEEDS_PURCHASE);
    EXPECT_EQ(error_of([] { plan_refund(snapshot(), request(3001)); }), ErrorCode::REFUND_EXCEEDS_PURCHASE);
    // The sum of the refunds beyond the money range is beyond the purchase too.
    EXPECT_EQ(error_of([] { plan_refund(snapshot(3000), request(999999999999999999)); }),
              ErrorCode::REFUND_EXCEEDS_PURCHASE);
    try {
        plan_refund(snapshot(2000), request(1500));
        ADD_FAILURE() << "an over-refund was accepted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.detail(), "The purchase is 30.00, of which 20.00 is refunded already; the refund is 15.00.");
    }
}

TEST(PlanRefund, AMandateThatSpentLessThanTheRefundIsRefusedNotOverdrawn) {
    // Books changed by hand: the refund would take total_spent below 0.
    EXPECT_EQ(error_of([] { plan_refund(snapshot(0, MandateStatus::Active, 500), request(1000)); }),
              ErrorCode::REFUND_EXCEEDS_PURCHASE);
    EXPECT_EQ(plan_refund(snapshot(0, MandateStatus::Active, 1000), request(1000)).total_spent, 0);
}

TEST(PlanRefund, AConsumedMandateWithMoneyAgainIsActiveAgain) {
    const RefundDecision d = plan_refund(snapshot(0, MandateStatus::Consumed, 10000), request(1000));
    EXPECT_EQ(d.total_spent, 9000);
    EXPECT_EQ(d.mandate.to, MandateStatus::Active);
    EXPECT_EQ(d.mandate.audit_action, "PURCHASE_REFUNDED");
    // Unless the unique index reveals an ACTIVE successor that committed after the snapshot.
    ASSERT_TRUE(d.if_successor_active.has_value());
    EXPECT_EQ(d.if_successor_active->to, MandateStatus::Consumed);
    EXPECT_EQ(d.if_successor_active->effect, Effect::Apply);
    EXPECT_EQ(d.if_successor_active->audit_action, "PURCHASE_REFUNDED");
}

TEST(PlanRefund, AConsumedMandateStaysConsumedBesideAnotherActiveOne) {
    RefundSnapshot s = snapshot(0, MandateStatus::Consumed, 10000);
    s.other_active_mandate = true;
    const RefundDecision d = plan_refund(s, request(1000));
    EXPECT_EQ(d.total_spent, 9000);
    EXPECT_EQ(d.mandate.to, MandateStatus::Consumed);
    EXPECT_EQ(d.mandate.effect, Effect::Apply);
    EXPECT_EQ(d.mandate.audit_action, "PURCHASE_REFUNDED");
    EXPECT_FALSE(d.if_successor_active.has_value());
}

TEST(PlanRefund, AConsumedMandateThatExpiredStaysConsumed) {
    RefundSnapshot s = snapshot(0, MandateStatus::Consumed, 10000);
    s.decided_at = s.mandate->expires_at;  // expired at the very moment the lock was granted
    const RefundDecision d = plan_refund(s, request(1000));
    EXPECT_EQ(d.total_spent, 9000);
    EXPECT_EQ(d.mandate.to, MandateStatus::Consumed);
    EXPECT_FALSE(d.if_successor_active.has_value());
    s.decided_at = s.mandate->expires_at - 1;  // one microsecond before: ACTIVE again
    EXPECT_EQ(plan_refund(s, request(1000)).mandate.to, MandateStatus::Active);
}

TEST(PlanRefund, AnExpiredMandateGetsTheMoneyBackAndStaysExpired) {
    const RefundDecision d = plan_refund(snapshot(0, MandateStatus::Expired, 3000), request(3000));
    EXPECT_EQ(d.total_spent, 0);
    EXPECT_EQ(d.mandate.to, MandateStatus::Expired);
    EXPECT_EQ(d.mandate.audit_action, "PURCHASE_REFUNDED");
    EXPECT_FALSE(d.if_successor_active.has_value());
}

TEST(PlanRefund, AnActiveMandatePastItsExpiryIsLeftToTheExpiryJob) {
    RefundSnapshot s = snapshot();
    s.decided_at = s.mandate->expires_at + 1;
    const RefundDecision d = plan_refund(s, request(1000));
    EXPECT_EQ(d.mandate.to, MandateStatus::Active);
    EXPECT_EQ(d.total_spent, 2000);
}

TEST(PlanRefund, TheAmountMustFitThePurchasesCurrency) {
    RefundSnapshot xof = snapshot();
    xof.purchase.currency = "XOF";
    xof.purchase.minor_units = 0;
    EXPECT_EQ(error_of([&] { plan_refund(xof, request(1050)); }), ErrorCode::FRACTIONAL_AMOUNT);
    EXPECT_EQ(error_of([&] { plan_refund(xof, request(1001)); }), ErrorCode::FRACTIONAL_AMOUNT);
    EXPECT_EQ(plan_refund(xof, request(1000)).total_spent, 2000);
    // Checked before the purchase's refunds: a fractional over-refund is FRACTIONAL_AMOUNT.
    EXPECT_EQ(error_of([&] { plan_refund(xof, request(999950)); }), ErrorCode::FRACTIONAL_AMOUNT);
}

TEST(PlanRefund, APurchaseMadeUnderNoMandateCannotBeRefunded) {
    RefundSnapshot s = snapshot();
    s.purchase.mandate_id.reset();
    s.mandate.reset();
    EXPECT_EQ(error_of([&] { plan_refund(s, request()); }), ErrorCode::MANDATE_REQUIRED);
}

TEST(PlanRefund, AKeysFirstRefundIsReplayedWhenItAskedForTheSameOne) {
    RefundSnapshot s;  // a replay reads nothing else
    s.first = first_of(request());
    EXPECT_EQ(plan_refund(s, request()).kind, RefundDecision::Kind::Replay);
    // Even once the purchase is refunded in full: the replay comes first.
    RefundSnapshot full = snapshot(3000);
    full.first = first_of(request());
    EXPECT_EQ(plan_refund(full, request()).kind, RefundDecision::Kind::Replay);

    EXPECT_EQ(error_of([&] { plan_refund(s, request(1001)); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(error_of([&] { plan_refund(s, request(1000, "another reason")); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    RefundRequest other_purchase = request();
    other_purchase.purchase_id = 8;
    EXPECT_EQ(error_of([&] { plan_refund(s, other_purchase); }), ErrorCode::IDEMPOTENCY_CONFLICT);
}

TEST(PlanRefund, ARefundWithTheKeyThatCommittedWhileThisOneWaitedIsReplayed) {
    RefundSnapshot s = snapshot(1000);  // that refund is counted already
    s.first_after_lock = first_of(request());
    EXPECT_EQ(plan_refund(s, request()).kind, RefundDecision::Kind::Replay);
    EXPECT_EQ(error_of([&] { plan_refund(s, request(500)); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    // A purchase refunded in full meanwhile: still the replay, not REFUND_EXCEEDS_PURCHASE.
    RefundSnapshot full = snapshot(3000);
    full.first_after_lock = first_of(request());
    EXPECT_EQ(plan_refund(full, request()).kind, RefundDecision::Kind::Replay);
}

TEST(PlanRefund, SameRefundMeansSamePurchaseAmountAndReason) {
    const RefundRequest r = request();
    EXPECT_EQ(error_of([&] { require_same_refund(first_of(r), r); }), std::nullopt);
    EXPECT_EQ(error_of([&] { require_same_refund(FirstRefund{7, 1000, "damaged "}, r); }),
              ErrorCode::IDEMPOTENCY_CONFLICT);
}
