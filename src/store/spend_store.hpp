// The allowed payees' SQL: payees, and the snapshot and writes of a spend to one
// (core/spend_plan.hpp). A spend is a payout without a milestone: it takes the escrow's row lock
// like every payout, so the payee's counters, the escrow's balance and the idempotency key are
// read and changed by one spend at a time.
#pragma once

#include "context/request.hpp"
#include "core/spend_plan.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

struct NewPayee {
    int64_t escrow_id;
    std::string payee_ref;
    std::string label;
    std::optional<int64_t> daily_limit;
    std::optional<int64_t> total_limit;
};
// Inserts the payee (audit USAGE_PAYEE_ADDED); PAYEE_ALREADY_ALLOWED when the escrow has it.
Datum insert_payee(pg::Spi& spi, const NewPayee& payee, FunctionCallInfo fcinfo);

// The escrow and its payee, locked (the escrow first), and whether the key was used.
// ESCROW_NOT_FOUND when there is no escrow.
core::SpendSnapshot spend_snapshot(pg::Spi& spi, const core::SpendRequest& request,
                                   const std::optional<context::IdempotencyKey>& key);
// The snapshot again with the key looked up now (a new statement sees what committed while the
// first one waited for its locks).
core::SpendSnapshot recheck_key(pg::Spi& spi, core::SpendSnapshot snapshot,
                                const std::optional<context::IdempotencyKey>& key);

// The payment the key names and what it was for, and the payments row to return.
struct KeyedSpend {
    core::FirstSpend facts;
    pg::Result row;  // the payments row (SELECT *), for the caller's result
};
KeyedSpend first_spend(pg::Spi& spi, const context::IdempotencyKey& key);

// Applies a Pay decision: the payment SENT, the payee's counters, the USAGE_SPEND event, under
// audit USAGE_SPEND. No row, having written nothing, when a spend that committed meanwhile took
// the key.
pg::Result apply_spend(pg::Spi& spi, const core::SpendRequest& request,
                       const std::optional<context::IdempotencyKey>& key, const core::SpendDecision& decision);

}  // namespace koba::store
