// Escrow lifecycle (spec.md section 3): create, milestones, deposits, delivery, approval,
// rejection, deadline. Which transition is allowed is decided by core/transitions; this file
// loads the escrow under a row lock, applies the step, and records its event and audit reason.
#include "api/audit.hpp"
#include "api/escrow_store.hpp"
#include "api/identity.hpp"
#include "api/lookups.hpp"
#include "api/request.hpp"
#include "core/errors.hpp"
#include "core/geo.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "core/photo_rules.hpp"
#include "core/text_rules.hpp"
#include "core/timestamps.hpp"
#include "core/transitions.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;
using core::EscrowEvent;
using core::EscrowStatus;

namespace {

// A note or URL a party attaches to a transition: validated, then put into the event's data
// (JSON null when not given).
void add_text_field(core::JsonObject& data, const pg::Args& args, int i, const char* name, size_t max_len) {
    const std::optional<std::string> value = args.opt_text(i);
    if (!value) {
        data.add_null(name);
        return;
    }
    core::require_text(*value, name, max_len);
    data.add(name, *value);
}

// The transitions whose only input is the escrow and a note: approve, reject, deliver, deadline.
Datum simple_transition(FunctionCallInfo fcinfo, EscrowEvent event, api::EscrowParty actor,
                        std::string json_data) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    pg::Spi spi;
    const api::Escrow escrow = api::lock_escrow(spi, escrow_id);
    api::require_escrow_party(caller, escrow, actor);
    const core::EscrowFacts facts{false, escrow.deadline_passed};
    api::apply_escrow_step(spi, escrow, core::escrow_step(escrow.status, event, facts), json_data);
    return api::escrow_row(spi, escrow_id, fcinfo);
}

}  // namespace

// create_escrow(client_id, provider_id, amount_total numeric, currency text,
//               release_conditions jsonb, deadline_at timestamptz) RETURNS escrow_agreements
KOBA_FUNCTION(kobatela_create_escrow) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t client_id = args.int8(0, "client_id");
    const int64_t provider_id = args.int8(1, "provider_id");
    const int64_t total = args.amount(2, "amount_total");
    const std::string currency = core::normalize_currency(args.text(3, "currency"), pg::settings::currencies());
    const std::string conditions = args.bounded_jsonb(4, "release_conditions", core::kReleaseConditionsLimits);
    const pg::UnixMicros deadline = args.timestamptz(5, "deadline_at");
    core::require_within_horizon(deadline, pg::clock_micros(), "deadline_at");
    api::require_party(caller, {client_id});  // the client funds the escrow
    if (client_id == provider_id)
        throw Error(ErrorCode::INVALID_ARGUMENT, "client_id and provider_id must be different users.");
    if (conditions.empty() || conditions.front() != '{')
        throw Error(ErrorCode::INVALID_JSON, "release_conditions must be a JSON object.");
    // A deadline already past is allowed (spec.md sets no rule): once FUNDED, the escrow is released by
    // escrow_check_deadline or the deadline sweep, as any escrow whose deadline has passed.

    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, "
        "release_conditions, deadline_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, JSONBOID, TIMESTAMPTZOID}};
    pg::Spi spi;
    api::require_user(spi, client_id);
    api::require_user(spi, provider_id);
    const core::Step<EscrowStatus> created = core::escrow_create();
    const api::AuditReason reason(created.audit_action);
    const int64_t escrow_id = spi.run(insert, pg::Params()
                                                  .int8(client_id)
                                                  .int8(provider_id)
                                                  .money(total)
                                                  .text(currency)
                                                  .jsonb(conditions)
                                                  .timestamptz(deadline))
                                  .int8(0, 1);
    api::append_escrow_event(spi, escrow_id, created.event_kind,
                             core::JsonObject().add_money("amount_total", total).add("currency", currency).str());
    return api::escrow_row(spi, escrow_id, fcinfo);
}

