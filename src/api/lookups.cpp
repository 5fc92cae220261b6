#include "api/lookups.hpp"

#include "core/errors.hpp"

namespace koba::api {

void require_user(pg::Spi& spi, int64_t user_id) {
    static pg::Statement find{"SELECT 1 FROM kobatela.users WHERE id = $1", {INT8OID}};
    if (spi.run(find, pg::Params().int8(user_id), 1).empty())
        throw core::Error(core::ErrorCode::USER_NOT_FOUND,
                          "User " + std::to_string(user_id) + " not found.");
}

}  // namespace koba::api
