// Purchases under a usage mandate (spec.md section 6): the checks in the spec's order, then the
// mandate consumed by one conditional UPDATE, so concurrent purchases can never overspend it.
#include "api/audit.hpp"
#include "api/identity.hpp"
#include "api/lookups.hpp"
#include "api/request.hpp"
#include "core/errors.hpp"
#include "core/money.hpp"
#include "core/spend_rules.hpp"
#include "core/text_rules.hpp"
#include "core/transitions.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

// Columns of kobatela.purchases as returned by SELECT * / RETURNING *.
enum PurchaseColumn { kId = 1, kBeneficiaryId, kMerchantId, kCategoryId, kAmount, kCurrency, kStatus, kKey, kMandateId };

struct PurchaseRequest {
    int64_t sender_id;
    int64_t beneficiary_id;
    int64_t merchant_id;
    int64_t cents;
    std::string currency;
    std::optional<int64_t> category_id;  // as given; otherwise the merchant's
    std::optional<api::IdempotencyKey> key;
};

// The purchase the request's key names in its owner's namespace, if any.
pg::Result purchase_by_key(pg::Spi& spi, const api::IdempotencyKey& key) {
    static pg::Statement find{
        "SELECT * FROM kobatela.purchases WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
        {TEXTOID, INT8OID}};
    return spi.run(find, pg::Params().text(key.key).opt_int8(key.owner));
}

// A replay returns the first purchase only if it asked for the same one: same mandate sender,
// beneficiary, merchant, amount and currency, and the same category when one is given.
Datum replay(pg::Spi& spi, const pg::Result& first, const PurchaseRequest& request, FunctionCallInfo fcinfo) {
    static pg::Statement mandate_sender{"SELECT sender_id FROM kobatela.usage_mandates WHERE id = $1", {INT8OID}};
    const std::optional<int64_t> mandate_id = first.opt_int8(0, kMandateId);
    const bool same =
        first.int8(0, kBeneficiaryId) == request.beneficiary_id && first.int8(0, kMerchantId) == request.merchant_id &&
        first.money(0, kAmount) == request.cents && first.text(0, kCurrency) == request.currency &&
        (!request.category_id || first.opt_int8(0, kCategoryId) == request.category_id) && mandate_id &&
        spi.run(mandate_sender, pg::Params().int8(*mandate_id)).int8(0, 1) == request.sender_id;
    if (!same) throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    return first.composite(0, fcinfo);
}

struct Mandate {
    int64_t id;
    core::MandateRestrictions restrictions;
};

// The sender's ACTIVE mandate for the beneficiary in this currency, unexpired at `now` (there is at
// most one ACTIVE; the order makes the choice explicit all the same): MANDATE_REQUIRED otherwise.
Mandate covering_mandate(pg::Spi& spi, const PurchaseRequest& request, pg::UnixMicros now) {
    static pg::Statement select{
        "SELECT id, allowed_merchant_id, allowed_category_id FROM kobatela.usage_mandates "
        "WHERE sender_id = $1 AND beneficiary_id = $2 AND currency = $3 AND status = 'ACTIVE' "
        "AND expires_at > $4 ORDER BY expires_at, id LIMIT 1",
        {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID}};
    const pg::Result r = spi.run(select, pg::Params()
                                             .int8(request.sender_id)
                                             .int8(request.beneficiary_id)
                                             .text(request.currency)
                                             .timestamptz(now));
    if (r.empty()) throw Error(ErrorCode::MANDATE_REQUIRED);
    return Mandate{r.int8(0, 1), {r.opt_int8(0, 2), r.opt_int8(0, 3)}};
}

// The beneficiary may buy from a certified merchant, or where an allowed usage names the merchant
// or the purchase's category — a rule of the platform's, or one the mandate's own sender added:
// a rule lets out only its sender's money (UNAUTHORIZED_USAGE otherwise).
void require_usage(pg::Spi& spi, const PurchaseRequest& request, const api::Merchant& merchant,
                   std::optional<int64_t> category_id) {
    if (merchant.is_certified) return;
    static pg::Statement allowed{
        "SELECT EXISTS (SELECT 1 FROM kobatela.allowed_usages WHERE owner_id = $1 AND merchant_id = $2 "
        "               AND (sender_id IS NULL OR sender_id = $4)) "
        "    OR EXISTS (SELECT 1 FROM kobatela.allowed_usages WHERE owner_id = $1 AND category_id = $3 "
        "               AND (sender_id IS NULL OR sender_id = $4))",
        {INT8OID, INT8OID, INT8OID, INT8OID}};
    if (!spi.run(allowed, pg::Params()
                              .int8(request.beneficiary_id)
                              .int8(merchant.id)
                              .opt_int8(category_id)
                              .int8(request.sender_id))
             .boolean(0, 1))
        throw Error(ErrorCode::UNAUTHORIZED_USAGE);
}

