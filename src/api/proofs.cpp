// Proofs of milestones (spec.md section 4): a photo proof is validated by core/photo_rules
// (EXIF time window, geofence, trusted source); a valid one approves its milestone and pays it
// out in the same transaction, closing the escrow when every milestone is paid. Anything else
// waits for a decision (decide_proof) by the client.
#include "api/audit.hpp"
#include "api/escrow_store.hpp"
#include "api/identity.hpp"
#include "api/payouts.hpp"
#include "core/errors.hpp"
#include "core/json_limits.hpp"
#include "core/money.hpp"
#include "core/photo_rules.hpp"
#include "core/text_rules.hpp"
#include "core/transitions.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;
using core::MilestoneStatus;
using core::ProofStatus;

namespace {

struct Milestone {
    int64_t id;
    int64_t cents;
    std::string proof_type;
    std::optional<core::Geofence> fence;
    MilestoneStatus status;
};

Milestone find_milestone(pg::Spi& spi, int64_t escrow_id, int32_t idx) {
    static pg::Statement select{
        "SELECT id, amount, proof_type, geofence_lat, geofence_lng, geofence_radius_m, status::text "
        "FROM kobatela.milestones WHERE escrow_id = $1 AND idx = $2 FOR UPDATE",
        {INT8OID, INT4OID}};
    const pg::Result r = spi.run(select, pg::Params().int8(escrow_id).int4(idx));
    if (r.empty()) throw Error(ErrorCode::MILESTONE_NOT_FOUND);
    std::optional<core::Geofence> fence;
    if (!r.is_null(0, 4)) fence = core::Geofence{r.float8(0, 4), r.float8(0, 5), r.float8(0, 6)};
    return Milestone{r.int8(0, 1), r.money(0, 2), r.text(0, 3), fence,
                     core::parse_status<MilestoneStatus>(r.text(0, 7)).value()};
}

// The photo fields of a proof's metadata, read by PostgreSQL's own JSON operators.
core::PhotoMetadata photo_metadata(pg::Spi& spi, const std::optional<std::string>& metadata) {
    core::PhotoMetadata photo;
    if (!metadata || *metadata == "null") {
        photo.present = false;
        return photo;
    }
    // Numbers come as their JSON text and are converted here: a number beyond float8's range
    // (1e400) is not a position (MISSING_GPS), never a raw "out of range" from a cast.
    static pg::Statement fields{
        "SELECT CASE WHEN jsonb_typeof(m -> 'exif_timestamp') = 'string' THEN m ->> 'exif_timestamp' END, "
        "       CASE WHEN jsonb_typeof(m -> 'gps_lat') = 'number' THEN m ->> 'gps_lat' END, "
        "       CASE WHEN jsonb_typeof(m -> 'gps_lng') = 'number' THEN m ->> 'gps_lng' END, "
        "       CASE jsonb_typeof(m -> 'source') WHEN 'string' THEN m ->> 'source' WHEN 'null' THEN NULL "
        "            ELSE (m -> 'source')::text END "
        "FROM (SELECT $1::jsonb AS m) j",
        {TEXTOID}};
    const pg::Result r = spi.run(fields, pg::Params().text(*metadata));
    photo.exif_timestamp = r.opt_text(0, 1);
    if (!r.is_null(0, 2)) photo.gps_lat = core::json_number_as_double(r.text(0, 2));
    if (!r.is_null(0, 3)) photo.gps_lng = core::json_number_as_double(r.text(0, 3));
    photo.source = r.opt_text(0, 4);
    return photo;
}

// Milestones are proven in order: the current one is the lowest idx still open.
void require_current_milestone(pg::Spi& spi, int64_t escrow_id, const Milestone& milestone) {
    static pg::Statement current{
        "SELECT id FROM kobatela.milestones WHERE escrow_id = $1 "
        "AND status IN ('WAITING', 'PENDING_REVIEW', 'APPROVED', 'PAYING') ORDER BY idx LIMIT 1",
        {INT8OID}};
    const pg::Result open = spi.run(current, pg::Params().int8(escrow_id));
    if (open.empty()) throw Error(ErrorCode::NO_OPEN_MILESTONE);
    if (open.int8(0, 1) != milestone.id) throw Error(ErrorCode::SEQUENCE_ERROR);
    if (milestone.status != MilestoneStatus::Waiting)
        throw Error(ErrorCode::MILESTONE_NOT_WAITING,
                    "The milestone is " + std::string(core::status_name(milestone.status)) + ".");
}

void set_milestone_status(pg::Spi& spi, int64_t milestone_id, MilestoneStatus status) {
    static pg::Statement update{
        "UPDATE kobatela.milestones SET status = $2::kobatela.milestone_status WHERE id = $1", {INT8OID, TEXTOID}};
    spi.run(update, pg::Params().int8(milestone_id).text(core::status_name(status)));
}

// The escrow, locked. A proof for a milestone that does not exist is MILESTONE_NOT_FOUND, also when
// its escrow does not exist (spec.md section 4, step 1: one 404 for a proof to nowhere).
api::Escrow lock_escrow_of_proof(pg::Spi& spi, int64_t escrow_id) {
    try {
        return api::lock_escrow(spi, escrow_id);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::ESCROW_NOT_FOUND) throw;
        throw Error(ErrorCode::MILESTONE_NOT_FOUND, "Milestone not found: the escrow does not exist.");
    }
}

