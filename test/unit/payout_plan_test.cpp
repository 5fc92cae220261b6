// The payout engine's decisions (core/payout_plan): every status and counter a payout writes.
#include "core/payout_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

EscrowState escrow(int64_t deposited, int64_t paid, EscrowStatus status = EscrowStatus::Funded) {
    EscrowState e;
    e.id = 7;
    e.amount_total = 10000;
    e.deposited = deposited;
    e.paid = paid;
    e.status = status;
    return e;
}

SendSnapshot milestone_send(int64_t cents, MilestoneStatus status, int64_t other_unpaid, EscrowState e = escrow(10000, 0)) {
    SendSnapshot s;
    s.escrow = e;
    s.cents = cents;
    s.milestone_id = 3;
    s.milestone_status = status;
    s.other_unpaid_milestones = other_unpaid;
    return s;
}

PaymentState payment(PaymentStatus status, int64_t cents = 2500, int64_t escrow_id = 7,
                     std::optional<int64_t> milestone = 3) {
    PaymentState p;
    p.id = 42;
    p.escrow_id = escrow_id;
    p.milestone_id = milestone;
    p.cents = cents;
    p.status = status;
    p.kind = milestone ? PaymentKind::Milestone : PaymentKind::Release;
    return p;
}

}  // namespace

TEST(PlanSend, AnApprovedMilestoneIsPaidAndCountedInTheEscrow) {
    const SendDecision d = plan_send(milestone_send(2500, MilestoneStatus::Approved, 1));
    EXPECT_EQ(d.payment_to, PaymentStatus::Sent);
    EXPECT_EQ(d.money.paid, 2500);
    EXPECT_EQ(d.money.reserved, -2500);  // the milestone is no longer promised: it is paid
    EXPECT_EQ(d.milestone_to, MilestoneStatus::Paid);
    EXPECT_FALSE(d.escrow_close.has_value());  // another milestone is still unpaid
}

TEST(PlanSend, TheLastMilestonePaidClosesTheEscrowOnlyWhenNothingIsLeftInIt) {
    EXPECT_FALSE(plan_send(milestone_send(2500, MilestoneStatus::Approved, 0)).escrow_close.has_value());
    const SendDecision d = plan_send(milestone_send(2500, MilestoneStatus::Approved, 0, escrow(10000, 7500)));
    ASSERT_TRUE(d.escrow_close.has_value());
    EXPECT_EQ(d.escrow_close->to, EscrowStatus::Released);
    EXPECT_EQ(d.escrow_close->event_kind, "CLOSED");
    EXPECT_EQ(d.escrow_close->audit_action, "ESCROW_CLOSED");
}

TEST(PlanSend, AClosedEscrowKeepsItsStatusWhenItsLastMilestoneIsPaid) {
    const SendDecision d = plan_send(milestone_send(2500, MilestoneStatus::Approved, 0,
                                                    escrow(10000, 7500, EscrowStatus::Refunded)));
    ASSERT_TRUE(d.escrow_close.has_value());
    EXPECT_EQ(d.escrow_close->effect, Effect::NoOp);
}

TEST(PlanSend, OnlyApprovedWorkIsPaid) {
    EXPECT_EQ(error_of([] { plan_send(milestone_send(2500, MilestoneStatus::Waiting, 0)); }),
              ErrorCode::INVALID_TRANSITION);
    EXPECT_EQ(error_of([] { plan_send(milestone_send(2500, MilestoneStatus::Paid, 0)); }),
              ErrorCode::INVALID_TRANSITION);
}

TEST(PlanSend, TheBalanceIsCheckedOnce) {
    EXPECT_EQ(error_of([] { plan_send(milestone_send(2501, MilestoneStatus::Approved, 0, escrow(5000, 2500))); }),
              ErrorCode::INSUFFICIENT_ESCROW_BALANCE);
    EXPECT_EQ(error_of([] { plan_send(milestone_send(2500, MilestoneStatus::Approved, 0, escrow(5000, 2500))); }),
              std::nullopt);
}

