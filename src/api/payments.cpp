// Payments asked for by hand (spec.md section 5): execute_payment sends a PENDING payment the way
// the payout engine sends a new one, retry_payment pays a failed one again (core/payout_plan,
// store/payment_store); correct_payment records what the PSP says happened to a payment the way
// its webhook would (api/payment_events).
#include "api/payment_events.hpp"
#include "context/identity.hpp"
#include "core/errors.hpp"
#include "core/payment_correction.hpp"
#include "core/payout_plan.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/escrow_store.hpp"
#include "store/payment_store.hpp"

using namespace koba;

// execute_payment(payment_id bigint) RETURNS payments: sends a PENDING payment; any other is
// returned unchanged. Idempotent.
KOBA_FUNCTION(kobatela_execute_payment) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const int64_t payment_id = pg::Args(fcinfo).int8(0, "payment_id");
    pg::Spi spi;
    const core::EscrowState escrow = store::lock_escrow(spi, store::payment_escrow_id(spi, payment_id));
    context::require_escrow_party(caller, escrow, context::EscrowParty::Client);
    const core::ExecuteSnapshot snapshot = store::execute_snapshot(spi, escrow, payment_id);
    store::apply_execute(spi, snapshot, core::plan_execute(snapshot));
    return store::payment_row(spi, payment_id, fcinfo);
}

// retry_payment(payment_id bigint) RETURNS payments: a failed (ERROR) payment paid again by a new
// SENT payment to the same beneficiary, from the money it left to be repaid; a payment already
// retried returns its retry. Either party of the escrow may ask (the money goes where it was due),
// also once the escrow has ended.
KOBA_FUNCTION(kobatela_retry_payment) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const int64_t payment_id = pg::Args(fcinfo).int8(0, "payment_id");
    pg::Spi spi;
    const core::EscrowState escrow = store::lock_escrow(spi, store::payment_escrow_id(spi, payment_id));
    context::require_escrow_party(caller, escrow, context::EscrowParty::Either);
    const core::RetrySnapshot snapshot = store::retry_snapshot(spi, escrow, payment_id);
    return store::payment_row(spi, store::apply_retry(spi, snapshot, core::plan_retry(snapshot)), fcinfo);
}

// correct_payment(payment_id bigint, status payment_status, reason text) RETURNS payments: admin
// only. Records that the PSP settled (SETTLED) or failed (ERROR) a payment when no webhook will
// come, through the webhook's own decision; the rows are audited PAYMENT_CORRECTED and an escrow
// event PAYMENT_CORRECTED keeps the reason. Replaying it changes nothing.
KOBA_FUNCTION(kobatela_correct_payment) {
    context::require_scope(core::kAdminOnly);
    const pg::Args args(fcinfo);
    const int64_t payment_id = args.int8(0, "payment_id");
    const std::optional<core::PaymentStatus> to = core::parse_status<core::PaymentStatus>(args.enum_label(1, "status"));
    if (!to) throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "status is not a payment status.");
    const std::string reason = args.bounded_text(2, "reason", core::kMaxCorrectionReasonChars * 4);
    const core::PaymentEvent event = core::correction_event(*to);
    core::require_correction_reason(reason);
    pg::Spi spi;
    const store::PspSnapshot snapshot = store::payment_snapshot(spi, payment_id);
    api::apply_payment_event(spi, snapshot, event, core::correction_facts(snapshot.payment), api::Correction{reason});
    return store::payment_row(spi, payment_id, fcinfo);
}