Datum proof_row(pg::Spi& spi, int64_t proof_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.proofs WHERE id = $1", {INT8OID}};
    return spi.run(select, pg::Params().int8(proof_id)).composite(0, fcinfo);
}

}  // namespace

// submit_proof(escrow_id bigint, milestone_idx integer, type text, storage_url text, sha256 text,
//              metadata jsonb DEFAULT NULL) RETURNS proofs
KOBA_FUNCTION(kobatela_submit_proof) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const int32_t idx = args.int4(1, "milestone_idx");
    const std::string type = args.text(2, "type");
    const std::string storage_url = args.text(3, "storage_url");
    const std::string sha256 = core::normalize_proof_digest(args.text(4, "sha256"));
    const std::optional<std::string> metadata = args.is_null(5) ? std::nullopt
                                                                : std::optional<std::string>(args.bounded_jsonb(5, "metadata", core::kProofMetadataLimits));
    core::require_text(type, "type", 50);
    core::require_text(storage_url, "storage_url", 1024);
    if (metadata && *metadata != "null" && metadata->front() != '{')
        throw Error(ErrorCode::INVALID_JSON, "metadata must be a JSON object.");

    pg::Spi spi;
    const api::Escrow escrow = lock_escrow_of_proof(spi, escrow_id);
    api::require_escrow_party(caller, escrow, api::EscrowParty::Provider);  // who did the work proves it
    const Milestone milestone = find_milestone(spi, escrow_id, idx);

    // A photo is judged before the milestone's state, as the spec orders it: a hard failure
    // (stale, outside the geofence...) is refused even for a milestone that is not current.
    core::PhotoVerdict verdict;  // anything but a photo waits for a decision
    if (milestone.proof_type == "PHOTO") {
        const core::PhotoLimits limits{pg::now_micros(), pg::settings::proof_max_age_min(),
                                       pg::settings::proof_future_tolerance_min(),
                                       pg::settings::geofence_tolerance_m()};
        verdict = core::validate_photo(photo_metadata(spi, metadata), milestone.fence, limits);
    }
    require_current_milestone(spi, escrow_id, milestone);
    // A closed escrow whose milestone is still open (released at its deadline, refunded, cancelled)
    // takes no more proofs. One whose milestones are all paid has none open: NO_OPEN_MILESTONE above,
    // the spec's answer.
    if (core::is_terminal(escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(core::status_name(escrow.status)) + ": it takes no proof.");

    // The submitted metadata, less `decision` (decide_proof's: a submitter cannot pre-fill it), plus
    // the review reasons.
    static pg::Statement insert{
        "INSERT INTO kobatela.proofs (escrow_id, milestone_id, type, storage_url, sha256, metadata, status) "
        "VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::jsonb IS NULL AND $7 = '{}' THEN NULL "
        "ELSE (coalesce($6::jsonb, '{}') - 'decision') || $7::jsonb END, $8::kobatela.proof_status) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING id",
        {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}};
    const ProofStatus status = verdict.auto_approve ? ProofStatus::Approved : ProofStatus::Pending;
    const api::AuditReason reason("SUBMIT_PROOF");
    const pg::Result proof = spi.run(insert, pg::Params()
                                                 .int8(escrow_id)
                                                 .int8(milestone.id)
                                                 .text(type)
                                                 .text(storage_url)
                                                 .text(sha256)
                                                 .opt_text(metadata == "null" ? std::nullopt : metadata)
                                                 .text(core::review_keys_json(verdict))
                                                 .text(core::status_name(status)));
    if (proof.empty()) throw Error(ErrorCode::PROOF_EXISTS);
    const int64_t proof_id = proof.int8(0, 1);

    const auto step = core::milestone_step(
        milestone.status, verdict.auto_approve ? core::MilestoneEvent::AutoApprove : core::MilestoneEvent::SubmitForReview);
    set_milestone_status(spi, milestone.id, step.to);
    if (verdict.auto_approve) {
        const std::string key = "pay|escrow:" + std::to_string(escrow_id) + "|ms:" + std::to_string(milestone.id) +
                                "|amt:" + core::format_cents(milestone.cents);
        api::pay_out(spi, escrow, {milestone.id, milestone.cents, key});
    }
    return proof_row(spi, proof_id, fcinfo);
}

