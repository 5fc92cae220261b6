// The decisions about proofs of milestones (spec.md section 4), pure: src/store/proof_store.hpp
// reads the escrow, the milestone and the proof under their row locks and applies the decision;
// a proof that approves its milestone is then paid out by the payout engine (core/payout_plan).
#pragma once

#include "core/escrow_money.hpp"

#include "core/escrow_state.hpp"
#include "core/photo_rules.hpp"
#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace koba::core {

struct MilestoneState {
    int64_t id = 0;
    int64_t cents = 0;
    std::string proof_type;
    std::optional<Geofence> fence;
    MilestoneStatus status = MilestoneStatus::Waiting;
};

struct SubmitProofSnapshot {
    EscrowState escrow;
    MilestoneState milestone;
    std::optional<int64_t> current_milestone_id;  // the lowest idx still open; none: all closed
    PhotoMetadata photo;                          // the metadata's photo fields
    bool digest_used = false;                     // a proof with this sha256 exists
};

struct SubmitProofDecision {
    ProofStatus proof_status = ProofStatus::Pending;
    std::string review_json;  // merged into the stored metadata
    MilestoneStatus milestone_to = MilestoneStatus::PendingReview;
    bool pay = false;           // auto-approved: the milestone is paid out now
    std::string payout_key;     // when pay
    std::string_view audit_action;  // SUBMIT_PROOF
};

// A photo is judged first, as the spec orders it (a hard failure is refused even for a milestone
// that is not current); then NO_OPEN_MILESTONE, SEQUENCE_ERROR (milestones are proven in order),
// MILESTONE_NOT_WAITING, ESCROW_NOT_ACTIVE (a closed escrow whose milestone is still open), and
// PROOF_EXISTS. Anything but a valid photo waits for a decision.
SubmitProofDecision plan_submit_proof(const SubmitProofSnapshot& s, const PhotoLimits& limits);

struct DecideProofSnapshot {
    EscrowState escrow;
    ProofStatus proof_status = ProofStatus::Pending;
    int64_t milestone_id = 0;
    int64_t milestone_cents = 0;
    MilestoneStatus milestone_status = MilestoneStatus::PendingReview;
};

struct DecideProofDecision {
    bool unchanged = false;  // decided before the same way: the proof is returned as it is
    ProofStatus proof_to = ProofStatus::Pending;
    MilestoneStatus milestone_to = MilestoneStatus::PendingReview;
    std::string_view audit_action;  // APPROVE_PROOF, REJECT_PROOF
    bool pay = false;               // approved: the milestone is paid out now
    std::string payout_key;
    EscrowMoney money{};              // rejected: the milestone's reservation ends
};

// `approve`: the reviewer's decision. PROOF_ALREADY_APPROVED / PROOF_ALREADY_REJECTED when the
// proof was decided the other way.
DecideProofDecision plan_decide_proof(const DecideProofSnapshot& s, bool approve);

}  // namespace koba::core
