// Usage mandates (spec.md section 6): a sender lets a beneficiary spend, up to an amount, until a
// date, optionally only at one merchant or in one category; and the job that expires them.
// Purchases under a mandate are in purchases.cpp.
#include "context/identity.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/purchase_plan.hpp"
#include "core/text_rules.hpp"
#include "core/timestamps.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/mandate_store.hpp"

using namespace koba;

// create_mandate(sender_id bigint, beneficiary_id bigint, total_amount numeric, currency text DEFAULT 'USD',
//                allowed_category_id bigint DEFAULT NULL, allowed_merchant_id bigint DEFAULT NULL,
//                expires_at timestamptz DEFAULT NULL) RETURNS usage_mandates
KOBA_FUNCTION(kobatela_create_mandate) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const store::NewMandate mandate{args.int8(0, "sender_id"),
                                    args.int8(1, "beneficiary_id"),
                                    args.amount(2, "total_amount"),
                                    core::accepted_currency(args.text(3, "currency"), store::currency_catalogue()).code,
                                    args.opt_int8(4),
                                    args.opt_int8(5),
                                    args.opt_timestamptz(6)};
    core::require_minor_units(mandate.total_amount, store::currency_minor_units(mandate.currency), mandate.currency);
    if (mandate.expires_at) core::require_within_horizon(*mandate.expires_at, pg::clock_micros(), "expires_at");
    context::require_party(caller, {mandate.sender_id});  // the sender grants its own money
    const core::MandateCreation decision = core::plan_create_mandate(
        {mandate.sender_id, mandate.beneficiary_id, mandate.expires_at}, pg::clock_micros());
    pg::Spi spi;
    store::require_mandate_references(spi, mandate);
    return store::apply_create_mandate(spi, mandate, decision, fcinfo);
}

// expire_mandates() RETURNS integer: how many ACTIVE mandates past their expiry became EXPIRED.
// A business call (spec.md section 8: a sender may call every business function; the earlier
// system's cleanup endpoint was a sender's) that pg_cron also runs, as its job's owner. A key bound
// to a user expires only the mandates that user is a party to (sender or beneficiary). Concurrent
// runs split the work instead of waiting for each other (SKIP LOCKED), and the status guard makes a
// mandate expire, and be audited, once: a row a purchase holds is left for the next run (the
// purchase was decided before the expiry, or is refused under the lock). Expiry is judged by the
// clock when the job runs, not when its transaction began.
KOBA_FUNCTION(kobatela_expire_mandates) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    pg::Spi spi;
    const uint64_t expired = store::apply_expiry(spi, core::plan_expiry(), caller.user_id);
    return Int32GetDatum(static_cast<int32_t>(expired));
}
