// Every (status, event) pair of every state machine against expected tables written out here from
// spec sections 3-6, independently of the rule tables in transitions.cpp.
//
// A cell reads "TO EVENT_KIND AUDIT_ACTION" ("-" for none) when the event applies, "=" when it is
// allowed and changes nothing, "contradict" for a PSP event contradicting a final payment status,
// and "!CODE" when it is refused.
#include "core/transitions.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

using namespace koba::core;

namespace {

std::string or_dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

template <class S>
std::string render(S from, const std::function<Step<S>()>& step) {
    try {
        const Step<S> s = step();
        if (s.effect == Effect::Apply) {
            return std::string(status_name(s.to)) + " " + or_dash(s.event_kind) + " " + or_dash(s.audit_action);
        }
        EXPECT_EQ(s.to, from) << "a step that changes nothing keeps the status";
        EXPECT_TRUE(s.event_kind.empty() && s.audit_action.empty()) << "and writes nothing";
        return s.effect == Effect::NoOp ? "=" : "contradict";
    } catch (const Error& e) {
        const std::string detail = e.detail();
        EXPECT_NE(detail.find("in status " + std::string(status_name(from)) + "."), std::string::npos)
            << "the refusal names the current status: " << detail;
        return std::string("!") + e.what();
    }
}

// Checks a whole table: rows = status labels (parsed, so the SQL spelling is checked too),
// columns = events.
template <class S, class Column, std::size_t R, std::size_t C, class StepFn>
void check_table(const char* const (&labels)[R], const Column (&columns)[C], const char* const (&expected)[R][C],
                 StepFn step) {
    for (std::size_t r = 0; r < R; ++r) {
        const std::optional<S> from = parse_status<S>(labels[r]);
        ASSERT_TRUE(from.has_value()) << labels[r];
        EXPECT_EQ(status_name(*from), labels[r]);
        for (std::size_t c = 0; c < C; ++c) {
            EXPECT_EQ(render<S>(*from, [&] { return step(*from, columns[c]); }), expected[r][c])
                << labels[r] << " / " << columns[c].name;
        }
    }
}

std::string detail_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return std::string(e.what()) + ": " + e.detail();
    }
    return "no error";
}

constexpr const char* kInvalid = "!INVALID_TRANSITION";

}  // namespace

TEST(Transitions, Escrow) {
    struct Column {
        const char* name;
        EscrowEvent event;
        EscrowFacts facts;
    };
    const Column columns[] = {
        {"deposit", EscrowEvent::Deposit, {}},
        {"deposit reaching the total", EscrowEvent::Deposit, {true, false}},
        {"mark_delivered", EscrowEvent::MarkDelivered, {}},
        {"client_approve", EscrowEvent::ClientApprove, {}},
        {"client_reject", EscrowEvent::ClientReject, {}},
        {"check_deadline before it", EscrowEvent::CheckDeadline, {}},
        {"check_deadline past it", EscrowEvent::CheckDeadline, {false, true}},
        {"all milestones paid", EscrowEvent::AllMilestonesPaid, {}},
    };
    const char* const labels[] = {"DRAFT", "FUNDED", "RELEASABLE", "RELEASED", "REFUNDED", "CANCELLED"};
    const char* const closed[] = {"!ESCROW_NOT_ACTIVE", "!ESCROW_NOT_ACTIVE", kInvalid, kInvalid, "=", "=", "=", "="};
    const char* const expected[6][8] = {
        {"DRAFT DEPOSIT ESCROW_DEPOSITED", "FUNDED DEPOSIT ESCROW_DEPOSITED", kInvalid, kInvalid,
         "CANCELLED CLIENT_REJECTED ESCROW_CANCELLED", "=", "=", "RELEASED CLOSED ESCROW_CLOSED"},
        {"FUNDED DEPOSIT ESCROW_DEPOSITED", "FUNDED DEPOSIT ESCROW_DEPOSITED",
         "RELEASABLE PROOF_UPLOADED ESCROW_PROOF_UPLOADED", "RELEASED CLIENT_APPROVED ESCROW_RELEASED",
         "REFUNDED CLIENT_REJECTED ESCROW_REJECTED", "=", "RELEASED CLIENT_APPROVED ESCROW_RELEASED",
         "RELEASED CLOSED ESCROW_CLOSED"},
        {kInvalid, kInvalid, kInvalid, "RELEASED CLIENT_APPROVED ESCROW_RELEASED",
         "REFUNDED CLIENT_REJECTED ESCROW_REJECTED", "=", "=", "RELEASED CLOSED ESCROW_CLOSED"},
        {closed[0], closed[1], closed[2], closed[3], closed[4], closed[5], closed[6], closed[7]},
        {closed[0], closed[1], closed[2], closed[3], closed[4], closed[5], closed[6], closed[7]},
        {closed[0], closed[1], closed[2], closed[3], closed[4], closed[5], closed[6], closed[7]},
    };
    check_table<EscrowStatus>(labels, columns, expected, [](EscrowStatus from, const Column& c) {
        return escrow_step(from, c.event, c.facts);
    });
}

