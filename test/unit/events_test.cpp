#include "core/events.hpp"

#include "core/pagination.hpp"
#include "core/transitions.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace koba::core;

namespace {

const EventSource& source(std::string_view table) {
    const EventSource* s = event_source(table);
    if (s == nullptr) throw std::logic_error("no event source " + std::string(table));
    return *s;
}

std::optional<std::string> inserted(std::string_view table, std::string_view status = "", std::string_view kind = "",
                                    bool retry = false) {
    return event_type(source(table), RowChange{true, "", status, kind, retry});
}

std::optional<std::string> updated(std::string_view table, std::string_view from, std::string_view to,
                                   std::string_view kind = "") {
    return event_type(source(table), RowChange{false, from, to, kind, false});
}

}  // namespace

TEST(Events, EveryInsertIsAnEvent) {
    EXPECT_EQ(inserted("users"), "user.created");
    EXPECT_EQ(inserted("transactions", "COMPLETED"), "transaction.created");
    EXPECT_EQ(inserted("transactions", "REJECTED"), "transaction.rejected");
    EXPECT_EQ(inserted("escrow_agreements", "DRAFT"), "escrow.created");
    EXPECT_EQ(inserted("escrow_deposits"), "deposit.created");
    EXPECT_EQ(inserted("milestones", "WAITING"), "milestone.created");
    EXPECT_EQ(inserted("proofs", "PENDING"), "proof.submitted");
    EXPECT_EQ(inserted("proofs", "APPROVED"), "proof.approved");
    EXPECT_EQ(inserted("usage_mandates", "ACTIVE"), "mandate.created");
    EXPECT_EQ(inserted("purchases", "COMPLETED"), "purchase.created");
    EXPECT_EQ(inserted("purchase_refunds"), "purchase.refunded");
}

TEST(Events, PaymentsAndRefunds) {
    EXPECT_EQ(inserted("payments", "SENT", "MILESTONE"), "payment.sent");
    EXPECT_EQ(inserted("payments", "SENT", "PAYEE"), "payment.sent");
    EXPECT_EQ(inserted("payments", "SENT", "RELEASE"), "payment.sent");
    EXPECT_EQ(inserted("payments", "SENT", "REFUND"), "refund.sent");
    EXPECT_EQ(inserted("payments", "PENDING", "MILESTONE"), "payment.created");
    EXPECT_EQ(inserted("payments", "SENT", "PAYEE", true), "payment.retried");
    EXPECT_EQ(inserted("payments", "SENT", "REFUND", true), "refund.retried");
    EXPECT_EQ(updated("payments", "PENDING", "SENT", "RELEASE"), "payment.sent");
    EXPECT_EQ(updated("payments", "SENT", "SETTLED", "PAYEE"), "payment.settled");
    EXPECT_EQ(updated("payments", "ERROR", "SETTLED", "PAYEE"), "payment.settled");
    EXPECT_EQ(updated("payments", "SENT", "ERROR", "MILESTONE"), "payment.failed");
    EXPECT_EQ(updated("payments", "SENT", "SETTLED", "REFUND"), "refund.settled");
    EXPECT_EQ(updated("payments", "SENT", "ERROR", "REFUND"), "refund.failed");
    EXPECT_EQ(updated("payments", "SETTLED", "REFUNDED", "PAYEE"), "payment.refunded");
}

TEST(Events, StatusChanges) {
    EXPECT_EQ(updated("escrow_agreements", "DRAFT", "FUNDED"), "escrow.funded");
    EXPECT_EQ(updated("escrow_agreements", "FUNDED", "RELEASABLE"), "escrow.delivered");
    EXPECT_EQ(updated("escrow_agreements", "RELEASABLE", "RELEASED"), "escrow.released");
    EXPECT_EQ(updated("escrow_agreements", "FUNDED", "REFUNDED"), "escrow.refunded");
    EXPECT_EQ(updated("escrow_agreements", "DRAFT", "CANCELLED"), "escrow.cancelled");
    EXPECT_EQ(updated("milestones", "WAITING", "PENDING_REVIEW"), "milestone.in_review");
    EXPECT_EQ(updated("milestones", "WAITING", "APPROVED"), "milestone.approved");
    EXPECT_EQ(updated("milestones", "PENDING_REVIEW", "REJECTED"), "milestone.rejected");
    EXPECT_EQ(updated("milestones", "APPROVED", "PAYING"), "milestone.paying");
    EXPECT_EQ(updated("milestones", "APPROVED", "PAID"), "milestone.paid");
    EXPECT_EQ(updated("milestones", "WAITING", "RELEASED"), "milestone.released");
    EXPECT_EQ(updated("milestones", "WAITING", "CANCELLED"), "milestone.cancelled");
    EXPECT_EQ(updated("proofs", "PENDING", "APPROVED"), "proof.approved");
    EXPECT_EQ(updated("proofs", "PENDING", "REJECTED"), "proof.rejected");
    EXPECT_EQ(updated("usage_mandates", "ACTIVE", "CONSUMED"), "mandate.consumed");
    EXPECT_EQ(updated("usage_mandates", "ACTIVE", "EXPIRED"), "mandate.expired");
    EXPECT_EQ(updated("usage_mandates", "CONSUMED", "ACTIVE"), "mandate.reactivated");
}

