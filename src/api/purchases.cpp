// Purchases under a usage mandate (spec.md section 6): the mandate store's snapshot, the mandate
// locked, core::plan_purchase's checks in the spec's order and the consumption it decides, then
// the purchase and the mandate's new counters written by the store. Purchases under one mandate
// run one at a time, so concurrent purchases can never overspend it.
//
// Their refunds (issue 14, part 2): the refund store's snapshot, the mandate locked and then the
// purchase (create_purchase's order), core::plan_refund's checks and what the mandate gets back,
// then the refund and the mandate's new counter written by the store. Refunds and purchases under
// one mandate run one at a time, so the refunds of a purchase never exceed it.
#include "context/identity.hpp"
#include "context/request.hpp"
#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/purchase_plan.hpp"
#include "core/refund_plan.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"
#include "store/mandate_store.hpp"
#include "store/refund_store.hpp"

using namespace koba;

// create_purchase(sender_id bigint, merchant_id bigint, amount numeric, currency text DEFAULT 'USD',
//                 category_id bigint DEFAULT NULL, beneficiary_id bigint DEFAULT NULL,
//                 idempotency_key text DEFAULT NULL) RETURNS purchases
KOBA_FUNCTION(kobatela_create_purchase) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    core::PurchaseRequest request;
    request.sender_id = args.int8(0, "sender_id");
    request.merchant_id = args.int8(1, "merchant_id");
    request.cents = args.amount(2, "amount");
    const core::CurrencyUnits& currency = core::accepted_currency(args.text(3, "currency"), store::currency_catalogue());
    core::require_minor_units(request.cents, currency.minor_units, currency.code);
    request.currency = currency.code;
    request.category_id = args.opt_int8(4);
    request.beneficiary_id = args.opt_int8(5).value_or(request.sender_id);
    // The beneficiary buys; the sender may buy for it (a platform paying the merchant directly).
    context::require_party(caller, {request.sender_id, request.beneficiary_id});

    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key = context::idempotency_key(args.opt_text(6), caller);
    request.has_key = key.has_value();
    // Twice at most: a key taken meanwhile by a purchase under another mandate (this mandate's are
    // serialised) is seen by the second snapshot, and judged by core as a replay or a conflict.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const core::PurchaseSnapshot snapshot = store::purchase_snapshot(spi, request, key);
        const core::PurchaseDecision decision = core::plan_purchase(snapshot, request);
        if (decision.kind == core::PurchaseDecision::Kind::Replay) return store::purchase_row(spi, *key, fcinfo);
        const pg::Result row = store::apply_purchase(spi, request, key, snapshot, decision);
        if (!row.empty()) return row.composite(0, fcinfo);
    }
    throw core::Error(core::ErrorCode::IDEMPOTENCY_CONFLICT);
}

// refund_purchase(purchase_id bigint, amount numeric, reason text, idempotency_key text DEFAULT NULL)
//   RETURNS purchase_refunds
// The merchant's side refunds all or part of a purchase: the platform calls, with scope admin
// (merchants hold no keys), and the amount goes back to the purchase's mandate.
KOBA_FUNCTION(kobatela_refund_purchase) {
    const context::Principal caller = context::require_scope(core::kAdminOnly);
    const pg::Args args(fcinfo);
    core::RefundRequest request;
    request.purchase_id = args.int8(0, "purchase_id");
    request.cents = args.amount(1, "amount");
    request.reason = args.text(2, "reason");
    core::require_text(request.reason, "reason", core::kRefundReasonMaxLength);

    pg::Spi spi;
    const std::optional<context::IdempotencyKey> key = context::idempotency_key(args.opt_text(3), caller);
    // Twice at most: a key taken meanwhile by a refund under another mandate (this mandate's are
    // serialised) is seen by the second snapshot, and judged by core as a replay or a conflict.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const core::RefundSnapshot snapshot = store::refund_snapshot(spi, request, key);
        const core::RefundDecision decision = core::plan_refund(snapshot, request);
        if (decision.kind == core::RefundDecision::Kind::Replay) return store::refund_row(spi, *key, fcinfo);
        const pg::Result row = store::apply_refund(spi, request, key, snapshot, decision);
        if (!row.empty()) return row.composite(0, fcinfo);
    }
    throw core::Error(core::ErrorCode::IDEMPOTENCY_CONFLICT);
}
