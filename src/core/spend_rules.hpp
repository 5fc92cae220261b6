// The money rules of payouts and conditional spending (spec.md sections 5 to 7) that need no
// database: what an escrow can pay out, which purchases a mandate's restrictions allow, and how a
// spend to an allowed payee moves its counters under the payee's daily and total limits.
#pragma once

#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace koba::core {

// --- Escrow money ---

// INSUFFICIENT_ESCROW_BALANCE unless an escrow holding `balance` can pay out `cents`, of which
// `reserved` is promised to open milestones (a payee spend cannot take it; a milestone's payout
// passes 0: its own amount is part of the reservation).
void require_escrow_balance(int64_t balance, int64_t cents, int64_t reserved = 0);

// --- Mandates ---

// What a mandate restricts: when set, purchases must be at this merchant / in this category.
struct MandateRestrictions {
    std::optional<int64_t> merchant_id;
    std::optional<int64_t> category_id;
};

// MANDATE_MERCHANT_FORBIDDEN, then MANDATE_CATEGORY_FORBIDDEN (a purchase without a category
// does not match a category restriction).
void require_mandate_allows(const MandateRestrictions& mandate, int64_t merchant_id,
                            std::optional<int64_t> category_id);

// A mandate as read under its row lock.
struct MandateState {
    MandateStatus status;
    int64_t total_amount;  // cents
    int64_t total_spent;   // cents
    int64_t expires_at;    // Unix microseconds
};

// What a purchase does to its mandate.
struct MandateConsumption {
    int64_t total_spent;   // cents, the purchase included
    MandateStatus status;  // CONSUMED when the purchase spends exactly what was left
    std::string_view audit_action;
};

// A purchase of `cents` under `mandate`, decided at `now` (Unix microseconds: the moment the
// mandate's row lock was granted, not the start of the buyer's transaction): MANDATE_CONFLICT when
// the mandate is no longer ACTIVE, has expired by then, or has less than `cents` left.
MandateConsumption decide_consume(const MandateState& mandate, int64_t cents, int64_t now);

// --- Allowed payees ---

// A payee's limits (NULL: none) and counters, as read under the escrow's lock.
struct PayeeState {
    std::optional<int64_t> daily_limit;  // cents
    std::optional<int64_t> total_limit;  // cents
    int64_t spent_today;                 // cents spent on the UTC day last_reset_at
    int64_t spent_total;                 // cents
    bool spent_today_is_today;           // last_reset_at is today (UTC): else spent_today restarts at 0
};

// The payee's counters after a spend.
struct PayeeCounters {
    int64_t spent_today;
    int64_t spent_total;
};

// Checks, in the spec's order, a spend of `cents` (> 0) to `payee` out of an escrow holding
// `escrow_balance`, `escrow_reserved` of it promised to open milestones: DAILY_LIMIT_REACHED,
// TOTAL_LIMIT_REACHED, INSUFFICIENT_ESCROW_BALANCE. Limits are inclusive: spending exactly up to
// one is allowed. Returns the payee's new counters.
PayeeCounters decide_spend(const PayeeState& payee, int64_t cents, int64_t escrow_balance,
                           int64_t escrow_reserved = 0);

}  // namespace koba::core
