// The spending catalogue's SQL (spec.md section 6): categories, merchants, and the allowed usages
// that say where a mandate's beneficiary may spend. Each lookup raises the catalogued *_NOT_FOUND
// error.
#pragma once

#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

// CATEGORY_NOT_FOUND (naming the id) when there is no such category.
void require_category(pg::Spi& spi, int64_t category_id);

struct Merchant {
    int64_t id;
    std::optional<int64_t> category_id;  // the default category of its purchases
    bool is_certified;                   // accepts purchases without an allowed-usage rule
};
// MERCHANT_NOT_FOUND (naming the id) when there is no such merchant.
Merchant find_merchant(pg::Spi& spi, int64_t merchant_id);

// Inserts the category (audit CATEGORY_CREATED), as the calling function's result;
// CATEGORY_EXISTS when its code is taken.
Datum insert_category(pg::Spi& spi, const std::string& code, const std::string& label, FunctionCallInfo fcinfo);

struct NewMerchant {
    std::string name;
    std::optional<int64_t> category_id;
    bool is_certified;
};
// Inserts the merchant (audit MERCHANT_CREATED), as the calling function's result; MERCHANT_EXISTS
// when its name is taken.
Datum insert_merchant(pg::Spi& spi, const NewMerchant& merchant, FunctionCallInfo fcinfo);

struct NewUsageRule {
    int64_t owner_id;
    std::optional<int64_t> merchant_id;  // exactly one of merchant_id and category_id
    std::optional<int64_t> category_id;
    std::optional<int64_t> sender_id;
};
// Inserts the rule (audit USAGE_ALLOWED); false when the owner already has it.
bool insert_usage_rule(pg::Spi& spi, const NewUsageRule& rule);

}  // namespace koba::store