TEST(Transitions, EscrowFactsMatterOnlyWhereTheyApply) {
    const EscrowEvent events[] = {EscrowEvent::Deposit, EscrowEvent::MarkDelivered, EscrowEvent::ClientApprove,
                                  EscrowEvent::ClientReject, EscrowEvent::CheckDeadline, EscrowEvent::AllMilestonesPaid};
    for (const char* label : {"DRAFT", "FUNDED", "RELEASABLE", "RELEASED", "REFUNDED", "CANCELLED"}) {
        const EscrowStatus from = *parse_status<EscrowStatus>(label);
        for (EscrowEvent e : events) {
            const auto with = [&](EscrowFacts f) { return render<EscrowStatus>(from, [&] { return escrow_step(from, e, f); }); };
            // The deposit reads only deposits_reach_total, the deadline check only deadline_passed.
            if (e != EscrowEvent::CheckDeadline) {
                EXPECT_EQ(with({false, true}), with({false, false})) << label << int(e);
                EXPECT_EQ(with({true, true}), with({true, false})) << label << int(e);
            }
            if (e != EscrowEvent::Deposit) {
                EXPECT_EQ(with({true, false}), with({false, false})) << label << int(e);
                EXPECT_EQ(with({true, true}), with({false, true})) << label << int(e);
            }
        }
    }
}

TEST(Transitions, EscrowCreate) {
    const Step<EscrowStatus> s = escrow_create();
    EXPECT_EQ(s.to, EscrowStatus::Draft);
    EXPECT_EQ(s.effect, Effect::Apply);
    EXPECT_EQ(s.event_kind, "CREATED");
    EXPECT_EQ(s.audit_action, "ESCROW_CREATED");
}

TEST(Transitions, Milestone) {
    struct Column {
        const char* name;
        MilestoneEvent event;
    };
    const Column columns[] = {
        {"submit for review", MilestoneEvent::SubmitForReview}, {"auto-approve", MilestoneEvent::AutoApprove},
        {"approve", MilestoneEvent::Approve},                   {"reject", MilestoneEvent::Reject},
        {"start payout", MilestoneEvent::StartPayout},          {"paid", MilestoneEvent::Paid},
    };
    const char* const labels[] = {"WAITING", "PENDING_REVIEW", "APPROVED", "REJECTED", "PAYING", "PAID"};
    const char* const nw = "!MILESTONE_NOT_WAITING";
    const char* const expected[6][6] = {
        {"PENDING_REVIEW - -", "APPROVED - -", kInvalid, kInvalid, kInvalid, kInvalid},
        {nw, nw, "APPROVED - -", "REJECTED - -", kInvalid, kInvalid},
        {nw, nw, kInvalid, kInvalid, "PAYING - -", "PAID - -"},
        {nw, nw, kInvalid, kInvalid, kInvalid, kInvalid},
        {nw, nw, kInvalid, kInvalid, kInvalid, "PAID - -"},
        {nw, nw, kInvalid, kInvalid, kInvalid, "="},
    };
    check_table<MilestoneStatus>(labels, columns, expected,
                                 [](MilestoneStatus from, const Column& c) { return milestone_step(from, c.event); });
}

