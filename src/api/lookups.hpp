// Existence checks shared by the API functions: each raises the catalogued *_NOT_FOUND error.
#pragma once

#include "pg/spi.hpp"

namespace koba::api {

void require_user(pg::Spi& spi, int64_t user_id);

}  // namespace koba::api
