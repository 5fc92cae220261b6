// The stores' one way to create a row the caller returns: an INSERT ... ON CONFLICT DO NOTHING
// RETURNING * whose unique index decides whether the row is new, so two concurrent calls cannot
// both create it.
#pragma once

#include "core/errors.hpp"
#include "pg/spi.hpp"

#include <string_view>

namespace koba::store {

// Runs `insert` under the audit reason `audit_action`: the new row as the calling function's
// result, or Error(`taken`) when the conflict left nothing inserted.
Datum insert_new_row(pg::Spi& spi, pg::Statement& insert, pg::Params params, std::string_view audit_action,
                     core::ErrorCode taken, FunctionCallInfo fcinfo);

}  // namespace koba::store
