// The payout hand-off to the PSP (docs/payouts.md): a worker claims the SENT payments due for
// transmission (claim_payouts), sends each to the PSP with its psp_ref as the idempotency key, and
// reports what the PSP answered (payout_transmitted, payout_transmission_failed); an admin queues a
// payment sent before 0.8.0 that nobody paid by hand (queue_payout). core/payout_transmission
// decides every step, the payout store applies it; a payout given up fails its payment through the
// PSP webhook's own path (core::plan_psp_event, store::apply_psp_event).
#include "audit/audit.hpp"
#include "context/identity.hpp"
#include "core/errors.hpp"
#include "core/payout_transmission.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/payment_store.hpp"
#include "store/payout_store.hpp"

using namespace koba;

namespace {

core::TransmissionLimits limits() {
    return {pg::settings::payout_lease_s(), pg::settings::payout_max_attempts()};
}

// A worker acts for the platform, never as one user's key.
context::Principal require_worker() {
    const context::Principal caller = context::require_scope(core::kPayoutWorker);
    context::require_unbound(caller, "The payout hand-off acts for the platform: use a key bound to no user.");
    return caller;
}

}  // namespace

// claim_payouts(worker text, n integer DEFAULT 10) RETURNS SETOF payout_instruction
KOBA_FUNCTION(kobatela_claim_payouts) {
    require_worker();
    const pg::Args args(fcinfo);
    const std::string worker = args.bounded_text(0, "worker", core::kMaxWorkerNameChars * 4);
    core::require_text(worker, "worker", core::kMaxWorkerNameChars);
    const int64_t n = core::claim_batch(args.int4(1, "n"));
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    const core::TransmissionLimits rules = limits();
    for (const store::DueTransmission& due : store::lock_due_transmissions(spi, n)) {
        const core::ClaimDecision claim = core::plan_claim(due.transmission, rules, worker);
        if (!claim.abandon()) {
            store::write_transmission(spi, due.transmission.payment_id, claim.write);
            store::append_instruction(spi, due.transmission.payment_id,
                                      core::beneficiary_user_id(due.kind, due.client_id, due.provider_id), fcinfo);
            continue;
        }
        // Its worker kept dying on it: given up, unless its escrow is busy (left for a later claim).
        const std::optional<store::PspSnapshot> snapshot = store::try_abandon_snapshot(spi, due);
        if (!snapshot) continue;
        store::apply_abandon(spi, *snapshot, due.transmission.payment_id, claim.write,
                             core::plan_abandon(snapshot->escrow, snapshot->payment, due.transmission, "lease_expired"));
    }
    return Datum(0);
}

// payout_transmitted(id bigint, psp_ref text) RETURNS payout_transmissions
KOBA_FUNCTION(kobatela_payout_transmitted) {
    require_worker();
    const pg::Args args(fcinfo);
    const int64_t payment_id = args.int8(0, "id");
    const std::string psp_ref = args.bounded_text(1, "psp_ref", 512);
    pg::Spi spi;
    const core::TransmittedSnapshot snapshot = store::transmitted_snapshot(spi, payment_id);
    const core::TransmittedDecision decision = core::plan_transmitted(snapshot, psp_ref);
    if (decision.write) store::write_transmission(spi, payment_id, *decision.write);
    if (!decision.alert_payload.empty())
        store::raise_payout_alert(spi, core::kTransmittedAfterAbandonAlert, core::kTransmittedAfterAbandonMessage,
                                  decision.alert_payload);
    return store::transmission_row(spi, payment_id, fcinfo);
}

// payout_transmission_failed(id bigint, reason text) RETURNS payout_transmissions
KOBA_FUNCTION(kobatela_payout_transmission_failed) {
    require_worker();
    const pg::Args args(fcinfo);
    const int64_t payment_id = args.int8(0, "id");
    const std::string reason = args.bounded_text(1, "reason", core::kMaxTransmissionReasonChars * 4);
    core::require_text(reason, "reason", core::kMaxTransmissionReasonChars);
    pg::Spi spi;
    const store::PspSnapshot snapshot = store::payment_snapshot(spi, payment_id);
    const core::FailureDecision decision =
        core::plan_transmission_failed(snapshot.escrow, snapshot.payment, snapshot.transmission, limits(), reason);
    if (decision.abandon)
        store::apply_abandon(spi, snapshot, payment_id, *decision.write, *decision.abandon);
    else if (decision.write)
        store::write_transmission(spi, payment_id, *decision.write);
    return store::transmission_row(spi, payment_id, fcinfo);
}

// queue_payout(payment_id bigint) RETURNS payout_transmissions: admin only.
KOBA_FUNCTION(kobatela_queue_payout) {
    context::require_scope(core::kAdminOnly);
    const int64_t payment_id = pg::Args(fcinfo).int8(0, "payment_id");
    pg::Spi spi;
    const store::PspSnapshot snapshot = store::payment_snapshot(spi, payment_id);
    if (core::plan_queue_payout(snapshot.payment.status, snapshot.transmission.has_value())) {
        const audit::AuditReason reason(core::kQueuePayoutAudit);
        store::queue_transmission(spi, payment_id);
    }
    return store::transmission_row(spi, payment_id, fcinfo);
}
