// Spends to an allowed payee (spec.md section 7): a payout without a milestone, under the payee's
// daily and total limits, idempotent under the caller's key. The spend store's snapshot is taken
// under the escrow's and the payee's row locks; core::plan_spend decides; the store applies.
#include "context/identity.hpp"
#include "context/request.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/spend_plan.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/spend_store.hpp"

using namespace koba;

namespace {

// The key's first payment, if it was the same spend (IDEMPOTENCY_CONFLICT otherwise).
Datum replay(pg::Spi& spi, const context::IdempotencyKey& key, const core::SpendRequest& request,
             FunctionCallInfo fcinfo) {
    const store::KeyedSpend first = store::first_spend(spi, key);
    core::require_same_spend(first.facts, request);
    return first.row.composite(0, fcinfo);
}

}  // namespace

// spend(escrow_id bigint, payee_ref text, amount numeric, note text DEFAULT NULL,
//       idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL) RETURNS payments
KOBA_FUNCTION(kobatela_spend) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    core::SpendRequest request{args.int8(0, "escrow_id"), args.text(1, "payee_ref"), args.amount(2, "amount"),
                               args.opt_text(3), std::nullopt, args.metadata(5)};
    core::require_text(request.payee_ref, "payee_ref", core::kMaxPayeeRef);
    if (request.note) core::require_text(*request.note, "note", core::kMaxSpendNote);

    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key = context::idempotency_key(args.opt_text(4), caller);
    if (key) request.key = key->key;
    core::SpendSnapshot snapshot = store::spend_snapshot(spi, request, key);
    context::require_party(caller, {snapshot.client_id});
    core::require_minor_units(request.cents, store::currency_minor_units(snapshot.currency), snapshot.currency);
    core::SpendDecision decision = core::plan_spend(snapshot, request);
    if (decision.kind == core::SpendDecision::Kind::Recheck)
        decision = core::plan_spend(snapshot = store::recheck_key(spi, snapshot, key), request);
    // A replay is answered as it is, even once the escrow has closed.
    if (decision.kind == core::SpendDecision::Kind::Replay) return replay(spi, *key, request, fcinfo);

    const pg::Result payment = store::apply_spend(spi, request, key, decision);
    // A concurrent spend with this key committed meanwhile: this call is its replay.
    if (payment.empty()) return replay(spi, *key, request, fcinfo);
    return payment.composite(0, fcinfo);
}
