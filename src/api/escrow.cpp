// Escrow lifecycle (spec.md section 3): create, milestones, deposits, delivery, approval,
// rejection, deadline. Each entry point reads its arguments and caller, takes the escrow's snapshot
// from src/store/escrow_store (under the escrow's row lock when it writes), asks src/core what
// follows (core/escrow_plan, core/transitions), and hands the decision back to the store.
#include "context/identity.hpp"
#include "context/request.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/escrow_plan.hpp"
#include "core/geo.hpp"
#include "core/json_writer.hpp"
#include "core/text_rules.hpp"
#include "core/timestamps.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/escrow_store.hpp"

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
Datum simple_transition(FunctionCallInfo fcinfo, EscrowEvent event, context::EscrowParty actor,
                        const std::string& json_data) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    pg::Spi spi;
    const core::EscrowState escrow = store::lock_escrow(spi, escrow_id);
    context::require_escrow_party(caller, escrow, actor);
    store::apply_escrow_event(spi, escrow, core::plan_escrow_event(escrow, event), json_data);
    return store::escrow_row(spi, escrow_id, fcinfo);
}

}  // namespace

// create_escrow(client_id, provider_id, amount_total numeric, currency text,
//               release_conditions jsonb, deadline_at timestamptz
//               [, idempotency_key text, metadata jsonb DEFAULT NULL])
//   RETURNS escrow_agreements
// Two SQL overloads share this function: without the key argument (the contract's original
// signature; under PostgREST the Idempotency-Key header still applies) and with it and metadata.
KOBA_FUNCTION(kobatela_create_escrow) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const core::EscrowTerms escrow{args.int8(0, "client_id"),
                                   args.int8(1, "provider_id"),
                                   args.amount(2, "amount_total"),
                                   core::accepted_currency(args.text(3, "currency"), store::currency_catalogue()).code,
                                   args.bounded_jsonb(4, "release_conditions", core::kReleaseConditionsLimits),
                                   args.timestamptz(5, "deadline_at"),
                                   args.metadata(7)};
    core::require_minor_units(escrow.amount_total, store::currency_minor_units(escrow.currency), escrow.currency);
    core::require_within_horizon(escrow.deadline_at, pg::clock_micros(), "deadline_at");
    context::require_party(caller, {escrow.client_id});  // the client funds the escrow
    const core::Step<EscrowStatus> created =
        core::plan_create_escrow(escrow.client_id, escrow.provider_id, escrow.release_conditions);
    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key =
        context::idempotency_key(args.count() > 6 ? args.opt_text(6) : std::nullopt, caller);
    // Twice at most: a key taken meanwhile by a concurrent create_escrow is seen by the second look.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (key) {  // a replay needs neither the parties nor anything else again: answered first
            if (const std::optional<store::KeyedEscrow> first = store::escrow_by_key(spi, *key)) {
                core::require_same_escrow(first->terms, escrow);
                return store::escrow_row(spi, first->id, fcinfo);
            }
        }
        store::require_parties_exist(spi, escrow.client_id, escrow.provider_id);
        if (const std::optional<int64_t> id = store::insert_escrow(spi, escrow, key, created))
            return store::escrow_row(spi, *id, fcinfo);
    }
    throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

// add_milestone(escrow_id, idx integer, label text, amount numeric, proof_type text DEFAULT 'PHOTO',
//               validator text DEFAULT 'SENDER', geofence_lat/lng/radius_m float8 DEFAULT NULL)
//   RETURNS milestones
KOBA_FUNCTION(kobatela_add_milestone) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    store::NewMilestone milestone{args.int8(0, "escrow_id"), args.int4(1, "idx"), args.text(2, "label"),
                                  args.amount(3, "amount"),  args.text(4, "proof_type"), args.text(5, "validator"),
                                  std::nullopt};
    if (milestone.idx < 1) throw Error(ErrorCode::INVALID_ARGUMENT, "idx must be 1 or more.");
    core::require_text(milestone.label, "label", 200);
    core::require_text(milestone.proof_type, "proof_type", 50);
    core::require_text(milestone.validator, "validator", 50);
    const int geofence_parts = !args.is_null(6) + !args.is_null(7) + !args.is_null(8);
    if (geofence_parts != 0 && geofence_parts != 3)
        throw Error(ErrorCode::INVALID_COORDINATES,
                    "A geofence needs geofence_lat, geofence_lng and geofence_radius_m, or none of them.");
    if (geofence_parts == 3) {
        milestone.fence = core::Geofence{args.float8(6, "geofence_lat"), args.float8(7, "geofence_lng"),
                                         args.float8(8, "geofence_radius_m")};
        core::require_coordinates(milestone.fence->lat, milestone.fence->lng);
        if (milestone.fence->radius_m <= 0)
            throw Error(ErrorCode::INVALID_COORDINATES, "geofence_radius_m must be greater than 0.");
    }

    pg::Spi spi;
    const core::EscrowState escrow = store::lock_escrow(spi, milestone.escrow_id);  // serialises the sum check
    context::require_escrow_party(caller, escrow, context::EscrowParty::Client);
    core::require_minor_units(milestone.cents, store::currency_minor_units(escrow.currency), escrow.currency);
    const core::MilestoneAddition addition =
        core::plan_add_milestone(escrow, store::milestones_total(spi, milestone.escrow_id), milestone.cents);
    return store::insert_milestone(spi, milestone, addition, fcinfo);
}