TEST(Events, AnUpdateThatKeepsTheStatusIsNone) {
    EXPECT_EQ(updated("escrow_agreements", "FUNDED", "FUNDED"), std::nullopt);
    EXPECT_EQ(updated("payments", "SENT", "SENT", "PAYEE"), std::nullopt);
    EXPECT_EQ(updated("usage_mandates", "ACTIVE", "ACTIVE"), std::nullopt);
    // Tables without a status: only their inserts are events.
    EXPECT_EQ(updated("users", "", ""), std::nullopt);
    EXPECT_EQ(updated("escrow_deposits", "", ""), std::nullopt);
    EXPECT_EQ(updated("purchase_refunds", "", ""), std::nullopt);
}

TEST(Events, AStatusNoRuleNamesIsStillAnEvent) {
    EXPECT_EQ(updated("transactions", "PENDING", "COMPLETED"), "transaction.completed");
    EXPECT_EQ(updated("purchases", "COMPLETED", "REJECTED"), "purchase.rejected");
    EXPECT_EQ(updated("payments", "SENT", "PENDING", "PAYEE"), "payment.pending");
}

// Every status of every state machine, reached by an update, has a named event (no fallback).
TEST(Events, EveryStatusOfTheStateMachinesIsNamed) {
    const std::vector<std::string> types = event_types();
    const auto named = [&](const std::optional<std::string>& type) {
        return type && std::find(types.begin(), types.end(), *type) != types.end();
    };
    for (const EscrowStatus s : {EscrowStatus::Funded, EscrowStatus::Releasable, EscrowStatus::Released,
                                 EscrowStatus::Refunded, EscrowStatus::Cancelled})
        EXPECT_TRUE(named(updated("escrow_agreements", "DRAFT", status_name(s)))) << status_name(s);
    for (const MilestoneStatus s : {MilestoneStatus::PendingReview, MilestoneStatus::Approved, MilestoneStatus::Rejected,
                                    MilestoneStatus::Paying, MilestoneStatus::Paid, MilestoneStatus::Released,
                                    MilestoneStatus::Cancelled})
        EXPECT_TRUE(named(updated("milestones", "WAITING", status_name(s)))) << status_name(s);
    for (const ProofStatus s : {ProofStatus::Approved, ProofStatus::Rejected})
        EXPECT_TRUE(named(updated("proofs", "PENDING", status_name(s)))) << status_name(s);
    for (const PaymentStatus s : {PaymentStatus::Sent, PaymentStatus::Settled, PaymentStatus::Error, PaymentStatus::Refunded})
        for (const std::string_view kind : {"MILESTONE", "REFUND"})
            EXPECT_TRUE(named(updated("payments", "PENDING", status_name(s), kind))) << status_name(s);
    for (const MandateStatus s : {MandateStatus::Active, MandateStatus::Expired, MandateStatus::Consumed})
        EXPECT_TRUE(named(updated("usage_mandates", s == MandateStatus::Active ? "CONSUMED" : "ACTIVE", status_name(s))))
            << status_name(s);
}

TEST(Events, SourcesAreTheBusinessTables) {
    EXPECT_EQ(event_source("api_keys"), nullptr);  // secrets: never an event
    EXPECT_EQ(event_source("events"), nullptr);
    EXPECT_EQ(event_source("audit_log"), nullptr);
    EXPECT_EQ(event_sources().size(), 10u);
    for (const EventSource& s : event_sources()) {
        // Every source has its parties somewhere.
        EXPECT_FALSE(s.party_a_column.empty() && s.escrow_column.empty() && s.purchase_column.empty()) << s.table;
        EXPECT_EQ(event_source(s.table), &s);
    }
}

// docs/events.md lists every type, in a table row of its own ("| `escrow.funded` |").
TEST(Events, TheDocsListEveryType) {
    std::ifstream file(std::string(KOBA_DOCS_DIR) + "/events.md");
    ASSERT_TRUE(file) << "docs/events.md";
    std::stringstream text;
    text << file.rdbuf();
    for (const std::string& type : event_types())
        EXPECT_NE(text.str().find("| `" + type + "` |"), std::string::npos) << type;
}

TEST(Events, FeedCursors) {
    const FeedPosition start = decode_feed_cursor(std::nullopt);
    EXPECT_EQ(start.txid, 0u);
    EXPECT_EQ(start.id, 0);
    const FeedPosition p = decode_feed_cursor(encode_feed_cursor({123456789012u, 42}));
    EXPECT_EQ(p.txid, 123456789012u);
    EXPECT_EQ(p.id, 42);
    EXPECT_EQ(koba::test::error_of([] { decode_feed_cursor(std::string("nonsense")); }), ErrorCode::INVALID_CURSOR);
    // A cursor of another list, or a negative key, is no feed cursor.
    EXPECT_EQ(koba::test::error_of([] { decode_feed_cursor(encode_cursor("payments", {1, 2})); }), ErrorCode::INVALID_CURSOR);
    EXPECT_EQ(koba::test::error_of([] { decode_feed_cursor(encode_cursor("events_since", {-1, 2})); }),
              ErrorCode::INVALID_CURSOR);
}
