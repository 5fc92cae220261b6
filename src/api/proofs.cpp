// Proofs of milestones (spec.md section 4): a photo proof is validated by core/photo_rules
// (EXIF time window, geofence, trusted source); a valid one approves its milestone and pays it
// out in the same transaction, closing the escrow when every milestone is paid. Anything else
// waits for a decision (decide_proof) by the client.
//
// Both calls go the same way: the proof store's snapshot under the escrow's and the milestone's
// locks, core::plan_*_proof, and, when the milestone is approved, the payout engine's snapshot
// and plan (core/payout_plan); then the stores apply both decisions.
#include "context/identity.hpp"
#include "core/errors.hpp"
#include "core/json_limits.hpp"
#include "core/payout_plan.hpp"
#include "core/proof_plan.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/escrow_store.hpp"
#include "store/payment_store.hpp"
#include "store/proof_store.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

// The milestone's payout, planned before anything is written and applied after the proof's writes.
struct Payout {
    core::MilestonePayoutSnapshot snapshot;
    core::PayoutDecision decision;
    std::string key;
};

Payout plan_payout(pg::Spi& spi, const core::EscrowState& escrow, int64_t milestone_id, int64_t cents,
                   core::MilestoneStatus milestone_status, const std::string& key) {
    Payout payout{store::milestone_payout_snapshot(spi, escrow, milestone_id, cents, milestone_status, key), {}, key};
    payout.decision = core::plan_milestone_payout(payout.snapshot);
    return payout;
}

}  // namespace

// submit_proof(escrow_id bigint, milestone_idx integer, type text, storage_url text, sha256 text,
//              metadata jsonb DEFAULT NULL) RETURNS proofs
KOBA_FUNCTION(kobatela_submit_proof) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    store::NewProof proof{args.int8(0, "escrow_id"),
                          args.int4(1, "milestone_idx"),
                          args.text(2, "type"),
                          args.text(3, "storage_url"),
                          core::normalize_proof_digest(args.text(4, "sha256")),
                          std::nullopt};
    if (!args.is_null(5)) proof.metadata = args.bounded_jsonb(5, "metadata", core::kProofMetadataLimits);
    core::require_text(proof.type, "type", 50);
    core::require_text(proof.storage_url, "storage_url", 1024);
    if (proof.metadata && *proof.metadata != "null" && proof.metadata->front() != '{')
        throw Error(ErrorCode::INVALID_JSON, "metadata must be a JSON object.");

    pg::Spi spi;
    const core::EscrowState escrow = store::lock_escrow_of_proof(spi, proof.escrow_id);
    context::require_escrow_party(caller, escrow, context::EscrowParty::Provider);  // who did the work proves it
    const core::SubmitProofSnapshot snapshot = store::submit_proof_snapshot(spi, escrow, proof);
    const core::PhotoLimits limits{pg::now_micros(), pg::settings::proof_max_age_min(),
                                   pg::settings::proof_future_tolerance_min(), pg::settings::geofence_tolerance_m()};
    const core::SubmitProofDecision decision = core::plan_submit_proof(snapshot, limits);
    std::optional<Payout> payout;
    if (decision.pay)
        payout = plan_payout(spi, snapshot.escrow, snapshot.milestone.id, snapshot.milestone.cents,
                             decision.milestone_to, decision.payout_key);

    const int64_t proof_id = store::apply_submit_proof(spi, proof, snapshot, decision);
    if (payout) store::apply_milestone_payout(spi, payout->snapshot, payout->decision, payout->key);
    return store::proof_row(spi, proof_id, fcinfo);
}

// decide_proof(proof_id bigint, decision text, note text DEFAULT NULL) RETURNS proofs
KOBA_FUNCTION(kobatela_decide_proof) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t proof_id = args.int8(0, "proof_id");
    const std::string word = core::lower_ascii(core::trim_ascii(args.text(1, "decision")));
    if (word != "approved" && word != "rejected") throw Error(ErrorCode::INVALID_DECISION);
    const std::optional<std::string> note = args.opt_text(2);
    if (note) core::require_text(*note, "note", 1000);

    pg::Spi spi;
    // The escrow first, then the proof: the same lock order as every other money path.
    const core::EscrowState escrow = store::lock_escrow(spi, store::proof_escrow_id(spi, proof_id));
    context::require_escrow_party(caller, escrow, context::EscrowParty::Client);  // the client validates the work
    const core::DecideProofSnapshot snapshot = store::decide_proof_snapshot(spi, escrow, proof_id);
    const core::DecideProofDecision decision = core::plan_decide_proof(snapshot, word == "approved");
    std::optional<Payout> payout;
    if (decision.pay)
        payout = plan_payout(spi, escrow, snapshot.milestone_id, snapshot.milestone_cents, decision.milestone_to,
                             decision.payout_key);

    store::apply_decide_proof(spi, proof_id, snapshot, decision, word, note);
    if (payout) store::apply_milestone_payout(spi, payout->snapshot, payout->decision, payout->key);
    return store::proof_row(spi, proof_id, fcinfo);
}