// The mandate, locked until the transaction ends: purchases under one mandate run one at a time.
core::MandateState lock_mandate(pg::Spi& spi, int64_t mandate_id) {
    static pg::Statement lock{
        "SELECT status::text, total_amount, total_spent, expires_at FROM kobatela.usage_mandates "
        "WHERE id = $1 FOR UPDATE",
        {INT8OID}};
    const pg::Result r = spi.run(lock, pg::Params().int8(mandate_id));
    return core::MandateState{core::parse_status<core::MandateStatus>(r.text(0, 1)).value(), r.money(0, 2),
                              r.money(0, 3), r.timestamptz(0, 4)};
}

}  // namespace

// create_purchase(sender_id bigint, merchant_id bigint, amount numeric, currency text DEFAULT 'USD',
//                 category_id bigint DEFAULT NULL, beneficiary_id bigint DEFAULT NULL,
//                 idempotency_key text DEFAULT NULL) RETURNS purchases
KOBA_FUNCTION(kobatela_create_purchase) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    PurchaseRequest request{args.int8(0, "sender_id"),
                            0,
                            args.int8(1, "merchant_id"),
                            args.amount(2, "amount"),
                            core::normalize_currency(args.text(3, "currency"), pg::settings::currencies()),
                            args.opt_int8(4),
                            std::nullopt};
    request.beneficiary_id = args.opt_int8(5).value_or(request.sender_id);
    // The beneficiary buys; the sender may buy for it (a platform paying the merchant directly).
    api::require_party(caller, {request.sender_id, request.beneficiary_id});

    static pg::Statement insert{
        "INSERT INTO kobatela.purchases (sender_id, merchant_id, category_id, amount, currency, status, "
        "idempotency_key, idempotency_owner, mandate_id, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'COMPLETED', $6, $7, $8, $9) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *",
        {INT8OID, INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID}};
    static pg::Statement consume{
        "UPDATE kobatela.usage_mandates SET total_spent = $2, status = $3::kobatela.mandate_status WHERE id = $1",
        {INT8OID, NUMERICOID, TEXTOID}};
    pg::Spi spi;
    request.key = api::idempotency_key(spi, args.opt_text(6), caller);
    if (request.key) {
        const pg::Result first = purchase_by_key(spi, *request.key);
        if (!first.empty()) return replay(spi, first, request, fcinfo);
    }
    const api::Merchant merchant = api::find_merchant(spi, request.merchant_id);
    if (request.category_id) api::require_category(spi, *request.category_id);
    const std::optional<int64_t> category_id = request.category_id ? request.category_id : merchant.category_id;
    const Mandate mandate = covering_mandate(spi, request, pg::clock_micros());
    core::require_mandate_allows(mandate.restrictions, merchant.id, category_id);
    require_usage(spi, request, merchant, category_id);

    // Decided under the mandate's lock, at the moment it was granted: a purchase that waited for
    // it meets the mandate as the previous holder left it, and the time it is judged (and stamped)
    // at is its own, not its transaction's start.
    const core::MandateState state = lock_mandate(spi, mandate.id);
    const pg::UnixMicros decided_at = pg::clock_micros();
    if (request.key) {  // a purchase with this key committed while this one waited: its replay
        const pg::Result first = purchase_by_key(spi, *request.key);
        if (!first.empty()) return replay(spi, first, request, fcinfo);
    }
    const core::MandateConsumption consumption = core::decide_consume(state, request.cents, decided_at);

    const api::AuditReason reason("CREATE_PURCHASE");
    pg::Params values;
    values.int8(request.beneficiary_id).int8(merchant.id).opt_int8(category_id).money(request.cents).text(request.currency);
    api::add_idempotency_key(values, request.key).int8(mandate.id).timestamptz(decided_at);
    const pg::Result row = spi.run(insert, std::move(values));
    // The key was taken meanwhile by a purchase under another mandate (this mandate's are serialised).
    if (row.empty()) return replay(spi, purchase_by_key(spi, *request.key), request, fcinfo);
    {
        const api::AuditReason consumed(consumption.audit_action);
        spi.run(consume, pg::Params()
                             .int8(mandate.id)
                             .money(consumption.total_spent)
                             .text(core::status_name(consumption.status)));
    }
    return row.composite(0, fcinfo);
}
