// Refunds of purchases (issue 14, part 2): the merchant's side gives back all or part of a
// purchase, and the amount goes back to the mandate the purchase consumed. Pure: a store reads the
// snapshot (src/store/refund_store.hpp), the mandate locked first and then the purchase, as
// create_purchase locks the mandate, and applies the decision.
#pragma once

#include "core/spend_rules.hpp"
#include "core/transitions.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

// refund_purchase's reason: a free text, bounded like the notes of the escrow calls.
inline constexpr std::size_t kRefundReasonMaxLength = 1000;

struct RefundRequest {
    int64_t purchase_id = 0;
    int64_t cents = 0;
    std::string reason;
};

// The refund an idempotency key names (in its owner's namespace).
struct FirstRefund {
    int64_t purchase_id = 0;
    int64_t cents = 0;
    std::string reason;
};

// The purchase refunded, as read under its mandate's lock, then its own.
struct RefundedPurchase {
    int64_t id = 0;
    int64_t cents = 0;                  // the purchase's amount
    int64_t refunded = 0;               // the sum of its refunds so far
    std::string currency;               // the purchase's (and the refund's)
    int minor_units = 2;                // of that currency
    std::optional<int64_t> mandate_id;  // none: a purchase made under no mandate (by hand)
};

struct RefundSnapshot {
    std::optional<FirstRefund> first;  // the key's refund, looked up before anything else
    RefundedPurchase purchase;
    // Read once the mandate's lock, then the purchase's, were granted, at `decided_at`: the mandate
    // as the previous holder left it, whether another mandate of its sender, beneficiary and
    // currency is ACTIVE (only read for a CONSUMED mandate), and the key's refund if one committed
    // meanwhile.
    std::optional<MandateState> mandate;
    bool other_active_mandate = false;
    std::optional<FirstRefund> first_after_lock;
    int64_t decided_at = 0;  // Unix microseconds
};

struct RefundDecision {
    enum class Kind : uint8_t { Replay, Refund };
    Kind kind = Kind::Refund;
    int64_t mandate_id = 0;
    int64_t total_spent = 0;                   // the mandate's, the refund given back
    Step<MandateStatus> mandate{};             // its status step (audit PURCHASE_REFUNDED)
    // Set when `mandate` makes a CONSUMED mandate ACTIVE again: the step to apply instead if the
    // unique index usage_mandates_active_key refuses it (an ACTIVE successor that committed after
    // the snapshot was read): it stays CONSUMED, as if the successor had been seen.
    std::optional<Step<MandateStatus>> if_successor_active;
    std::string_view audit_action;             // PURCHASE_REFUNDED: the refund row
};

// A replay returns the key's refund only if it asked for the same one: the same purchase, amount
// and reason; IDEMPOTENCY_CONFLICT otherwise.
void require_same_refund(const FirstRefund& first, const RefundRequest& request);

// In order: a key's first refund is replayed when it asked for the same one (IDEMPOTENCY_CONFLICT
// otherwise); FRACTIONAL_AMOUNT for an amount finer than the purchase's currency; MANDATE_REQUIRED
// for a purchase made under no mandate; then, under the locks, a refund with this key committed
// meanwhile is a replay; REFUND_EXCEEDS_PURCHASE when the purchase's refunds would exceed its
// amount (or, the books being wrong, the mandate has spent less than the refund). The mandate gets
// the amount back: total_spent - amount, and a CONSUMED mandate is ACTIVE again unless it has
// expired at `decided_at` or another ACTIVE mandate exists for its sender, beneficiary and currency.
RefundDecision plan_refund(const RefundSnapshot& s, const RefundRequest& request);

}  // namespace koba::core