// add_milestone(escrow_id, idx integer, label text, amount numeric, proof_type text DEFAULT 'PHOTO',
//               validator text DEFAULT 'SENDER', geofence_lat/lng/radius_m float8 DEFAULT NULL)
//   RETURNS milestones
KOBA_FUNCTION(kobatela_add_milestone) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const int32_t idx = args.int4(1, "idx");
    const std::string label = args.text(2, "label");
    const int64_t amount = args.amount(3, "amount");
    const std::string proof_type = args.text(4, "proof_type");
    const std::string validator = args.text(5, "validator");
    if (idx < 1) throw Error(ErrorCode::INVALID_ARGUMENT, "idx must be 1 or more.");
    core::require_text(label, "label", 200);
    core::require_text(proof_type, "proof_type", 50);
    core::require_text(validator, "validator", 50);
    const int geofence_parts = !args.is_null(6) + !args.is_null(7) + !args.is_null(8);
    if (geofence_parts != 0 && geofence_parts != 3)
        throw Error(ErrorCode::INVALID_COORDINATES,
                    "A geofence needs geofence_lat, geofence_lng and geofence_radius_m, or none of them.");
    std::optional<core::Geofence> fence;
    if (geofence_parts == 3) {
        fence = core::Geofence{args.float8(6, "geofence_lat"), args.float8(7, "geofence_lng"),
                               args.float8(8, "geofence_radius_m")};
        core::require_coordinates(fence->lat, fence->lng);
        if (fence->radius_m <= 0)
            throw Error(ErrorCode::INVALID_COORDINATES, "geofence_radius_m must be greater than 0.");
    }

    static pg::Statement milestone_total{
        "SELECT coalesce(sum(amount), 0)::numeric(18,2) FROM kobatela.milestones WHERE escrow_id = $1",
        {INT8OID}};
    static pg::Statement insert{
        "INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, proof_type, validator, "
        "geofence_lat, geofence_lng, geofence_radius_m) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (escrow_id, idx) DO NOTHING RETURNING *",
        {INT8OID, INT4OID, TEXTOID, NUMERICOID, TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, FLOAT8OID}};
    pg::Spi spi;
    const api::Escrow escrow = api::lock_escrow(spi, escrow_id);  // serialises the sum check below
    api::require_escrow_party(caller, escrow, api::EscrowParty::Client);
    if (core::is_terminal(escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(core::status_name(escrow.status)) + ": it takes no new milestone.");
    int64_t planned = 0;
    if (!core::add_cents(spi.run(milestone_total, pg::Params().int8(escrow_id)).money(0, 1), amount, &planned) ||
        planned > escrow.amount_total)
        throw Error(ErrorCode::MILESTONE_EXCEEDS_TOTAL,
                    "Milestones would total " + core::format_cents(planned) + " of an escrow of " +
                        core::format_cents(escrow.amount_total) + ".");

    pg::Params params;
    params.int8(escrow_id).int4(idx).text(label).money(amount).text(proof_type).text(validator);
    if (fence) params.float8(fence->lat).float8(fence->lng).float8(fence->radius_m);
    else params.null().null().null();
    const api::AuditReason reason("MILESTONE_ADDED");
    const pg::Result row = spi.run(insert, std::move(params));
    if (row.empty()) throw Error(ErrorCode::MILESTONE_EXISTS);
    return row.composite(0, fcinfo);
}

// escrow_deposit(escrow_id bigint, amount numeric, idempotency_key text) RETURNS escrow_agreements
KOBA_FUNCTION(kobatela_escrow_deposit) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const int64_t amount = args.amount(1, "amount");

    static pg::Statement find_key{
        "SELECT escrow_id, amount FROM kobatela.escrow_deposits "
        "WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
        {TEXTOID, INT8OID}};
    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_deposits (escrow_id, amount, idempotency_key, idempotency_owner) "
        "VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, NUMERICOID, TEXTOID, INT8OID}};
    pg::Spi spi;
    const std::optional<api::IdempotencyKey> key = api::idempotency_key(spi, args.opt_text(2), caller);
    const api::Escrow escrow = api::lock_escrow(spi, escrow_id);
    api::require_escrow_party(caller, escrow, api::EscrowParty::Client);

    // A replay (same escrow, same amount) returns the escrow as it is now, whatever its status.
    const auto replayed = [&]() -> bool {
        const pg::Result first = spi.run(find_key, pg::Params().text(key->key).opt_int8(key->owner));
        if (first.empty()) return false;
        if (first.int8(0, 1) != escrow_id || first.money(0, 2) != amount)
            throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
        return true;
    };
    if (key && replayed()) return api::escrow_row(spi, escrow_id, fcinfo);

    // The status first (a closed escrow takes no money), then the total.
    int64_t deposited = 0;
    const bool fits = core::add_cents(escrow.deposited, amount, &deposited) && deposited <= escrow.amount_total;
    const core::Step<EscrowStatus> step =
        core::escrow_step(escrow.status, EscrowEvent::Deposit, {fits && deposited >= escrow.amount_total, false});
    if (!fits)
        throw Error(ErrorCode::DEPOSIT_EXCEEDS_TOTAL,
                    "Deposits would total " + core::format_cents(deposited) + " of an escrow of " +
                        core::format_cents(escrow.amount_total) + ".");

    const api::AuditReason reason(step.audit_action);
    pg::Params values;
    if (spi.run(insert, api::add_idempotency_key(values.int8(escrow_id).money(amount), key)).empty()) {
        // The key was taken meanwhile by the owner's deposit into another escrow (same escrow: the
        // lock above made us wait for it, and replayed() found it).
        replayed();
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    }
    core::JsonObject data;
    data.add_money("amount", amount);
    if (key) data.add("idempotency_key", key->key);
    api::apply_escrow_step(spi, escrow, step, data.str(), amount);
    return api::escrow_row(spi, escrow_id, fcinfo);
}

