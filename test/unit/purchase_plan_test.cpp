// Mandates' and purchases' decisions (core/purchase_plan): every status and counter they write.
#include "core/purchase_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

constexpr int64_t kNow = 1'000'000'000;

PurchaseRequest request(int64_t cents = 1000) {
    PurchaseRequest r;
    r.sender_id = 1;
    r.beneficiary_id = 2;
    r.merchant_id = 30;
    r.cents = cents;
    r.currency = "USD";
    return r;
}

PurchaseSnapshot snapshot(int64_t total = 3000, int64_t spent = 0) {
    PurchaseSnapshot s;
    s.merchant_category_id = 4;
    s.merchant_certified = true;
    s.mandate = PurchaseSnapshot::Covering{50, {}};
    s.locked = MandateState{MandateStatus::Active, total, spent, kNow + 1000};
    s.decided_at = kNow;
    return s;
}

FirstPurchase first_of(const PurchaseRequest& r) {
    return FirstPurchase{r.beneficiary_id, r.merchant_id, r.cents, r.currency, 4, r.sender_id};
}

}  // namespace

TEST(PlanPurchase, ConsumesTheMandateAndStampsTheMerchantsCategory) {
    const PurchaseDecision d = plan_purchase(snapshot(), request());
    EXPECT_EQ(d.kind, PurchaseDecision::Kind::Buy);
    EXPECT_EQ(d.mandate_id, 50);
    EXPECT_EQ(d.category_id, 4);
    EXPECT_EQ(d.consumption.total_spent, 1000);
    EXPECT_EQ(d.consumption.status, MandateStatus::Active);
    EXPECT_EQ(d.consumption.audit_action, "MANDATE_CONSUMED");
    EXPECT_EQ(d.purchase_status, "COMPLETED");
    EXPECT_EQ(d.audit_action, "CREATE_PURCHASE");
}

TEST(PlanPurchase, SpendingExactlyWhatIsLeftConsumesTheMandate) {
    EXPECT_EQ(plan_purchase(snapshot(3000, 2000), request(1000)).consumption.status, MandateStatus::Consumed);
    EXPECT_EQ(error_of([] { plan_purchase(snapshot(3000, 2000), request(1001)); }), ErrorCode::MANDATE_CONFLICT);
}

TEST(PlanPurchase, ChecksComeInTheSpecsOrder) {
    PurchaseSnapshot none = snapshot();
    none.mandate.reset();
    EXPECT_EQ(error_of([&] { plan_purchase(none, request()); }), ErrorCode::MANDATE_REQUIRED);
    PurchaseSnapshot restricted = snapshot();
    restricted.mandate->restrictions = {31, std::nullopt};
    EXPECT_EQ(error_of([&] { plan_purchase(restricted, request()); }), ErrorCode::MANDATE_MERCHANT_FORBIDDEN);
    restricted.mandate->restrictions = {std::nullopt, 5};
    EXPECT_EQ(error_of([&] { plan_purchase(restricted, request()); }), ErrorCode::MANDATE_CATEGORY_FORBIDDEN);
    PurchaseSnapshot uncertified = snapshot();
    uncertified.merchant_certified = false;
    EXPECT_EQ(error_of([&] { plan_purchase(uncertified, request()); }), ErrorCode::UNAUTHORIZED_USAGE);
    PurchaseSnapshot expired = snapshot();
    expired.decided_at = kNow + 1000;
    EXPECT_EQ(error_of([&] { plan_purchase(expired, request()); }), ErrorCode::MANDATE_CONFLICT);
}

TEST(PlanPurchase, AUsageRuleNamingTheMerchantOrTheCategoryLetsThePurchaseOut) {
    PurchaseSnapshot s = snapshot();
    s.merchant_certified = false;
    s.usages = {UsageRule{30, std::nullopt}};
    EXPECT_EQ(plan_purchase(s, request()).kind, PurchaseDecision::Kind::Buy);
    s.usages = {UsageRule{std::nullopt, 4}};
    EXPECT_EQ(plan_purchase(s, request()).kind, PurchaseDecision::Kind::Buy);
    s.usages = {UsageRule{std::nullopt, 5}};
    EXPECT_EQ(error_of([&] { plan_purchase(s, request()); }), ErrorCode::UNAUTHORIZED_USAGE);
    PurchaseRequest by_category = request();
    by_category.category_id = 5;  // the given category, not the merchant's, is the purchase's
    const PurchaseDecision d = plan_purchase(s, by_category);
    EXPECT_EQ(d.category_id, 5);
}

TEST(PlanPurchase, AKeysFirstPurchaseIsReplayedWhenItAskedForTheSameOne) {
    PurchaseSnapshot s;
    s.first = first_of(request());
    EXPECT_EQ(plan_purchase(s, request()).kind, PurchaseDecision::Kind::Replay);
    EXPECT_EQ(error_of([&] { plan_purchase(s, request(999)); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    s.first->mandate_sender_id = 9;
    EXPECT_EQ(error_of([&] { plan_purchase(s, request()); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    PurchaseSnapshot after_lock = snapshot();
    after_lock.first_after_lock = first_of(request());
    EXPECT_EQ(plan_purchase(after_lock, request()).kind, PurchaseDecision::Kind::Replay);
}

TEST(PlanCreateMandate, RefusesOneUserAndAPastExpiryAndExpiresTheStaleOne) {
    EXPECT_EQ(error_of([] { plan_create_mandate({1, 1, std::nullopt}, kNow); }), ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of([] { plan_create_mandate({1, 2, kNow}, kNow); }), ErrorCode::MANDATE_EXPIRES_IN_PAST);
    const MandateCreation d = plan_create_mandate({1, 2, kNow + 1}, kNow);
    EXPECT_EQ(d.status, MandateStatus::Active);
    EXPECT_EQ(d.stale_from, MandateStatus::Active);
    EXPECT_EQ(d.expire.to, MandateStatus::Expired);
    EXPECT_EQ(d.expire.audit_action, "MANDATE_EXPIRED");
    EXPECT_EQ(d.audit_action, "MANDATE_CREATED");
}

TEST(PlanExpiry, ActiveMandatesBecomeExpired) {
    const MandateExpiry e = plan_expiry();
    EXPECT_EQ(e.from, MandateStatus::Active);
    EXPECT_EQ(e.step.to, MandateStatus::Expired);
}
