// The spending catalogue (spec.md section 6): categories, merchants, and the allowed usages that
// say where a mandate's beneficiary may spend. Categories and merchants are platform data: an
// admin key or an unbound (platform) sender key manages them, never a key bound to an end user,
// who could otherwise certify a shop of its own.
#include "context/identity.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "core/usage_rule_plan.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/catalogue_store.hpp"
#include "store/identity_store.hpp"
#include "store/mandate_store.hpp"

using namespace koba;

namespace {

void require_platform_key() {
    context::require_unbound(context::require_scope(core::kBusinessWrite),
                         "A key bound to a user may not change the merchant catalogue.");
}

// The rule's sender, as core::plan_usage_rule_sender decides, once what it names is checked.
std::optional<int64_t> usage_rule_sender(pg::Spi& spi, const context::Principal& caller, int64_t owner_id,
                                         std::optional<int64_t> sender_id) {
    const core::UsageRuleSender rule = core::plan_usage_rule_sender(caller.user_id, sender_id);
    if (rule.sender_must_exist) store::require_user(spi, *rule.sender_id);
    if (rule.needs_grant)
        core::require_usage_grant(store::mandate_exists(spi, *caller.user_id, owner_id, rule.grant_status));
    return rule.sender_id;
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
    pg::Spi spi;
    return store::insert_category(spi, code, label, fcinfo);
}

// create_merchant(name text, category_id bigint DEFAULT NULL, is_certified boolean DEFAULT false)
//   RETURNS merchants
KOBA_FUNCTION(kobatela_create_merchant) {
    require_platform_key();
    const pg::Args args(fcinfo);
    const store::NewMerchant merchant{args.text(0, "name"), args.opt_int8(1), args.boolean(2, "is_certified")};
    core::require_text(merchant.name, "name", 255);
    pg::Spi spi;
    if (merchant.category_id) store::require_category(spi, *merchant.category_id);
    return store::insert_merchant(spi, merchant, fcinfo);
}

// allow_usage(owner_id bigint, merchant_id bigint DEFAULT NULL, category_id bigint DEFAULT NULL,
//             sender_id bigint DEFAULT NULL) RETURNS text: 'added' or 'exists'
KOBA_FUNCTION(kobatela_allow_usage) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    store::NewUsageRule rule{args.int8(0, "owner_id"), args.opt_int8(1), args.opt_int8(2), std::nullopt};
    core::require_one_usage_target(rule.merchant_id, rule.category_id);

    pg::Spi spi;
    store::require_user(spi, rule.owner_id);
    rule.sender_id = usage_rule_sender(spi, caller, rule.owner_id, args.opt_int8(3));
    if (rule.merchant_id) store::find_merchant(spi, *rule.merchant_id);
    else store::require_category(spi, *rule.category_id);
    return pg::text_datum(store::insert_usage_rule(spi, rule) ? "added" : "exists");
}