TEST(Transitions, Proof) {
    struct Column {
        const char* name;
        ProofEvent event;
    };
    const Column columns[] = {{"approve", ProofEvent::Approve}, {"reject", ProofEvent::Reject}};
    const char* const labels[] = {"PENDING", "APPROVED", "REJECTED"};
    const char* const expected[3][2] = {
        {"APPROVED - APPROVE_PROOF", "REJECTED - REJECT_PROOF"},
        {"=", "!PROOF_ALREADY_APPROVED"},
        {"!PROOF_ALREADY_REJECTED", "="},
    };
    check_table<ProofStatus>(labels, columns, expected,
                             [](ProofStatus from, const Column& c) { return proof_step(from, c.event); });
}

TEST(Transitions, Payment) {
    struct Column {
        const char* name;
        PaymentEvent event;
    };
    const Column columns[] = {{"payout", PaymentEvent::Payout},
                              {"execute", PaymentEvent::Execute},
                              {"settle", PaymentEvent::Settle},
                              {"fail", PaymentEvent::Fail}};
    const char* const labels[] = {"PENDING", "SENT", "SETTLED", "ERROR", "REFUNDED"};
    const char* const sent = "SENT PAYMENT_SENT EXECUTE_PAYOUT";
    const char* const settled = "SETTLED - PAYMENT_SETTLED";
    const char* const failed = "ERROR - PAYMENT_FAILED";
    const char* const expected[5][4] = {
        {sent, sent, settled, failed},
        {"=", "=", settled, failed},
        {"=", "=", "=", "contradict"},  // settled money is never un-settled
        {"!PAYMENT_IN_ERROR", "=", settled, "="},
        {kInvalid, "=", "contradict", "contradict"},
    };
    check_table<PaymentStatus>(labels, columns, expected,
                               [](PaymentStatus from, const Column& c) { return payment_step(from, c.event); });
}

TEST(Transitions, PayoutTransmission) {
    struct Column {
        const char* name;
        TransmissionEvent event;
        bool attempts_left;
    };
    const Column columns[] = {{"claim", TransmissionEvent::Claim, true},
                              {"claim, no attempt left", TransmissionEvent::Claim, false},
                              {"transmitted", TransmissionEvent::Transmitted, false},
                              {"transmitted (fact ignored)", TransmissionEvent::Transmitted, true},
                              {"failed", TransmissionEvent::Fail, true},
                              {"failed, no attempt left", TransmissionEvent::Fail, false},
                              {"psp event", TransmissionEvent::PspEvent, false}};
    const char* const labels[] = {"QUEUED", "CLAIMED", "TRANSMITTED", "ABANDONED"};
    const char* const claimed = "CLAIMED - PAYOUT_CLAIMED";
    const char* const given_up = "ABANDONED - PAYOUT_ABANDONED";
    const char* const sent = "TRANSMITTED - PAYOUT_TRANSMITTED";
    const char* const expected[4][7] = {
        {claimed, given_up, sent, sent, "=", "=", sent},
        {claimed, given_up, sent, sent, "QUEUED - PAYOUT_TRANSMISSION_FAILED", given_up, sent},
        {kInvalid, kInvalid, "=", "=", "=", "=", "="},
        {kInvalid, kInvalid, sent, sent, "=", "=", sent},
    };
    check_table<TransmissionState>(labels, columns, expected, [](TransmissionState from, const Column& c) {
        return transmission_step(from, c.event, c.attempts_left);
    });
    EXPECT_EQ(detail_of([] { transmission_step(TransmissionState::Transmitted, TransmissionEvent::Claim, true); }),
              "INVALID_TRANSITION: Cannot claim a payout in status TRANSMITTED.");
}

