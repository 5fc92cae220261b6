#include "store/lookups.hpp"

#include "core/errors.hpp"

namespace koba::store {

void require_user(pg::Spi& spi, int64_t user_id) {
    static pg::Statement find{"SELECT 1 FROM kobatela.users WHERE id = $1", {INT8OID}};
    if (spi.run(find, pg::Params().int8(user_id), 1).empty())
        throw core::Error(core::ErrorCode::USER_NOT_FOUND,
                          "User " + std::to_string(user_id) + " not found.");
}

void require_category(pg::Spi& spi, int64_t category_id) {
    static pg::Statement find{"SELECT 1 FROM kobatela.spend_categories WHERE id = $1", {INT8OID}};
    if (spi.run(find, pg::Params().int8(category_id), 1).empty())
        throw core::Error(core::ErrorCode::CATEGORY_NOT_FOUND,
                          "Spend category " + std::to_string(category_id) + " not found.");
}

Merchant find_merchant(pg::Spi& spi, int64_t merchant_id) {
    static pg::Statement find{"SELECT category_id, is_certified FROM kobatela.merchants WHERE id = $1", {INT8OID}};
    const pg::Result r = spi.run(find, pg::Params().int8(merchant_id), 1);
    if (r.empty())
        throw core::Error(core::ErrorCode::MERCHANT_NOT_FOUND, "Merchant " + std::to_string(merchant_id) + " not found.");
    return Merchant{merchant_id, r.opt_int8(0, 1), r.boolean(0, 2)};
}

}  // namespace koba::store