TEST(PlanSend, APaymentWithoutMilestoneTouchesNoMilestone) {
    SendSnapshot s;
    s.escrow = escrow(10000, 0);
    s.cents = 100;
    const SendDecision d = plan_send(s);
    EXPECT_FALSE(d.milestone_to.has_value());
    EXPECT_FALSE(d.escrow_close.has_value());
    EXPECT_EQ(d.money.paid, 100);
    EXPECT_EQ(d.money.reserved, 0);
}

TEST(PlanSend, ARefundIsCountedAsRefundedNotPaid) {
    SendSnapshot s;
    s.escrow = escrow(10000, 0, EscrowStatus::Refunded);
    s.kind = PaymentKind::Refund;
    s.cents = 10000;
    const SendDecision d = plan_send(s);
    EXPECT_EQ(d.money.refunded, 10000);
    EXPECT_EQ(d.money.paid, 0);
}

TEST(PlanMilestonePayout, ANewPayoutSendsANewPayment) {
    MilestonePayoutSnapshot s{milestone_send(2500, MilestoneStatus::Approved, 0), std::nullopt, std::nullopt};
    const PayoutDecision d = plan_milestone_payout(s);
    EXPECT_EQ(d.kind, PayoutDecision::Kind::SendNew);
    EXPECT_EQ(d.send.milestone_to, MilestoneStatus::Paid);
}

TEST(PlanMilestonePayout, AMilestoneAlreadyPaidThisAmountReturnsThatPayment) {
    MilestonePayoutSnapshot s{milestone_send(2500, MilestoneStatus::Approved, 0), std::nullopt, 99};
    const PayoutDecision d = plan_milestone_payout(s);
    EXPECT_EQ(d.kind, PayoutDecision::Kind::Existing);
    EXPECT_EQ(d.payment_id, 99);
}

TEST(PlanMilestonePayout, AKeyAlreadyUsedReturnsOrSendsItsPayment) {
    for (const PaymentStatus done : {PaymentStatus::Sent, PaymentStatus::Settled}) {
        MilestonePayoutSnapshot s{milestone_send(2500, MilestoneStatus::Approved, 0), payment(done), std::nullopt};
        const PayoutDecision d = plan_milestone_payout(s);
        EXPECT_EQ(d.kind, PayoutDecision::Kind::Existing);
        EXPECT_EQ(d.payment_id, 42);
    }
    MilestonePayoutSnapshot pending{milestone_send(2500, MilestoneStatus::Approved, 0), payment(PaymentStatus::Pending),
                                    std::nullopt};
    const PayoutDecision d = plan_milestone_payout(pending);
    EXPECT_EQ(d.kind, PayoutDecision::Kind::SendPending);
    EXPECT_EQ(d.payment_id, 42);
    EXPECT_EQ(d.send.money.paid, 2500);
}

TEST(PlanMilestonePayout, AKeyInErrorOrForAnotherPaymentIsRefused) {
    EXPECT_EQ(error_of([] {
                  plan_milestone_payout({milestone_send(2500, MilestoneStatus::Approved, 0),
                                         payment(PaymentStatus::Error), std::nullopt});
              }),
              ErrorCode::PAYMENT_IN_ERROR);
    EXPECT_EQ(error_of([] {
                  plan_milestone_payout({milestone_send(2500, MilestoneStatus::Approved, 0),
                                         payment(PaymentStatus::Sent, 2400), std::nullopt});
              }),
              ErrorCode::IDEMPOTENCY_CONFLICT);
    EXPECT_EQ(error_of([] {
                  plan_milestone_payout({milestone_send(2500, MilestoneStatus::Approved, 0),
                                         payment(PaymentStatus::Sent, 2500, 8), std::nullopt});
              }),
              ErrorCode::IDEMPOTENCY_CONFLICT);
}

TEST(PlanExecute, OnlyAPendingPaymentIsSent) {
    ExecuteSnapshot s{milestone_send(2500, MilestoneStatus::Approved, 0), payment(PaymentStatus::Pending)};
    EXPECT_EQ(plan_execute(s).kind, PayoutDecision::Kind::SendPending);
    for (const PaymentStatus other :
         {PaymentStatus::Sent, PaymentStatus::Settled, PaymentStatus::Error, PaymentStatus::Refunded}) {
        s.payment.status = other;
        EXPECT_EQ(plan_execute(s).kind, PayoutDecision::Kind::Existing) << status_name(other);
    }
}