TEST(Transitions, Mandate) {
    struct Column {
        const char* name;
        MandateEvent event;
        MandateFacts facts;
    };
    const Column columns[] = {{"consume", MandateEvent::Consume, {}},
                              {"consume reaching the total", MandateEvent::Consume, {true, false}},
                              {"consume (refund's fact ignored)", MandateEvent::Consume, {false, true}},
                              {"expire", MandateEvent::Expire, {}},
                              {"expire (facts ignored)", MandateEvent::Expire, {true, true}},
                              {"refund", MandateEvent::Refund, {}},
                              {"refund that may reactivate", MandateEvent::Refund, {false, true}},
                              {"refund (consume's fact ignored)", MandateEvent::Refund, {true, false}}};
    const char* const labels[] = {"ACTIVE", "EXPIRED", "CONSUMED"};
    const char* const expected[3][8] = {
        {"ACTIVE - MANDATE_CONSUMED", "CONSUMED - MANDATE_CONSUMED", "ACTIVE - MANDATE_CONSUMED",
         "EXPIRED - MANDATE_EXPIRED", "EXPIRED - MANDATE_EXPIRED", "ACTIVE - PURCHASE_REFUNDED",
         "ACTIVE - PURCHASE_REFUNDED", "ACTIVE - PURCHASE_REFUNDED"},
        {"!MANDATE_CONFLICT", "!MANDATE_CONFLICT", "!MANDATE_CONFLICT", "=", "=", "EXPIRED - PURCHASE_REFUNDED",
         "EXPIRED - PURCHASE_REFUNDED", "EXPIRED - PURCHASE_REFUNDED"},
        {"!MANDATE_CONFLICT", "!MANDATE_CONFLICT", "!MANDATE_CONFLICT", "=", "=", "CONSUMED - PURCHASE_REFUNDED",
         "ACTIVE - PURCHASE_REFUNDED", "CONSUMED - PURCHASE_REFUNDED"},
    };
    check_table<MandateStatus>(labels, columns, expected, [](MandateStatus from, const Column& c) {
        return mandate_step(from, c.event, c.facts);
    });
}

TEST(Transitions, RefusalSentences) {
    EXPECT_EQ(detail_of([] { escrow_step(EscrowStatus::Draft, EscrowEvent::MarkDelivered); }),
              "INVALID_TRANSITION: Cannot mark as delivered an escrow in status DRAFT.");
    EXPECT_EQ(detail_of([] { escrow_step(EscrowStatus::Refunded, EscrowEvent::ClientApprove); }),
              "INVALID_TRANSITION: Cannot approve an escrow in status REFUNDED.");
    EXPECT_EQ(detail_of([] { escrow_step(EscrowStatus::Released, EscrowEvent::Deposit); }),
              "ESCROW_NOT_ACTIVE: Cannot deposit into an escrow in status RELEASED. The escrow is closed.");
    EXPECT_EQ(detail_of([] { milestone_step(MilestoneStatus::PendingReview, MilestoneEvent::SubmitForReview); }),
              "MILESTONE_NOT_WAITING: Cannot submit a proof for a milestone in status PENDING_REVIEW. The "
              "milestone is not waiting for a proof.");
    EXPECT_EQ(detail_of([] { milestone_step(MilestoneStatus::Waiting, MilestoneEvent::Paid); }),
              "INVALID_TRANSITION: Cannot mark as paid a milestone in status WAITING.");
    EXPECT_EQ(detail_of([] { proof_step(ProofStatus::Approved, ProofEvent::Reject); }),
              "PROOF_ALREADY_APPROVED: Cannot reject a proof in status APPROVED. The proof is already approved.");
    EXPECT_EQ(detail_of([] { payment_step(PaymentStatus::Error, PaymentEvent::Payout); }),
              "PAYMENT_IN_ERROR: Cannot pay out a payment in status ERROR. The payment failed; use a new "
              "idempotency key to retry.");
    EXPECT_EQ(detail_of([] { mandate_step(MandateStatus::Expired, MandateEvent::Consume); }),
              "MANDATE_CONFLICT: Cannot spend from a mandate in status EXPIRED. The mandate cannot cover this amount.");
}

