// A spend's decisions (core/spend_plan): replay, recheck, refusals in the spec's order, counters.
#include "core/spend_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

SpendSnapshot snapshot(int64_t balance = 10000, EscrowStatus status = EscrowStatus::Funded) {
    SpendSnapshot s;
    s.client_id = 1;
    s.escrow_status = status;
    s.balance = balance;
    s.payee = SpendSnapshot::Payee{9, PayeeState{5000, 8000, 1000, 2000, true}};
    s.key_fresh = true;
    return s;
}

SpendRequest request(int64_t cents, std::optional<std::string> key = std::nullopt) {
    return SpendRequest{7, "shop", cents, std::nullopt, std::move(key)};
}

}  // namespace

TEST(PlanSpend, PaysAndMovesThePayeeCounters) {
    const SpendDecision d = plan_spend(snapshot(), request(1500));
    EXPECT_EQ(d.kind, SpendDecision::Kind::Pay);
    EXPECT_EQ(d.payee_id, 9);
    EXPECT_EQ(d.counters.spent_today, 2500);
    EXPECT_EQ(d.counters.spent_total, 3500);
    EXPECT_EQ(d.payment_to, PaymentStatus::Sent);
    EXPECT_EQ(d.money.paid, 1500);
    EXPECT_EQ(d.money.outflow(), 1500);
}

TEST(PlanSpend, MoneyReservedForOpenMilestonesIsNotSpendable) {
    SpendSnapshot s = snapshot();
    s.reserved = s.balance - 1000;  // 10.00 left for payees
    EXPECT_EQ(plan_spend(s, request(1000)).kind, SpendDecision::Kind::Pay);
    EXPECT_EQ(error_of([&] { plan_spend(s, request(1001)); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
}

TEST(PlanSpend, AKeySeenIsAReplayEvenOnAClosedEscrow) {
    SpendSnapshot s = snapshot(0, EscrowStatus::Released);
    s.key_seen = true;
    EXPECT_EQ(plan_spend(s, request(1500, "k")).kind, SpendDecision::Kind::Replay);
}

TEST(PlanSpend, RefusalsComeInTheSpecsOrder) {
    EXPECT_EQ(error_of([] { plan_spend(snapshot(0, EscrowStatus::Refunded), request(1)); }), ErrorCode::ESCROW_NOT_ACTIVE);
    SpendSnapshot no_payee = snapshot(0);
    no_payee.payee.reset();
    EXPECT_EQ(error_of([&] { plan_spend(no_payee, request(1)); }), ErrorCode::PAYEE_NOT_ALLOWED);
    EXPECT_EQ(error_of([] { plan_spend(snapshot(0), request(4001)); }), ErrorCode::DAILY_LIMIT_REACHED);
    EXPECT_EQ(error_of([] { plan_spend(snapshot(0), request(100)); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
}

TEST(PlanSpend, ARefusalOnAStaleViewOfTheKeyAsksForARecheck) {
    SpendSnapshot stale = snapshot(0);
    stale.key_fresh = false;
    EXPECT_EQ(plan_spend(stale, request(100, "k")).kind, SpendDecision::Kind::Recheck);
    // Without a key there is nothing to recheck; with a fresh view the refusal stands.
    EXPECT_EQ(error_of([&] { plan_spend(stale, request(100)); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
    EXPECT_EQ(error_of([] { plan_spend(snapshot(0), request(100, "k")); }), ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
}

TEST(RequireSameSpend, EveryFieldOfTheFirstSpendCounts) {
    const SpendRequest asked{7, "shop", 1500, std::string("rent"), std::string("k")};
    const FirstSpend same{7, 1500, std::string("shop"), true, std::string("rent")};
    EXPECT_EQ(error_of([&] { require_same_spend(same, asked); }), std::nullopt);
    for (FirstSpend other : {FirstSpend{8, 1500, std::string("shop"), true, std::string("rent")},
                             FirstSpend{7, 1400, std::string("shop"), true, std::string("rent")},
                             FirstSpend{7, 1500, std::string("bar"), true, std::string("rent")},
                             FirstSpend{7, 1500, std::nullopt, true, std::string("rent")},
                             FirstSpend{7, 1500, std::string("shop"), false, std::string("rent")},
                             FirstSpend{7, 1500, std::string("shop"), true, std::nullopt}})
        EXPECT_EQ(error_of([&] { require_same_spend(other, asked); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    // The metadata is part of the request: the same replays, other metadata (or none) conflicts.
    SpendRequest with_metadata = asked;
    with_metadata.metadata = R"({"order": "A-1"})";
    FirstSpend first = same;
    first.metadata = with_metadata.metadata;
    EXPECT_EQ(error_of([&] { require_same_spend(first, with_metadata); }), std::nullopt);
    EXPECT_EQ(error_of([&] { require_same_spend(first, asked); }), ErrorCode::IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(error_of([&] { require_same_spend(same, with_metadata); }), ErrorCode::IDEMPOTENCY_CONFLICT);
}

TEST(UsageSpendEvent, KeepsTheNoteAndTheKey) {
    EXPECT_EQ(usage_spend_event(5, "PSP-x", SpendRequest{7, "shop", 1500, std::nullopt, std::string("k")}),
              R"({"payment_id":5,"amount":"15.00","payee_ref":"shop","psp_ref":"PSP-x","note":null,"idempotency_key":"k"})");
}
