#include "store/new_row.hpp"

#include "audit/audit.hpp"

namespace koba::store {

Datum insert_new_row(pg::Spi& spi, pg::Statement& insert, pg::Params params, std::string_view audit_action,
                     core::ErrorCode taken, FunctionCallInfo fcinfo) {
    const audit::AuditReason reason(audit_action);
    const pg::Result row = spi.run(insert, std::move(params));
    if (row.empty()) throw core::Error(taken);
    return row.composite(0, fcinfo);
}

}  // namespace koba::store