TEST(PlanPspEvent, ASettlementOfASentPaymentMovesNoMoney) {
    const PspEventDecision d = plan_psp_event(escrow(10000, 2500), payment(PaymentStatus::Sent),
                                              PaymentEvent::Settle, {"ev1", "payment.settled", "PSP-1"});
    EXPECT_EQ(d.step.to, PaymentStatus::Settled);
    EXPECT_EQ(d.step.audit_action, "PAYMENT_SETTLED");
    EXPECT_TRUE(d.money.empty());
    EXPECT_TRUE(d.alert_type.empty());
}

TEST(PlanPspEvent, AFailureLeavesTheMoneyToBeRepaidWithAnAlert) {
    const PspEventDecision failed = plan_psp_event(escrow(10000, 2500), payment(PaymentStatus::Sent),
                                                   PaymentEvent::Fail, {"ev1", "payment.failed", "PSP-1"});
    EXPECT_EQ(failed.step.to, PaymentStatus::Error);
    EXPECT_EQ(failed.money.paid, -2500);
    EXPECT_EQ(failed.money.to_repay, 2500);  // never back in the escrow's balance
    EXPECT_EQ(failed.money.outflow(), 0);
    EXPECT_EQ(failed.alert_type, "PAYMENT_TO_REPAY");
    EXPECT_NE(failed.alert_payload.find("\"escrow_status\":\"FUNDED\""), std::string::npos) << failed.alert_payload;
}

TEST(PlanPspEvent, AFailedRefundIsToBeRepaidToo) {
    PaymentState refund = payment(PaymentStatus::Sent, 4000, 7, std::nullopt);
    refund.kind = PaymentKind::Refund;
    EscrowState e = escrow(10000, 6000, EscrowStatus::Refunded);
    e.refunded = 4000;
    const PspEventDecision d = plan_psp_event(e, refund, PaymentEvent::Fail, {"ev1", "payment.failed", "PSP-1"});
    EXPECT_EQ(d.money.refunded, -4000);
    EXPECT_EQ(d.money.to_repay, 4000);
    EXPECT_EQ(d.alert_type, "PAYMENT_TO_REPAY");
}

TEST(PlanPspEvent, ALateSettlementIsPaidFromWhatWasToBeRepaid) {
    EscrowState e = escrow(10000, 0);
    e.to_repay = 2500;
    const PspEventDecision settled = plan_psp_event(e, payment(PaymentStatus::Error), PaymentEvent::Settle,
                                                    {"ev2", "payment.settled", "PSP-1"});
    EXPECT_EQ(settled.money.paid, 2500);
    EXPECT_EQ(settled.money.to_repay, -2500);
    EXPECT_EQ(settled.money.outflow(), 0);
    EXPECT_TRUE(settled.alert_type.empty());
}

TEST(PlanPspEvent, ALateSettlementOfARetriedPaymentTakesTheBalance) {
    // The retry already paid it again: the PSP paid twice, and the escrow's balance pays.
    PaymentState retried = payment(PaymentStatus::Error);
    retried.retried = true;
    const PspEventDecision d = plan_psp_event(escrow(5000, 5000), retried, PaymentEvent::Settle,
                                              {"ev2", "payment.settled", "PSP-1"});
    EXPECT_EQ(d.money.paid, 2500);
    EXPECT_EQ(d.money.to_repay, 0);
    EXPECT_EQ(d.alert_type, "ESCROW_OVERDRAWN");
}

