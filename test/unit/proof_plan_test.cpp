// Proofs' decisions (core/proof_plan): statuses of the proof and its milestone, and the payout.
#include "core/proof_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;
const PhotoLimits kLimits{kNow, 30, 5, 50.0};

SubmitProofSnapshot snapshot(std::string proof_type = "PDF") {
    SubmitProofSnapshot s;
    s.escrow.id = 7;
    s.escrow.status = EscrowStatus::Funded;
    s.milestone = MilestoneState{3, 2500, std::move(proof_type), std::nullopt, MilestoneStatus::Waiting};
    s.current_milestone_id = 3;
    s.photo.present = false;
    return s;
}

}  // namespace

TEST(PlanSubmitProof, AnythingButAValidPhotoWaitsForReview) {
    const SubmitProofDecision d = plan_submit_proof(snapshot(), kLimits);
    EXPECT_EQ(d.proof_status, ProofStatus::Pending);
    EXPECT_EQ(d.milestone_to, MilestoneStatus::PendingReview);
    EXPECT_FALSE(d.pay);
    EXPECT_EQ(d.audit_action, "SUBMIT_PROOF");
    // A photo without metadata is a soft failure: reviewed too.
    const SubmitProofDecision photo = plan_submit_proof(snapshot("PHOTO"), kLimits);
    EXPECT_FALSE(photo.pay);
    EXPECT_NE(photo.review_json.find("MISSING_METADATA"), std::string::npos);
}

TEST(PlanSubmitProof, AValidPhotoApprovesAndPaysItsMilestone) {
    SubmitProofSnapshot s = snapshot("PHOTO");
    s.photo = PhotoMetadata{true, std::string("2023-11-14T22:10:00Z"), std::nullopt, std::nullopt, std::nullopt};
    const SubmitProofDecision d = plan_submit_proof(s, kLimits);
    EXPECT_EQ(d.proof_status, ProofStatus::Approved);
    EXPECT_EQ(d.milestone_to, MilestoneStatus::Approved);
    EXPECT_TRUE(d.pay);
    EXPECT_EQ(d.payout_key, "pay|escrow:7|ms:3|amt:25.00");
}

TEST(PlanSubmitProof, RefusalsComeInTheSpecsOrder) {
    SubmitProofSnapshot none = snapshot();
    none.current_milestone_id.reset();
    EXPECT_EQ(error_of([&] { plan_submit_proof(none, kLimits); }), ErrorCode::NO_OPEN_MILESTONE);
    SubmitProofSnapshot later = snapshot();
    later.current_milestone_id = 2;
    EXPECT_EQ(error_of([&] { plan_submit_proof(later, kLimits); }), ErrorCode::SEQUENCE_ERROR);
    SubmitProofSnapshot reviewed = snapshot();
    reviewed.milestone.status = MilestoneStatus::PendingReview;
    EXPECT_EQ(error_of([&] { plan_submit_proof(reviewed, kLimits); }), ErrorCode::MILESTONE_NOT_WAITING);
    SubmitProofSnapshot closed = snapshot();
    closed.escrow.status = EscrowStatus::Refunded;
    EXPECT_EQ(error_of([&] { plan_submit_proof(closed, kLimits); }), ErrorCode::ESCROW_NOT_ACTIVE);
    SubmitProofSnapshot duplicate = snapshot();
    duplicate.digest_used = true;
    EXPECT_EQ(error_of([&] { plan_submit_proof(duplicate, kLimits); }), ErrorCode::PROOF_EXISTS);
    // A photo's hard failure comes first, even for a milestone that is not current.
    SubmitProofSnapshot stale = snapshot("PHOTO");
    stale.current_milestone_id = 2;
    stale.photo = PhotoMetadata{true, std::string("2020-01-01T00:00:00Z"), std::nullopt, std::nullopt, std::nullopt};
    EXPECT_EQ(error_of([&] { plan_submit_proof(stale, kLimits); }), ErrorCode::STALE_TIMESTAMP);
}

TEST(PlanDecideProof, ApprovalPaysAndRejectionDoesNot) {
    DecideProofSnapshot s;
    s.escrow.id = 7;
    s.milestone_id = 3;
    s.milestone_cents = 2500;
    const DecideProofDecision approved = plan_decide_proof(s, true);
    EXPECT_EQ(approved.proof_to, ProofStatus::Approved);
    EXPECT_EQ(approved.milestone_to, MilestoneStatus::Approved);
    EXPECT_EQ(approved.audit_action, "APPROVE_PROOF");
    EXPECT_TRUE(approved.pay);
    EXPECT_EQ(approved.payout_key, "escrow:7:milestone:3:amount:25.00");
    const DecideProofDecision rejected = plan_decide_proof(s, false);
    EXPECT_EQ(rejected.proof_to, ProofStatus::Rejected);
    EXPECT_EQ(rejected.milestone_to, MilestoneStatus::Rejected);
    EXPECT_EQ(rejected.audit_action, "REJECT_PROOF");
    EXPECT_FALSE(rejected.pay);
}

TEST(PlanDecideProof, ADecisionAgainIsUnchangedAndTheOtherWayIsRefused) {
    DecideProofSnapshot s;
    s.proof_status = ProofStatus::Approved;
    s.milestone_status = MilestoneStatus::Paid;
    EXPECT_TRUE(plan_decide_proof(s, true).unchanged);
    EXPECT_EQ(error_of([&] { plan_decide_proof(s, false); }), ErrorCode::PROOF_ALREADY_APPROVED);
}

TEST(OpenMilestoneStatuses, ListsTheOpenOnesForSql) {
    EXPECT_EQ(open_milestone_statuses(), "{WAITING,PENDING_REVIEW,APPROVED,PAYING}");
}
