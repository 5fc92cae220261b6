#include "store/proof_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "core/json_limits.hpp"
#include "store/escrow_store.hpp"

namespace koba::store {

namespace {

using core::Error;
using core::ErrorCode;

core::MilestoneState lock_milestone(pg::Spi& spi, int64_t escrow_id, int32_t idx) {
    static pg::Statement select{
        "SELECT id, amount, proof_type, geofence_lat, geofence_lng, geofence_radius_m, status::text AS status "
        "FROM kobatela.milestones WHERE escrow_id = $1 AND idx = $2 FOR UPDATE",
        {INT8OID, INT4OID}};
    const pg::Result r = spi.run(select, pg::Params().int8(escrow_id).int4(idx));
    if (r.empty()) throw Error(ErrorCode::MILESTONE_NOT_FOUND);
    core::MilestoneState m;
    m.id = r.int8(0, r.column("id"));
    m.cents = r.money(0, r.column("amount"));
    m.proof_type = r.text(0, r.column("proof_type"));
    const int lat = r.column("geofence_lat");
    if (!r.is_null(0, lat))
        m.fence = core::Geofence{r.float8(0, lat), r.float8(0, r.column("geofence_lng")),
                                 r.float8(0, r.column("geofence_radius_m"))};
    m.status = core::parse_status<core::MilestoneStatus>(r.text(0, r.column("status"))).value();
    return m;
}

// The photo fields of a proof's metadata. Numbers come as their JSON text and are converted here:
// a number beyond float8's range (1e400) is not a position (MISSING_GPS), never a raw "out of
// range" from a cast.
core::PhotoMetadata photo_metadata(pg::Spi& spi, const std::optional<std::string>& metadata) {
    core::PhotoMetadata photo;
    if (!metadata || *metadata == "null") {
        photo.present = false;
        return photo;
    }
    static pg::Statement fields{
        "SELECT CASE WHEN jsonb_typeof(m -> 'exif_timestamp') = 'string' THEN m ->> 'exif_timestamp' END AS exif, "
        "       CASE WHEN jsonb_typeof(m -> 'gps_lat') = 'number' THEN m ->> 'gps_lat' END AS lat, "
        "       CASE WHEN jsonb_typeof(m -> 'gps_lng') = 'number' THEN m ->> 'gps_lng' END AS lng, "
        "       CASE jsonb_typeof(m -> 'source') WHEN 'string' THEN m ->> 'source' WHEN 'null' THEN NULL "
        "            ELSE (m -> 'source')::text END AS source "
        "FROM (SELECT $1::jsonb AS m) j",
        {TEXTOID}};
    const pg::Result r = spi.run(fields, pg::Params().text(*metadata));
    photo.exif_timestamp = r.opt_text(0, r.column("exif"));
    if (const std::optional<std::string> lat = r.opt_text(0, r.column("lat"))) photo.gps_lat = core::json_number_as_double(*lat);
    if (const std::optional<std::string> lng = r.opt_text(0, r.column("lng"))) photo.gps_lng = core::json_number_as_double(*lng);
    photo.source = r.opt_text(0, r.column("source"));
    return photo;
}

void set_milestone_status(pg::Spi& spi, int64_t milestone_id, core::MilestoneStatus status) {
    static pg::Statement update{
        "UPDATE kobatela.milestones SET status = $2::kobatela.milestone_status WHERE id = $1", {INT8OID, TEXTOID}};
    spi.run(update, pg::Params().int8(milestone_id).text(core::status_name(status)));
}

}  // namespace

core::EscrowState lock_escrow_of_proof(pg::Spi& spi, int64_t escrow_id) {
    try {
        return lock_escrow(spi, escrow_id);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::ESCROW_NOT_FOUND) throw;
        throw Error(ErrorCode::MILESTONE_NOT_FOUND, "Milestone not found: the escrow does not exist.");
    }
}

core::SubmitProofSnapshot submit_proof_snapshot(pg::Spi& spi, const core::EscrowState& escrow, const NewProof& proof) {
    // Milestones are proven in order: the current one is the lowest idx still open.
    static pg::Statement current{
        "SELECT id FROM kobatela.milestones WHERE escrow_id = $1 AND status = ANY ($2::kobatela.milestone_status[]) "
        "ORDER BY idx LIMIT 1",
        {INT8OID, TEXTOID}};
    static pg::Statement digest_used{"SELECT EXISTS (SELECT 1 FROM kobatela.proofs WHERE sha256 = $1)", {TEXTOID}};
    core::SubmitProofSnapshot s;
    s.escrow = escrow;
    s.milestone = lock_milestone(spi, proof.escrow_id, proof.milestone_idx);
    if (s.milestone.proof_type == "PHOTO") s.photo = photo_metadata(spi, proof.metadata);
    const pg::Result open = spi.run(current, pg::Params().int8(proof.escrow_id).text(core::open_milestone_statuses()));
    if (!open.empty()) s.current_milestone_id = open.int8(0, 1);
    s.digest_used = spi.run(digest_used, pg::Params().text(proof.sha256)).boolean(0, 1);
    return s;
}