// decide_proof(proof_id bigint, decision text, note text DEFAULT NULL) RETURNS proofs
KOBA_FUNCTION(kobatela_decide_proof) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t proof_id = args.int8(0, "proof_id");
    const std::string decision = core::lower_ascii(core::trim_ascii(args.text(1, "decision")));
    if (decision != "approved" && decision != "rejected") throw Error(ErrorCode::INVALID_DECISION);
    const std::optional<std::string> note = args.opt_text(2);
    if (note) core::require_text(*note, "note", 1000);

    static pg::Statement find{"SELECT escrow_id FROM kobatela.proofs WHERE id = $1", {INT8OID}};
    static pg::Statement lock_proof{
        "SELECT p.status::text, p.milestone_id, m.amount, m.status::text FROM kobatela.proofs p "
        "JOIN kobatela.milestones m ON m.id = p.milestone_id WHERE p.id = $1 FOR UPDATE",
        {INT8OID}};
    // The decision and the reviewer's note are kept in the proof (metadata.decision), where the
    // provider reads why a proof was rejected; its audit row records them too.
    static pg::Statement set_status{
        "UPDATE kobatela.proofs SET status = $2::kobatela.proof_status, metadata = coalesce(metadata, '{}') || "
        "jsonb_build_object('decision', jsonb_build_object('decision', $3::text, 'note', $4::text)) WHERE id = $1",
        {INT8OID, TEXTOID, TEXTOID, TEXTOID}};
    pg::Spi spi;
    const pg::Result found = spi.run(find, pg::Params().int8(proof_id));
    if (found.empty()) throw Error(ErrorCode::PROOF_NOT_FOUND);
    // The escrow first, then the proof: the same lock order as every other money path.
    const api::Escrow escrow = api::lock_escrow(spi, found.int8(0, 1));
    api::require_escrow_party(caller, escrow, api::EscrowParty::Client);  // the client validates the work
    const pg::Result proof = spi.run(lock_proof, pg::Params().int8(proof_id));
    const auto proof_status = core::parse_status<ProofStatus>(proof.text(0, 1)).value();
    const int64_t milestone_id = proof.int8(0, 2);
    const int64_t cents = proof.money(0, 3);
    const auto milestone_status = core::parse_status<MilestoneStatus>(proof.text(0, 4)).value();

    const bool approve = decision == "approved";
    const auto step = core::proof_step(proof_status, approve ? core::ProofEvent::Approve : core::ProofEvent::Reject);
    if (step.effect == core::Effect::NoOp) return proof_row(spi, proof_id, fcinfo);  // decided before: as it is

    const api::AuditReason reason(approve ? "APPROVE_PROOF" : "REJECT_PROOF");
    spi.run(set_status, pg::Params().int8(proof_id).text(core::status_name(step.to)).text(decision).opt_text(note));
    const auto milestone = core::milestone_step(milestone_status, approve ? core::MilestoneEvent::Approve
                                                                            : core::MilestoneEvent::Reject);
    set_milestone_status(spi, milestone_id, milestone.to);
    if (approve) {
        const std::string key = "escrow:" + std::to_string(escrow.id) + ":milestone:" + std::to_string(milestone_id) +
                                ":amount:" + core::format_cents(cents);
        api::pay_out(spi, escrow, {milestone_id, cents, key});
    }
    return proof_row(spi, proof_id, fcinfo);
}

// execute_payment(payment_id bigint) RETURNS payments: sends a PENDING payment; any other is
// returned unchanged. Idempotent.
KOBA_FUNCTION(kobatela_execute_payment) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const int64_t payment_id = pg::Args(fcinfo).int8(0, "payment_id");
    static pg::Statement find{"SELECT escrow_id FROM kobatela.payments WHERE id = $1", {INT8OID}};
    pg::Spi spi;
    const pg::Result found = spi.run(find, pg::Params().int8(payment_id));
    if (found.empty()) throw Error(ErrorCode::PAYMENT_NOT_FOUND);
    const api::Escrow escrow = api::lock_escrow(spi, found.int8(0, 1));
    api::require_escrow_party(caller, escrow, api::EscrowParty::Client);
    api::send_pending_payment(spi, escrow, payment_id);
    return api::payment_row(spi, payment_id, fcinfo);
}
