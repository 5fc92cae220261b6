// Allowed payees (spec.md section 7): an escrow's client lets the escrow pay named payees, each
// within optional daily and total limits. Spends to them are in spend.cpp.
#include "context/identity.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/spend_plan.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/escrow_store.hpp"
#include "store/spend_store.hpp"

using namespace koba;

// add_allowed_payee(escrow_id bigint, payee_ref text, label text, daily_limit numeric DEFAULT NULL,
//                   total_limit numeric DEFAULT NULL) RETURNS allowed_payees
KOBA_FUNCTION(kobatela_add_allowed_payee) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const store::NewPayee payee{args.int8(0, "escrow_id"), args.text(1, "payee_ref"), args.text(2, "label"),
                                args.opt_limit(3, "daily_limit"), args.opt_limit(4, "total_limit")};
    core::require_text(payee.payee_ref, "payee_ref", core::kMaxPayeeRef);
    core::require_text(payee.label, "label", 200);
    pg::Spi spi;
    const core::EscrowState escrow = store::find_escrow(spi, payee.escrow_id);
    context::require_escrow_party(caller, escrow, context::EscrowParty::Client);
    // Limits are amounts of the escrow's currency: whole francs for an XOF escrow.
    const int minor_units = store::currency_minor_units(escrow.currency);
    for (const std::optional<int64_t>& limit : {payee.daily_limit, payee.total_limit})
        if (limit) core::require_minor_units(*limit, minor_units, escrow.currency);
    return store::insert_payee(spi, payee, fcinfo);
}
