// Restricted transfers: a sender may pay a receiver it allowlisted, or a certified receiver.
// A refused transfer is recorded as data (status REJECTED plus an alert), not raised as an
// error, so that the evidence commits (spec.md section 2). The transaction store reads the
// facts, core::plan_transfer decides, the store records the decision.
#include "context/identity.hpp"
#include "context/request.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "core/transfer_plan.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/identity_store.hpp"
#include "store/transaction_store.hpp"

using namespace koba;

namespace {

// Under PostgREST a refused transfer answers 403 with the reason in a header (the row commits all
// the same: it is the evidence).
void answer_refused(pg::Spi& spi) {
    context::set_http_response(spi, 403, core::kRefusedTransferHeader, core::kRefusedTransferCode);
}

// The key's first transfer, if it asked for the same one (core::replay_is_refusal).
Datum replay(pg::Spi& spi, const store::TransactionRow& first, const core::TransferRequest& request,
             FunctionCallInfo fcinfo) {
    if (core::replay_is_refusal(first.transfer, request)) answer_refused(spi);
    return first.row.composite(0, fcinfo);
}

}  // namespace

// create_transaction(sender_id bigint, receiver_id bigint, amount numeric,
//                    currency text DEFAULT 'USD', idempotency_key text DEFAULT NULL,
//                    metadata jsonb DEFAULT NULL)
//   RETURNS transactions
KOBA_FUNCTION(kobatela_create_transaction) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const core::TransferRequest request{args.int8(0, "sender_id"), args.int8(1, "receiver_id"),
                                        args.amount(2, "amount"),
                                        core::accepted_currency(args.text(3, "currency"), store::currency_catalogue()).code,
                                        args.metadata(5)};
    core::require_minor_units(request.cents, store::currency_minor_units(request.currency), request.currency);
    context::require_party(caller, {request.sender_id});

    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key = context::idempotency_key(args.opt_text(4), caller);
    // A replay needs neither the users nor the allowlist again: it is answered first.
    if (key) {
        if (const std::optional<store::TransactionRow> first = store::transfer_by_key(spi, *key, request.sender_id))
            return replay(spi, *first, request, fcinfo);
    }
    store::require_user(spi, request.sender_id);
    store::require_user(spi, request.receiver_id);

    const core::TransferDecision decision =
        core::plan_transfer(store::transfer_facts(spi, request.sender_id, request.receiver_id));
    const pg::Result row = store::apply_transfer(spi, request, key, decision);
    if (row.empty()) {
        // A concurrent call with the same key committed first: answer as its replay.
        return replay(spi, store::transfer_by_key(spi, *key, request.sender_id).value(), request, fcinfo);
    }
    if (decision.refused) answer_refused(spi);
    return row.composite(0, fcinfo);
}

// get_transaction(id bigint) RETURNS transactions
KOBA_FUNCTION(kobatela_get_transaction) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    pg::Spi spi;
    const store::TransactionRow found = store::find_transaction(spi, id);
    context::require_party(caller, {found.sender_id, found.transfer.receiver_id});
    return found.row.composite(0, fcinfo);
}
