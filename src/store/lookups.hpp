// Existence checks shared by the API functions: each raises the catalogued *_NOT_FOUND error.
#pragma once

#include "pg/spi.hpp"

namespace koba::store {

void require_user(pg::Spi& spi, int64_t user_id);
void require_category(pg::Spi& spi, int64_t category_id);

struct Merchant {
    int64_t id;
    std::optional<int64_t> category_id;  // the default category of its purchases
    bool is_certified;                   // accepts purchases without an allowed-usage rule
};
Merchant find_merchant(pg::Spi& spi, int64_t merchant_id);

}  // namespace koba::store