// escrow_mark_delivered(escrow_id bigint, note text DEFAULT NULL, proof_url text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_mark_delivered) {
    const pg::Args args(fcinfo);
    core::JsonObject data;
    add_text_field(data, args, 1, "note", 1000);
    add_text_field(data, args, 2, "proof_url", 1024);
    return simple_transition(fcinfo, EscrowEvent::MarkDelivered, api::EscrowParty::Provider, data.str());
}

// escrow_client_approve(escrow_id bigint, note text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_client_approve) {
    core::JsonObject data;
    add_text_field(data, pg::Args(fcinfo), 1, "note", 1000);
    return simple_transition(fcinfo, EscrowEvent::ClientApprove, api::EscrowParty::Client, data.str());
}

// escrow_client_reject(escrow_id bigint, note text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_client_reject) {
    core::JsonObject data;
    add_text_field(data, pg::Args(fcinfo), 1, "note", 1000);
    return simple_transition(fcinfo, EscrowEvent::ClientReject, api::EscrowParty::Client, data.str());
}

namespace {
// The event data of a release by deadline, for one escrow or the sweep.
std::string deadline_event_data() { return core::JsonObject().add_null("note").add("reason", "deadline").str(); }
}  // namespace

// escrow_check_deadline(escrow_id bigint): a FUNDED escrow past its deadline is released as if
// the client had approved it.
KOBA_FUNCTION(kobatela_escrow_check_deadline) {
    return simple_transition(fcinfo, EscrowEvent::CheckDeadline, api::EscrowParty::Either, deadline_event_data());
}

// release_overdue_escrows() RETURNS integer: every FUNDED escrow past its deadline released as
// escrow_check_deadline releases one; how many. Maintenance (pg_cron's escrow-deadlines job), so
// admin only. One statement locks the overdue escrows, skipping those another transaction holds
// (a concurrent sweep, a deposit, a payout): concurrent runs split the work instead of waiting,
// and an escrow is released, with its event and audit row, exactly once.
KOBA_FUNCTION(kobatela_release_overdue_escrows) {
    api::require_scope(core::kAdminOnly);
    static pg::Statement overdue{
        "SELECT id FROM kobatela.escrow_agreements WHERE status = 'FUNDED' AND deadline_at <= clock_timestamp() "
        "ORDER BY id FOR UPDATE SKIP LOCKED",
        {}};
    pg::Spi spi;
    const pg::Result due = spi.run(overdue);
    std::vector<int64_t> ids;
    for (uint64_t i = 0; i < due.size(); ++i) ids.push_back(due.int8(i, 1));
    for (const int64_t id : ids) {
        const api::Escrow escrow = api::lock_escrow(spi, id);  // already this transaction's: no wait
        const core::EscrowFacts facts{false, escrow.deadline_passed};
        api::apply_escrow_step(spi, escrow, core::escrow_step(escrow.status, EscrowEvent::CheckDeadline, facts),
                               deadline_event_data());
    }
    return Int32GetDatum(static_cast<int32_t>(ids.size()));
}

// get_escrow(escrow_id bigint) RETURNS escrow_agreements
KOBA_FUNCTION(kobatela_get_escrow) {
    const api::Principal caller = api::require_scope(core::kBusinessRead);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    pg::Spi spi;
    api::require_escrow_party(caller, api::find_escrow(spi, escrow_id), api::EscrowParty::Either);
    return api::escrow_row(spi, escrow_id, fcinfo);
}

// escrow_events(escrow_id bigint) RETURNS SETOF escrow_events, oldest first
KOBA_FUNCTION(kobatela_escrow_events) {
    const api::Principal caller = api::require_scope(core::kBusinessRead);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    static pg::Statement select{
        "SELECT * FROM kobatela.escrow_events WHERE escrow_id = $1 ORDER BY at, id", {INT8OID}};
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    api::require_escrow_party(caller, api::find_escrow(spi, escrow_id), api::EscrowParty::Either);
    spi.run(select, pg::Params().int8(escrow_id)).append_to_set(fcinfo);
    return Datum(0);
}
