#include "core/spend_rules.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"
#include "core/transitions.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

using namespace koba::core;

namespace {

using koba::test::error_of;

PayeeState payee(std::optional<int64_t> daily, std::optional<int64_t> total, int64_t today, int64_t spent,
                 bool same_day = true) {
    return PayeeState{daily, total, today, spent, same_day};
}

}  // namespace

TEST(EscrowBalance, PaysUpToTheBalanceInclusive) {
    EXPECT_EQ(error_of([] { require_escrow_balance(100, 100); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_escrow_balance(100, 101); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
    EXPECT_EQ(error_of([] { require_escrow_balance(-5, 1); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
}

TEST(MandateRestrictions, MerchantIsCheckedBeforeCategory) {
    const MandateRestrictions both{7, 3};
    EXPECT_EQ(error_of([&] { require_mandate_allows(both, 7, 3); }), std::nullopt);
    EXPECT_EQ(error_of([&] { require_mandate_allows(both, 8, 4); }), ErrorCode::MANDATE_MERCHANT_FORBIDDEN);
    EXPECT_EQ(error_of([&] { require_mandate_allows(both, 7, 4); }), ErrorCode::MANDATE_CATEGORY_FORBIDDEN);
}

TEST(MandateRestrictions, NoRestrictionAllowsAnything) {
    EXPECT_EQ(error_of([] { require_mandate_allows({}, 1, std::nullopt); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_mandate_allows({std::nullopt, std::nullopt}, 99, 42); }), std::nullopt);
}

TEST(MandateRestrictions, APurchaseWithoutCategoryFailsACategoryRestriction) {
    EXPECT_EQ(error_of([] { require_mandate_allows({std::nullopt, 3}, 1, std::nullopt); }),
              ErrorCode::MANDATE_CATEGORY_FORBIDDEN);
}

// spec.md section 7's reference values: escrow 300 with 200 deposited; payee A daily 120 total
// 400: 90 is paid, then 40 more the same day is DAILY_LIMIT_REACHED. Payee B daily 500 total 150:
// 100 is paid, then 60 more is TOTAL_LIMIT_REACHED.
TEST(DecideSpend, ReferenceValues) {
    const PayeeCounters a = decide_spend(payee(12000, 40000, 0, 0, false), 9000, 20000);
    EXPECT_EQ(a.spent_today, 9000);
    EXPECT_EQ(a.spent_total, 9000);
    EXPECT_EQ(error_of([] { decide_spend(payee(12000, 40000, 9000, 9000), 4000, 11000); }),
              ErrorCode::DAILY_LIMIT_REACHED);
    const PayeeCounters b = decide_spend(payee(50000, 15000, 0, 0, false), 10000, 11000);
    EXPECT_EQ(b.spent_total, 10000);
    EXPECT_EQ(error_of([] { decide_spend(payee(50000, 15000, 10000, 10000), 6000, 1000); }),
              ErrorCode::TOTAL_LIMIT_REACHED);
}

TEST(DecideSpend, LimitsAreInclusive) {
    const PayeeCounters c = decide_spend(payee(100, 300, 40, 240), 60, 1000);
    EXPECT_EQ(c.spent_today, 100);
    EXPECT_EQ(c.spent_total, 300);
    EXPECT_EQ(error_of([] { decide_spend(payee(100, 300, 40, 240), 61, 1000); }), ErrorCode::DAILY_LIMIT_REACHED);
}

TEST(DecideSpend, ZeroLimitAllowsNothingAndNoLimitAllowsEverything) {
    EXPECT_EQ(error_of([] { decide_spend(payee(0, std::nullopt, 0, 0), 1, 1000); }), ErrorCode::DAILY_LIMIT_REACHED);
    EXPECT_EQ(error_of([] { decide_spend(payee(std::nullopt, 0, 0, 0), 1, 1000); }), ErrorCode::TOTAL_LIMIT_REACHED);
    const PayeeCounters c = decide_spend(payee(std::nullopt, std::nullopt, 5, 5), 995, 1000);
    EXPECT_EQ(c.spent_today, 1000);
    EXPECT_EQ(c.spent_total, 1000);
}

TEST(DecideSpend, ANewDayRestartsTheDailyCounterNotTheTotal) {
    const PayeeCounters c = decide_spend(payee(100, std::nullopt, 100, 700, false), 100, 1000);
    EXPECT_EQ(c.spent_today, 100);
    EXPECT_EQ(c.spent_total, 800);
    EXPECT_EQ(error_of([] { decide_spend(payee(100, std::nullopt, 100, 700, true), 1, 1000); }),
              ErrorCode::DAILY_LIMIT_REACHED);
}

TEST(DecideSpend, ChecksInTheSpecsOrder) {
    // Every check fails: the daily limit is reported first, then the total, then the balance.
    EXPECT_EQ(error_of([] { decide_spend(payee(10, 10, 10, 10), 5, 0); }), ErrorCode::DAILY_LIMIT_REACHED);
    EXPECT_EQ(error_of([] { decide_spend(payee(100, 10, 10, 10), 5, 0); }), ErrorCode::TOTAL_LIMIT_REACHED);
    EXPECT_EQ(error_of([] { decide_spend(payee(100, 100, 10, 10), 5, 4); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
}

TEST(DecideSpend, CountersThatWouldLeaveTheMoneyRangeAreBeyondAnyLimit) {
    EXPECT_EQ(error_of([] { decide_spend(payee(std::nullopt, std::nullopt, kMaxCents, 0), 1, kMaxCents); }),
              ErrorCode::DAILY_LIMIT_REACHED);
    EXPECT_EQ(error_of([] { decide_spend(payee(std::nullopt, std::nullopt, 0, kMaxCents), 1, kMaxCents); }),
              ErrorCode::TOTAL_LIMIT_REACHED);
}

TEST(LimitAmount, ZeroIsALimitNegativeIsNot) {
    EXPECT_EQ(require_limit_amount("0", "daily_limit"), 0);
    EXPECT_EQ(require_limit_amount("12.50", "daily_limit"), 1250);
    try {
        require_limit_amount("-1", "daily_limit");
        ADD_FAILURE() << "a negative limit was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BAD_AMOUNT);
        EXPECT_EQ(std::string(e.detail()), "daily_limit must not be negative.");
    }
    EXPECT_EQ(error_of([] { require_limit_amount("1.005", "total_limit"); }), ErrorCode::BAD_AMOUNT);
}

TEST(PaymentMoney, OnlySentAndSettledPaymentsCountAsPaid) {
    EXPECT_TRUE(counts_as_paid(PaymentStatus::Sent));
    EXPECT_TRUE(counts_as_paid(PaymentStatus::Settled));
    EXPECT_FALSE(counts_as_paid(PaymentStatus::Pending));
    EXPECT_FALSE(counts_as_paid(PaymentStatus::Error));
    EXPECT_FALSE(counts_as_paid(PaymentStatus::Refunded));
}

// A purchase is decided at the moment its mandate's lock is granted (`now`), not at the start of
// the buyer's transaction: an expiry in between refuses it.
TEST(DecideConsume, UpToTheTotalBeforeTheExpiry) {
    const int64_t expiry = 1700000000000000;
    const MandateState mandate{MandateStatus::Active, 10000, 4000, expiry};
    const MandateConsumption some = decide_consume(mandate, 2500, expiry - 1);
    EXPECT_EQ(some.total_spent, 6500);
    EXPECT_EQ(some.status, MandateStatus::Active);
    EXPECT_EQ(some.audit_action, "MANDATE_CONSUMED");
    const MandateConsumption all = decide_consume(mandate, 6000, expiry - 1);
    EXPECT_EQ(all.total_spent, 10000);
    EXPECT_EQ(all.status, MandateStatus::Consumed);  // exactly what was left
    EXPECT_EQ(error_of([&] { decide_consume(mandate, 6001, expiry - 1); }), ErrorCode::MANDATE_CONFLICT);
}

TEST(DecideConsume, NotAtOrAfterTheExpiry) {
    const int64_t expiry = 1700000000000000;
    const MandateState mandate{MandateStatus::Active, 10000, 0, expiry};
    EXPECT_EQ(error_of([&] { decide_consume(mandate, 1, expiry); }), ErrorCode::MANDATE_CONFLICT);
    EXPECT_EQ(error_of([&] { decide_consume(mandate, 1, expiry + 1); }), ErrorCode::MANDATE_CONFLICT);
}

TEST(DecideConsume, OnlyAnActiveMandate) {
    for (const MandateStatus s : {MandateStatus::Expired, MandateStatus::Consumed})
        EXPECT_EQ(error_of([&] { decide_consume({s, 10000, 0, INT64_MAX}, 1, 0); }), ErrorCode::MANDATE_CONFLICT);
    // The most a mandate can hold does not overflow.
    EXPECT_EQ(error_of([] { decide_consume({MandateStatus::Active, kMaxCents, kMaxCents, INT64_MAX}, kMaxCents, 0); }),
              ErrorCode::MANDATE_CONFLICT);
}