TEST(Transitions, LabelsAreTheSqlEnums) {
    // spec section 1, in declaration order.
    const std::vector<std::string> escrow = {"DRAFT", "FUNDED", "RELEASABLE", "RELEASED", "REFUNDED", "CANCELLED"};
    const std::vector<std::string> milestone = {"WAITING", "PENDING_REVIEW", "APPROVED", "REJECTED", "PAYING", "PAID"};
    const std::vector<std::string> proof = {"PENDING", "APPROVED", "REJECTED"};
    const std::vector<std::string> payment = {"PENDING", "SENT", "SETTLED", "ERROR", "REFUNDED"};
    const std::vector<std::string> mandate = {"ACTIVE", "EXPIRED", "CONSUMED"};
    for (std::size_t i = 0; i < escrow.size(); ++i) EXPECT_EQ(status_name(static_cast<EscrowStatus>(i)), escrow[i]);
    for (std::size_t i = 0; i < milestone.size(); ++i) EXPECT_EQ(status_name(static_cast<MilestoneStatus>(i)), milestone[i]);
    for (std::size_t i = 0; i < proof.size(); ++i) EXPECT_EQ(status_name(static_cast<ProofStatus>(i)), proof[i]);
    for (std::size_t i = 0; i < payment.size(); ++i) EXPECT_EQ(status_name(static_cast<PaymentStatus>(i)), payment[i]);
    for (std::size_t i = 0; i < mandate.size(); ++i) EXPECT_EQ(status_name(static_cast<MandateStatus>(i)), mandate[i]);

    for (const char* wrong : {"", "draft", "Draft", " DRAFT", "DRAFT ", "PAID", "DRAFTS"}) {
        EXPECT_FALSE(parse_status<EscrowStatus>(wrong).has_value()) << wrong;
    }
    EXPECT_FALSE(parse_status<PaymentStatus>("PAID").has_value());
    EXPECT_FALSE(parse_status<MilestoneStatus>("PENDING").has_value());
    EXPECT_FALSE(parse_status<ProofStatus>("SENT").has_value());
    EXPECT_FALSE(parse_status<MandateStatus>("active").has_value());
    EXPECT_EQ(parse_status<PaymentStatus>("ERROR"), PaymentStatus::Error);
    EXPECT_EQ(parse_status<MandateStatus>("CONSUMED"), MandateStatus::Consumed);
}

TEST(Transitions, StatusPredicates) {
    std::string terminal, open, debits;
    for (int i = 0; i < 6; ++i) {
        if (is_terminal(static_cast<EscrowStatus>(i))) terminal += std::string(status_name(static_cast<EscrowStatus>(i))) + " ";
        if (is_open(static_cast<MilestoneStatus>(i))) open += std::string(status_name(static_cast<MilestoneStatus>(i))) + " ";
    }
    for (int i = 0; i < 5; ++i) {
        if (counts_as_paid(static_cast<PaymentStatus>(i))) debits += std::string(status_name(static_cast<PaymentStatus>(i))) + " ";
    }
    EXPECT_EQ(terminal, "RELEASED REFUNDED CANCELLED ");
    EXPECT_EQ(open, "WAITING PENDING_REVIEW APPROVED PAYING ");
    EXPECT_EQ(debits, "SENT SETTLED ");
    EXPECT_EQ(paid_payment_statuses(), "{SENT,SETTLED}");
}
