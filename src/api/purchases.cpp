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
    std::optional<std::string> key;
};

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

// The sender's ACTIVE, unexpired mandate for the beneficiary in this currency (there is at most
// one ACTIVE; the order makes the choice explicit all the same): MANDATE_REQUIRED otherwise.
Mandate covering_mandate(pg::Spi& spi, const PurchaseRequest& request) {
    static pg::Statement select{
        "SELECT id, allowed_merchant_id, allowed_category_id FROM kobatela.usage_mandates "
        "WHERE sender_id = $1 AND beneficiary_id = $2 AND currency = $3 AND status = 'ACTIVE' "
        "AND expires_at > now() ORDER BY expires_at, id LIMIT 1",
        {INT8OID, INT8OID, TEXTOID}};
    const pg::Result r = spi.run(
        select, pg::Params().int8(request.sender_id).int8(request.beneficiary_id).text(request.currency));
    if (r.empty()) throw Error(ErrorCode::MANDATE_REQUIRED);
    return Mandate{r.int8(0, 1), {r.opt_int8(0, 2), r.opt_int8(0, 3)}};
}

// The beneficiary may buy from a certified merchant, or where an allowed usage names the merchant
// or the purchase's category: UNAUTHORIZED_USAGE otherwise.
void require_usage(pg::Spi& spi, int64_t beneficiary_id, const api::Merchant& merchant,
                   std::optional<int64_t> category_id) {
    if (merchant.is_certified) return;
    static pg::Statement allowed{
        "SELECT EXISTS (SELECT 1 FROM kobatela.allowed_usages WHERE owner_id = $1 AND merchant_id = $2) "
        "    OR EXISTS (SELECT 1 FROM kobatela.allowed_usages WHERE owner_id = $1 AND category_id = $3)",
        {INT8OID, INT8OID, INT8OID}};
    if (!spi.run(allowed, pg::Params().int8(beneficiary_id).int8(merchant.id).opt_int8(category_id)).boolean(0, 1))
        throw Error(ErrorCode::UNAUTHORIZED_USAGE);
}

// Adds the purchase to the mandate in one statement, which re-checks the mandate as it is when
// the row lock is granted: still ACTIVE, unexpired, and with enough left. It becomes CONSUMED
// when the purchase spends exactly what was left. MANDATE_CONFLICT otherwise.
void consume(pg::Spi& spi, int64_t mandate_id, int64_t cents) {
    static pg::Statement update{
        "UPDATE kobatela.usage_mandates SET total_spent = total_spent + $2, status = CASE WHEN "
        "total_spent + $2 = total_amount THEN 'CONSUMED'::kobatela.mandate_status ELSE status END "
        "WHERE id = $1 AND status = 'ACTIVE' AND expires_at > now() AND total_spent + $2 <= total_amount "
        "RETURNING id",
        {INT8OID, NUMERICOID}};
    static pg::Statement why{
        "SELECT status::text, total_amount - total_spent, expires_at > now() FROM kobatela.usage_mandates "
        "WHERE id = $1",
        {INT8OID}};
    const api::AuditReason reason(
        core::mandate_step(core::MandateStatus::Active, core::MandateEvent::Consume).audit_action);
    if (!spi.run(update, pg::Params().int8(mandate_id).money(cents)).empty()) return;
    const pg::Result now = spi.run(why, pg::Params().int8(mandate_id));
    const std::string status = now.text(0, 1);
    if (status != "ACTIVE" || !now.boolean(0, 3))
        throw Error(ErrorCode::MANDATE_CONFLICT, "The mandate is no longer active.");
    throw Error(ErrorCode::MANDATE_CONFLICT, "The mandate has " + core::format_cents(now.money(0, 2)) +
                                                 " left; the purchase is " + core::format_cents(cents) + ".");
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

    static pg::Statement find_by_key{"SELECT * FROM kobatela.purchases WHERE idempotency_key = $1", {TEXTOID}};
    static pg::Statement insert{
        "INSERT INTO kobatela.purchases (sender_id, merchant_id, category_id, amount, currency, status, "
        "idempotency_key, mandate_id) VALUES ($1, $2, $3, $4, $5, 'COMPLETED', $6, $7) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
        {INT8OID, INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, INT8OID}};
    pg::Spi spi;
    request.key = api::idempotency_key(spi, args.opt_text(6));
    if (request.key) {
        const pg::Result first = spi.run(find_by_key, pg::Params().text(*request.key));
        if (!first.empty()) return replay(spi, first, request, fcinfo);
    }
    const api::Merchant merchant = api::find_merchant(spi, request.merchant_id);
    if (request.category_id) api::require_category(spi, *request.category_id);
    const std::optional<int64_t> category_id = request.category_id ? request.category_id : merchant.category_id;
    const Mandate mandate = covering_mandate(spi, request);
    core::require_mandate_allows(mandate.restrictions, merchant.id, category_id);
    require_usage(spi, request.beneficiary_id, merchant, category_id);

    // The purchase is inserted before the mandate is consumed: a concurrent call with the same key
    // makes this INSERT wait for it, and then answer as its replay having written nothing.
    const api::AuditReason reason("CREATE_PURCHASE");
    const pg::Result row = spi.run(insert, pg::Params()
                                               .int8(request.beneficiary_id)
                                               .int8(merchant.id)
                                               .opt_int8(category_id)
                                               .money(request.cents)
                                               .text(request.currency)
                                               .opt_text(request.key)
                                               .int8(mandate.id));
    if (row.empty()) return replay(spi, spi.run(find_by_key, pg::Params().text(*request.key)), request, fcinfo);
    consume(spi, mandate.id, request.cents);
    return row.composite(0, fcinfo);
}
