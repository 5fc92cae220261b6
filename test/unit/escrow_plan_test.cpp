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

TEST(RequireSameEscrow, EveryTermAndTheMetadataCount) {
    const EscrowTerms asked{1, 2, 10000, "USD", "{}", 1700000000000000, R"({"order": "A-1"})"};
    EXPECT_EQ(error_of([&] { require_same_escrow(asked, asked); }), std::nullopt);
    for (int change = 0; change < 7; ++change) {
        EscrowTerms first = asked;
        if (change == 0) first.client_id = 3;
        if (change == 1) first.provider_id = 3;
        if (change == 2) first.amount_total = 9999;
        if (change == 3) first.currency = "EUR";
        if (change == 4) first.release_conditions = R"({"a": 1})";
        if (change == 5) first.deadline_at += 1;
        if (change == 6) first.metadata = std::string(kNoMetadata);
        EXPECT_EQ(error_of([&] { require_same_escrow(first, asked); }), ErrorCode::IDEMPOTENCY_CONFLICT) << change;
    }
}

TEST(PlanAddMilestone, StaysWithinTheTotalOfAnOpenEscrow) {
    const MilestoneAddition added = plan_add_milestone(escrow(0), 6000, 4000);
    EXPECT_EQ(added.audit_action, "MILESTONE_ADDED");
    EXPECT_EQ(added.money.reserved, 4000);
    EXPECT_EQ(error_of([] { plan_add_milestone(escrow(0), 6000, 4001); }), ErrorCode::MILESTONE_EXCEEDS_TOTAL);
    EXPECT_EQ(error_of([] { plan_add_milestone(escrow(0, EscrowStatus::Released), 0, 1); }),
              ErrorCode::ESCROW_NOT_ACTIVE);
}

TEST(PlanAddMilestone, APromiseMustFitWhatTheEscrowCanStillPay) {
    EscrowState spent = escrow(10000);
    spent.paid = 7000;  // spent on payees
    EXPECT_EQ(plan_add_milestone(spent, 0, 3000).money.reserved, 3000);
    EXPECT_EQ(error_of([&] { plan_add_milestone(spent, 0, 3001); }), ErrorCode::MILESTONE_EXCEEDS_TOTAL);
    spent.paid = 0;
    spent.reserved = 9000;
    EXPECT_EQ(error_of([&] { plan_add_milestone(spent, 0, 1001); }), ErrorCode::MILESTONE_EXCEEDS_TOTAL);
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
    EXPECT_EQ(plan_escrow_event(due, EscrowEvent::CheckDeadline).step.to, EscrowStatus::Released);
    due.deadline_passed = false;
    EXPECT_EQ(plan_escrow_event(due, EscrowEvent::CheckDeadline).step.effect, Effect::NoOp);
    EXPECT_EQ(deadline_event(), R"({"note":null,"reason":"deadline"})");
}

TEST(PlanEscrowEvent, AReleasePaysTheBalanceToTheProviderAndClosesOpenMilestones) {
    EscrowState e = escrow(10000, EscrowStatus::Releasable);
    e.paid = 2500;
    e.reserved = 5000;
    const EscrowEventDecision d = plan_escrow_event(e, EscrowEvent::ClientApprove);
    EXPECT_EQ(d.step.to, EscrowStatus::Released);
    EXPECT_EQ(d.payout_kind, PaymentKind::Release);
    EXPECT_EQ(d.payout_cents, 7500);
    EXPECT_EQ(d.money.paid, 7500);
    EXPECT_EQ(d.money.reserved, -5000);
    EXPECT_EQ(d.open_milestones_to, MilestoneStatus::Released);
    EXPECT_EQ(ending_payout_key(7, PaymentKind::Release), "escrow:7:release");
}

TEST(PlanEscrowEvent, ARejectionRefundsTheClientAndCancelsOpenMilestones) {
    EscrowState e = escrow(10000, EscrowStatus::Funded);
    e.to_repay = 1000;  // owed to a failed payment's beneficiary: not refunded
    const EscrowEventDecision d = plan_escrow_event(e, EscrowEvent::ClientReject);
    EXPECT_EQ(d.step.to, EscrowStatus::Refunded);
    EXPECT_EQ(d.payout_kind, PaymentKind::Refund);
    EXPECT_EQ(d.payout_cents, 9000);
    EXPECT_EQ(d.money.refunded, 9000);
    EXPECT_EQ(d.money.paid, 0);
    EXPECT_EQ(d.open_milestones_to, MilestoneStatus::Cancelled);
    EXPECT_EQ(ending_payout_key(7, PaymentKind::Refund), "escrow:7:refund");
}

TEST(PlanEscrowEvent, ADraftWithDepositsIsRefundedNotCancelled) {
    EXPECT_EQ(plan_escrow_event(escrow(0), EscrowEvent::ClientReject).step.to, EscrowStatus::Cancelled);
    EXPECT_FALSE(plan_escrow_event(escrow(0), EscrowEvent::ClientReject).payout_kind.has_value());
    const EscrowEventDecision d = plan_escrow_event(escrow(4000), EscrowEvent::ClientReject);
    EXPECT_EQ(d.step.to, EscrowStatus::Refunded);
    EXPECT_EQ(d.payout_cents, 4000);
}

TEST(PlanEscrowEvent, AnEmptyEscrowEndsWithoutAPaymentAndAnEndedOneMovesNothing) {
    EscrowState e = escrow(10000, EscrowStatus::Funded);
    e.paid = 10000;
    const EscrowEventDecision empty = plan_escrow_event(e, EscrowEvent::ClientApprove);
    EXPECT_EQ(empty.step.to, EscrowStatus::Released);
    EXPECT_FALSE(empty.payout_kind.has_value());
    e.status = EscrowStatus::Released;
    e.paid = 5000;
    const EscrowEventDecision again = plan_escrow_event(e, EscrowEvent::ClientReject);
    EXPECT_EQ(again.step.effect, Effect::NoOp);
    EXPECT_FALSE(again.payout_kind.has_value());
    EXPECT_TRUE(again.money.empty());
    // Delivery moves no money.
    EXPECT_TRUE(plan_escrow_event(escrow(10000, EscrowStatus::Funded), EscrowEvent::MarkDelivered).money.empty());
}
