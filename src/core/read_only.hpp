// A write refused because the transaction only reads: on a hot standby (every transaction of a
// server in recovery is read-only), or in a READ ONLY transaction on the primary (PostgREST's GET,
// BEGIN READ ONLY, default_transaction_read_only). PostgreSQL refuses the first write itself, with
// SQLSTATE 25006 (read_only_sql_transaction); the bridge (pg/guard.cpp) raises that, when it ends a
// Kobatela call, as the catalogued READ_ONLY with the sentence and hint for its cause, so that a
// client learns where to send the write instead of PostgreSQL's "cannot execute INSERT in a
// read-only transaction".
//
// Pure C++: no PostgreSQL header may be included here.
#pragma once

#include "core/errors.hpp"

#include <optional>
#include <string_view>

namespace koba::core {

enum class ReadOnlyCause {
    Standby,              // the server is in recovery (a hot standby)
    ReadOnlyTransaction,  // the server is a primary; this transaction was made read-only
};

// The cause, from what the server says of itself (RecoveryInProgress()).
ReadOnlyCause read_only_cause(bool in_recovery) noexcept;

// READ_ONLY's DETAIL and HINT for `cause`: static texts (the bridge copies them without allocating).
struct ReadOnlyTexts {
    const char* detail;
    const char* hint;
};
ReadOnlyTexts read_only_texts(ReadOnlyCause cause) noexcept;

// The catalogued error for `cause` (for code that throws rather than the bridge).
Error read_only_error(ReadOnlyCause cause);

// A write Kobatela makes through another connection on behalf of the caller's transaction (pg_cron's
// jobs, when pg_cron lives in another database: that connection commits on its own) follows the
// caller's transaction: when that transaction is read-only, the write is refused as a local one
// would be, before anything is sent. Returns the error to raise, or nothing.
std::optional<Error> refuse_write_elsewhere(bool transaction_read_only, bool in_recovery);

// True for SQLSTATE 25006, PostgreSQL's read_only_sql_transaction: a write refused because the
// transaction (or the whole server, in recovery) is read-only.
bool is_read_only_sqlstate(std::string_view sqlstate) noexcept;

}  // namespace koba::core