TEST(PlanPspEvent, APaymentNeverSentIsRecordedInTheTimelineWhenThePspReportsIt) {
    const PspEventDecision d = plan_psp_event(escrow(10000, 0), payment(PaymentStatus::Pending), PaymentEvent::Settle,
                                              {"ev6", "payment.settled", "PSP-1"});
    EXPECT_EQ(d.event_kind, "PAYMENT_SETTLED");
    EXPECT_EQ(d.event_data, R"({"payment_id":42,"amount":"25.00","psp_ref":"PSP-1","from":"PENDING"})");
    const PspEventDecision sent = plan_psp_event(escrow(10000, 2500), payment(PaymentStatus::Sent),
                                                 PaymentEvent::Settle, {"ev7", "payment.settled", "PSP-1"});
    EXPECT_TRUE(sent.event_kind.empty());  // its PAYMENT_SENT event names it already
}

TEST(PlanPspEvent, ASettlementBeyondTheDepositsRaisesAnAlert) {
    const PspEventDecision d = plan_psp_event(escrow(2000, 0), payment(PaymentStatus::Pending), PaymentEvent::Settle,
                                              {"ev3", "payment.settled", "PSP-1"});
    EXPECT_EQ(d.alert_type, "ESCROW_OVERDRAWN");
    EXPECT_NE(d.alert_payload.find("\"paid_amount\":\"25.00\""), std::string::npos) << d.alert_payload;
}

TEST(PlanPspEvent, AContradictionKeepsTheStatusAndRaisesAnAlert) {
    const PspEventDecision d = plan_psp_event(escrow(10000, 2500), payment(PaymentStatus::Settled),
                                              PaymentEvent::Fail, {"ev4", "payment.failed", "PSP-1"});
    EXPECT_EQ(d.step.effect, Effect::Contradict);
    EXPECT_TRUE(d.money.empty());
    EXPECT_EQ(d.alert_type, "PSP_EVENT_CONTRADICTS_PAYMENT");
    EXPECT_EQ(d.alert_audit, "PSP_EVENT_CONTRADICTS_PAYMENT");
}

TEST(PlanPspEvent, AReplayedOutcomeChangesNothing) {
    const PspEventDecision d = plan_psp_event(escrow(10000, 2500), payment(PaymentStatus::Settled),
                                              PaymentEvent::Settle, {"ev5", "payment.settled", "PSP-1"});
    EXPECT_EQ(d.step.effect, Effect::NoOp);
    EXPECT_TRUE(d.alert_type.empty());
}

TEST(PaymentSentEvent, NamesThePaymentItsMilestoneAndKind) {
    EXPECT_EQ(payment_sent_event(5, 2500, "PSP-x", 3, PaymentKind::Milestone),
              R"({"payment_id":5,"amount":"25.00","psp_ref":"PSP-x","milestone_id":3,"kind":"MILESTONE"})");
    EXPECT_EQ(payment_sent_event(5, 2500, "PSP-x", std::nullopt, PaymentKind::Refund, 4),
              R"({"payment_id":5,"amount":"25.00","psp_ref":"PSP-x","milestone_id":null,"kind":"REFUND","retry_of":4})");
}

TEST(PlanRetry, AFailedPaymentIsPaidAgainFromWhatItLeftToBeRepaid) {
    EscrowState e = escrow(10000, 0, EscrowStatus::Released);
    e.to_repay = 2500;
    const RetryDecision d = plan_retry({e, payment(PaymentStatus::Error), std::nullopt});
    EXPECT_FALSE(d.replay);
    EXPECT_EQ(d.money.to_repay, -2500);
    EXPECT_EQ(d.money.paid, 2500);
    EXPECT_EQ(d.money.outflow(), 0);  // the escrow's balance does not move, even once closed
}

TEST(PlanRetry, ARetriedPaymentReturnsItsRetryAndOnlyAFailedOneIsRetried) {
    EXPECT_TRUE(plan_retry({escrow(10000, 2500), payment(PaymentStatus::Error), 43}).replay);
    EXPECT_TRUE(plan_retry({escrow(10000, 2500), payment(PaymentStatus::Settled), 43}).replay);
    for (const PaymentStatus other :
         {PaymentStatus::Pending, PaymentStatus::Sent, PaymentStatus::Settled, PaymentStatus::Refunded}) {
        EXPECT_EQ(error_of([&] { plan_retry({escrow(10000, 2500), payment(other), std::nullopt}); }),
                  ErrorCode::INVALID_TRANSITION)
            << status_name(other);
    }
}
