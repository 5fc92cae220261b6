// The spending catalogue (spec.md section 6): categories, merchants, and the allowed usages that
// say where a mandate's beneficiary may spend. Categories and merchants are platform data: an
// admin key or an unbound (platform) sender key manages them, never a key bound to an end user,
// who could otherwise certify a shop of its own.
#include "audit/audit.hpp"
#include "context/identity.hpp"
#include "store/lookups.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

void require_platform_key() {
    context::require_unbound(context::require_scope(core::kBusinessWrite),
                         "A key bound to a user may not change the merchant catalogue.");
}

// A key bound to a user adds usage rules only as the sender of an ACTIVE mandate to that
// beneficiary, and only for its own money: the rule's sender is the key's user (another sender_id
// is NOT_A_PARTY). An unbound key (the platform) names the sender whose money the rule lets out,
// or none for a platform rule over every sender's mandates. Returns the rule's sender.
std::optional<int64_t> usage_rule_sender(pg::Spi& spi, const context::Principal& caller, int64_t owner_id,
                                         std::optional<int64_t> sender_id) {
    if (!caller.user_id) {
        if (sender_id) store::require_user(spi, *sender_id);
        return sender_id;
    }
    if (sender_id && *sender_id != *caller.user_id)
        throw Error(ErrorCode::NOT_A_PARTY, "A key bound to a user may add usage rules only for its own mandates' money.");
    static pg::Statement grants{
        "SELECT 1 FROM kobatela.usage_mandates WHERE sender_id = $1 AND beneficiary_id = $2 AND status = 'ACTIVE'",
        {INT8OID, INT8OID}};
    if (spi.run(grants, pg::Params().int8(*caller.user_id).int8(owner_id), 1).empty())
        throw Error(ErrorCode::NOT_A_PARTY,
                    "A key bound to a user may allow usages only for the beneficiary of its own active mandate.");
    return caller.user_id;
}

}  // namespace

// create_spend_category(code text, label text) RETURNS spend_categories
KOBA_FUNCTION(kobatela_create_spend_category) {
    require_platform_key();
    const pg::Args args(fcinfo);
    const std::string code = args.text(0, "code");
    const std::string label = args.text(1, "label");
    core::require_text(code, "code", 64);
    core::require_text(label, "label", 255);
    static pg::Statement insert{
        "INSERT INTO kobatela.spend_categories (code, label) VALUES ($1, $2) "
        "ON CONFLICT (code) DO NOTHING RETURNING *",
        {TEXTOID, TEXTOID}};
    pg::Spi spi;
    const audit::AuditReason reason("CATEGORY_CREATED");
    const pg::Result row = spi.run(insert, pg::Params().text(code).text(label));
    if (row.empty()) throw Error(ErrorCode::CATEGORY_EXISTS);
    return row.composite(0, fcinfo);
}

// create_merchant(name text, category_id bigint DEFAULT NULL, is_certified boolean DEFAULT false)
//   RETURNS merchants
KOBA_FUNCTION(kobatela_create_merchant) {
    require_platform_key();
    const pg::Args args(fcinfo);
    const std::string name = args.text(0, "name");
    const std::optional<int64_t> category_id = args.opt_int8(1);
    const bool is_certified = args.boolean(2, "is_certified");
    core::require_text(name, "name", 255);
    static pg::Statement insert{
        "INSERT INTO kobatela.merchants (name, category_id, is_certified) VALUES ($1, $2, $3) "
        "ON CONFLICT (name) DO NOTHING RETURNING *",
        {TEXTOID, INT8OID, BOOLOID}};
    pg::Spi spi;
    if (category_id) store::require_category(spi, *category_id);
    const audit::AuditReason reason("MERCHANT_CREATED");
    const pg::Result row = spi.run(insert, pg::Params().text(name).opt_int8(category_id).boolean(is_certified));
    if (row.empty()) throw Error(ErrorCode::MERCHANT_EXISTS);
    return row.composite(0, fcinfo);
}

// allow_usage(owner_id bigint, merchant_id bigint DEFAULT NULL, category_id bigint DEFAULT NULL,
//             sender_id bigint DEFAULT NULL) RETURNS text: 'added' or 'exists'
KOBA_FUNCTION(kobatela_allow_usage) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t owner_id = args.int8(0, "owner_id");
    const std::optional<int64_t> merchant_id = args.opt_int8(1);
    const std::optional<int64_t> category_id = args.opt_int8(2);
    if (merchant_id.has_value() == category_id.has_value()) throw Error(ErrorCode::INVALID_USAGE_RULE);

    // Each target has its own partial unique index, hence two statements.
    static pg::Statement insert_merchant{
        "INSERT INTO kobatela.allowed_usages (owner_id, merchant_id, sender_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (owner_id, sender_id, merchant_id) WHERE merchant_id IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, INT8OID, INT8OID}};
    static pg::Statement insert_category{
        "INSERT INTO kobatela.allowed_usages (owner_id, category_id, sender_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (owner_id, sender_id, category_id) WHERE category_id IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, INT8OID, INT8OID}};
    pg::Spi spi;
    store::require_user(spi, owner_id);
    const std::optional<int64_t> sender_id = usage_rule_sender(spi, caller, owner_id, args.opt_int8(3));
    if (merchant_id) store::find_merchant(spi, *merchant_id);
    else store::require_category(spi, *category_id);
    const audit::AuditReason reason("USAGE_ALLOWED");
    const pg::Result row =
        merchant_id ? spi.run(insert_merchant, pg::Params().int8(owner_id).int8(*merchant_id).opt_int8(sender_id))
                    : spi.run(insert_category, pg::Params().int8(owner_id).int8(*category_id).opt_int8(sender_id));
    return pg::text_datum(row.empty() ? "exists" : "added");
}