int64_t apply_submit_proof(pg::Spi& spi, const NewProof& proof, const core::SubmitProofSnapshot& snapshot,
                           const core::SubmitProofDecision& decision) {
    // The submitted metadata, less `decision` (decide_proof's: a submitter cannot pre-fill it), plus
    // the review reasons.
    static pg::Statement insert{
        "INSERT INTO kobatela.proofs (escrow_id, milestone_id, type, storage_url, sha256, metadata, status) "
        "VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::jsonb IS NULL AND $7 = '{}' THEN NULL "
        "ELSE (coalesce($6::jsonb, '{}') - 'decision') || $7::jsonb END, $8::kobatela.proof_status) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING id",
        {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}};
    const audit::AuditReason reason(decision.audit_action);
    const pg::Result row =
        spi.run(insert, pg::Params()
                            .int8(proof.escrow_id)
                            .int8(snapshot.milestone.id)
                            .text(proof.type)
                            .text(proof.storage_url)
                            .text(proof.sha256)
                            .opt_text(proof.metadata == "null" ? std::nullopt : proof.metadata)
                            .text(decision.review_json)
                            .text(core::status_name(decision.proof_status)));
    if (row.empty()) throw Error(ErrorCode::PROOF_EXISTS);
    set_milestone_status(spi, snapshot.milestone.id, decision.milestone_to);
    return row.int8(0, 1);
}

int64_t proof_escrow_id(pg::Spi& spi, int64_t proof_id) {
    static pg::Statement find{"SELECT escrow_id FROM kobatela.proofs WHERE id = $1", {INT8OID}};
    const pg::Result found = spi.run(find, pg::Params().int8(proof_id));
    if (found.empty()) throw Error(ErrorCode::PROOF_NOT_FOUND);
    return found.int8(0, 1);
}

core::DecideProofSnapshot decide_proof_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t proof_id) {
    static pg::Statement lock{
        "SELECT p.status::text AS proof_status, p.milestone_id, m.amount, m.status::text AS milestone_status "
        "FROM kobatela.proofs p JOIN kobatela.milestones m ON m.id = p.milestone_id WHERE p.id = $1 FOR UPDATE",
        {INT8OID}};
    const pg::Result r = spi.run(lock, pg::Params().int8(proof_id));
    core::DecideProofSnapshot s;
    s.escrow = escrow;
    s.proof_status = core::parse_status<core::ProofStatus>(r.text(0, r.column("proof_status"))).value();
    s.milestone_id = r.int8(0, r.column("milestone_id"));
    s.milestone_cents = r.money(0, r.column("amount"));
    s.milestone_status = core::parse_status<core::MilestoneStatus>(r.text(0, r.column("milestone_status"))).value();
    return s;
}

void apply_decide_proof(pg::Spi& spi, int64_t proof_id, const core::DecideProofSnapshot& snapshot,
                        const core::DecideProofDecision& decision, std::string_view decision_word,
                        const std::optional<std::string>& note) {
    if (decision.unchanged) return;
    static pg::Statement set_status{
        "UPDATE kobatela.proofs SET status = $2::kobatela.proof_status, metadata = coalesce(metadata, '{}') || "
        "jsonb_build_object('decision', jsonb_build_object('decision', $3::text, 'note', $4::text)) WHERE id = $1",
        {INT8OID, TEXTOID, TEXTOID, TEXTOID}};
    const audit::AuditReason reason(decision.audit_action);
    spi.run(set_status,
            pg::Params().int8(proof_id).text(core::status_name(decision.proof_to)).text(decision_word).opt_text(note));
    set_milestone_status(spi, snapshot.milestone_id, decision.milestone_to);
    add_escrow_money(spi, snapshot.escrow.id, decision.money);
}

Datum proof_row(pg::Spi& spi, int64_t proof_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.proofs WHERE id = $1", {INT8OID}};
    return spi.run(select, pg::Params().int8(proof_id)).composite(0, fcinfo);
}

}  // namespace koba::store
