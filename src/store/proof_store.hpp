// The proofs' SQL: the snapshot a proof is submitted or decided on (core/proof_plan.hpp), read
// under the escrow's and the milestone's row locks, and the writes that apply the decision.
#pragma once

#include "core/proof_plan.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

struct NewProof {
    int64_t escrow_id;
    int32_t milestone_idx;
    std::string type;
    std::string storage_url;
    std::string sha256;
    std::optional<std::string> metadata;  // JSON object, or JSON null, or none
};

// The escrow, locked: MILESTONE_NOT_FOUND when it does not exist (spec.md section 4, step 1: one
// 404 for a proof to nowhere).
core::EscrowState lock_escrow_of_proof(pg::Spi& spi, int64_t escrow_id);
// Once the caller was found to be the escrow's party: the milestone at idx, locked; the escrow's
// current milestone; the metadata's photo fields, read by PostgreSQL's own JSON operators; whether
// the digest is taken.
core::SubmitProofSnapshot submit_proof_snapshot(pg::Spi& spi, const core::EscrowState& escrow, const NewProof& proof);
// Inserts the proof and moves its milestone, as decided; returns the proof's id. PROOF_EXISTS when
// a concurrent submission took the digest meanwhile.
int64_t apply_submit_proof(pg::Spi& spi, const NewProof& proof, const core::SubmitProofSnapshot& snapshot,
                           const core::SubmitProofDecision& decision);

// The proof's escrow id (PROOF_NOT_FOUND); then, once the caller holds the escrow's lock, the
// proof and its milestone locked.
int64_t proof_escrow_id(pg::Spi& spi, int64_t proof_id);
core::DecideProofSnapshot decide_proof_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t proof_id);
// The decision and the reviewer's note are kept in the proof (metadata.decision), where the
// provider reads why a proof was rejected; its audit row records them too.
void apply_decide_proof(pg::Spi& spi, int64_t proof_id, const core::DecideProofSnapshot& snapshot,
                        const core::DecideProofDecision& decision, std::string_view decision_word,
                        const std::optional<std::string>& note);

// The proofs row, as the calling function's result.
Datum proof_row(pg::Spi& spi, int64_t proof_id, FunctionCallInfo fcinfo);

}  // namespace koba::store
