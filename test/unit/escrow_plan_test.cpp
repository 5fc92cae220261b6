// An escrow's decisions beyond its status table (core/escrow_plan): creation, milestones, deposits.
#include "core/escrow_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

EscrowState escrow(int64_t deposited, EscrowStatus status = EscrowStatus::Draft) {
    EscrowState e;
    e.id = 7;
    e.amount_total = 10000;
    e.deposited = deposited;
    e.status = status;
    return e;
}

}  // namespace

TEST(PlanCreateEscrow, NeedsTwoPartiesAndAnObject) {
    EXPECT_EQ(error_of([] { plan_create_escrow(1, 1, "{}"); }), ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of([] { plan_create_escrow(1, 2, "[]"); }), ErrorCode::INVALID_JSON);
    const Step<EscrowStatus> created = plan_create_escrow(1, 2, "{}");
    EXPECT_EQ(created.to, EscrowStatus::Draft);
    EXPECT_EQ(created.audit_action, "ESCROW_CREATED");
}

TEST(PlanAddMilestone, StaysWithinTheTotalOfAnOpenEscrow) {
    EXPECT_EQ(plan_add_milestone(escrow(0), 6000, 4000), "MILESTONE_ADDED");
    EXPECT_EQ(error_of([] { plan_add_milestone(escrow(0), 6000, 4001); }), ErrorCode::MILESTONE_EXCEEDS_TOTAL);
    EXPECT_EQ(error_of([] { plan_add_milestone(escrow(0, EscrowStatus::Released), 0, 1); }),
              ErrorCode::ESCROW_NOT_ACTIVE);
}

TEST(PlanDeposit, FundsTheEscrowWhenTheDepositsReachTheTotal) {
    const DepositDecision partial = plan_deposit(escrow(0), std::nullopt, 4000, std::nullopt);
    EXPECT_FALSE(partial.replay);
    EXPECT_EQ(partial.step.to, EscrowStatus::Draft);
    EXPECT_EQ(partial.event_data, R"({"amount":"40.00"})");
    const DepositDecision full = plan_deposit(escrow(6000), std::nullopt, 4000, std::string("k"));
    EXPECT_EQ(full.step.to, EscrowStatus::Funded);
    EXPECT_EQ(full.step.audit_action, "ESCROW_DEPOSITED");
    EXPECT_EQ(full.event_data, R"({"amount":"40.00","idempotency_key":"k"})");
}

TEST(PlanDeposit, RefusesAClosedEscrowBeforeTheTotal) {
    EXPECT_EQ(error_of([] { plan_deposit(escrow(6000), std::nullopt, 4001, std::nullopt); }),
              ErrorCode::DEPOSIT_EXCEEDS_TOTAL);
    EXPECT_EQ(error_of([] { plan_deposit(escrow(6000, EscrowStatus::Released), std::nullopt, 4001, std::nullopt); }),
              ErrorCode::ESCROW_NOT_ACTIVE);
}

TEST(PlanDeposit, AKeysFirstDepositIsAReplayOnlyForTheSameDeposit) {
    EXPECT_TRUE(plan_deposit(escrow(10000, EscrowStatus::Released), PriorDeposit{7, 4000}, 4000, std::string("k")).replay);
    EXPECT_EQ(error_of([] { plan_deposit(escrow(0), PriorDeposit{8, 4000}, 4000, std::string("k")); }),
              ErrorCode::IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(error_of([] { plan_deposit(escrow(0), PriorDeposit{7, 3999}, 4000, std::string("k")); }),
              ErrorCode::IDEMPOTENCY_CONFLICT);
}

TEST(PlanEscrowEvent, TheDeadlineReleasesTheStatusTheSweepLooksFor) {
    EscrowState due = escrow(10000, kReleasableAtDeadline);
    due.deadline_passed = true;
    EXPECT_EQ(plan_escrow_event(due, EscrowEvent::CheckDeadline).to, EscrowStatus::Released);
    due.deadline_passed = false;
    EXPECT_EQ(plan_escrow_event(due, EscrowEvent::CheckDeadline).effect, Effect::NoOp);
    EXPECT_EQ(deadline_event(), R"({"note":null,"reason":"deadline"})");
}