// escrow_deposit(escrow_id bigint, amount numeric, idempotency_key text) RETURNS escrow_agreements
KOBA_FUNCTION(kobatela_escrow_deposit) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const int64_t amount = args.amount(1, "amount");

    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key = context::idempotency_key(args.opt_text(2), caller);
    const std::optional<std::string> key_text = key ? std::optional<std::string>(key->key) : std::nullopt;
    // Twice at most: a key taken meanwhile by the owner's deposit into another escrow (same escrow:
    // the lock made this call wait for it) is seen by the second snapshot, and judged by core.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const core::EscrowState escrow = store::lock_escrow(spi, escrow_id);
        context::require_escrow_party(caller, escrow, context::EscrowParty::Client);
        core::require_minor_units(amount, store::currency_minor_units(escrow.currency), escrow.currency);
        const std::optional<core::PriorDeposit> prior = key ? store::deposit_by_key(spi, *key) : std::nullopt;
        const core::DepositDecision decision = core::plan_deposit(escrow, prior, amount, key_text);
        if (decision.replay || store::apply_deposit(spi, escrow_id, amount, key, decision))
            return store::escrow_row(spi, escrow_id, fcinfo);
    }
    throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

// escrow_mark_delivered(escrow_id bigint, note text DEFAULT NULL, proof_url text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_mark_delivered) {
    const pg::Args args(fcinfo);
    core::JsonObject data;
    add_text_field(data, args, 1, "note", 1000);
    add_text_field(data, args, 2, "proof_url", 1024);
    return simple_transition(fcinfo, EscrowEvent::MarkDelivered, context::EscrowParty::Provider, data.str());
}

// escrow_client_approve(escrow_id bigint, note text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_client_approve) {
    core::JsonObject data;
    add_text_field(data, pg::Args(fcinfo), 1, "note", 1000);
    return simple_transition(fcinfo, EscrowEvent::ClientApprove, context::EscrowParty::Client, data.str());
}

// escrow_client_reject(escrow_id bigint, note text DEFAULT NULL)
KOBA_FUNCTION(kobatela_escrow_client_reject) {
    core::JsonObject data;
    add_text_field(data, pg::Args(fcinfo), 1, "note", 1000);
    return simple_transition(fcinfo, EscrowEvent::ClientReject, context::EscrowParty::Client, data.str());
}

// escrow_check_deadline(escrow_id bigint): a FUNDED escrow past its deadline is released as if
// the client had approved it.
KOBA_FUNCTION(kobatela_escrow_check_deadline) {
    return simple_transition(fcinfo, EscrowEvent::CheckDeadline, context::EscrowParty::Either, core::deadline_event());
}

// release_overdue_escrows() RETURNS integer: every FUNDED escrow past its deadline released as
// escrow_check_deadline releases one; how many. Maintenance (pg_cron's escrow-deadlines job), so
// admin only. One statement locks the overdue escrows, skipping those another transaction holds
// (a concurrent sweep, a deposit, a payout): concurrent runs split the work instead of waiting,
// and an escrow is released, with its event and audit row, exactly once.
KOBA_FUNCTION(kobatela_release_overdue_escrows) {
    context::require_scope(core::kAdminOnly);
    pg::Spi spi;
    const std::vector<int64_t> ids = store::lock_overdue_escrows(spi, core::kReleasableAtDeadline);
    for (const int64_t id : ids) {
        const core::EscrowState escrow = store::lock_escrow(spi, id);  // already this transaction's: no wait
        store::apply_escrow_event(spi, escrow, core::plan_escrow_event(escrow, EscrowEvent::CheckDeadline),
                                  core::deadline_event());
    }
    return Int32GetDatum(static_cast<int32_t>(ids.size()));
}

// get_escrow(escrow_id bigint) RETURNS escrow_agreements
KOBA_FUNCTION(kobatela_get_escrow) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    pg::Spi spi;
    context::require_escrow_party(caller, store::find_escrow(spi, escrow_id), context::EscrowParty::Either);
    return store::escrow_row(spi, escrow_id, fcinfo);
}

// escrow_events(escrow_id bigint) RETURNS SETOF escrow_events, oldest first
KOBA_FUNCTION(kobatela_escrow_events) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t escrow_id = pg::Args(fcinfo).int8(0, "escrow_id");
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    context::require_escrow_party(caller, store::find_escrow(spi, escrow_id), context::EscrowParty::Either);
    store::append_escrow_events_to_set(spi, escrow_id, fcinfo);
    return Datum(0);
}
