// Refunds of purchases (core/refund_plan.hpp): the snapshot a refund is decided on, read with the
// locks taken in create_purchase's order (the mandate's row first, then the purchase's), and the
// refund row and the mandate's new counter written as decided.
#pragma once

#include "context/request.hpp"
#include "core/refund_plan.hpp"
#include "pg/spi.hpp"

#include <optional>

namespace koba::store {

// What a refund is decided on: the key's refund, or else the purchase (PURCHASE_NOT_FOUND), its
// currency's minor units, then its mandate locked and the purchase locked, read at the moment the
// locks were granted with the purchase's refunds so far, whether another mandate of the same
// sender, beneficiary and currency is ACTIVE (for a CONSUMED mandate), and the key again.
core::RefundSnapshot refund_snapshot(pg::Spi& spi, const core::RefundRequest& request,
                                     const std::optional<context::IdempotencyKey>& key);

// The key's refund row, as the calling function's result.
Datum refund_row(pg::Spi& spi, const context::IdempotencyKey& key, FunctionCallInfo fcinfo);

// Inserts the refund and gives its amount back to the mandate, as decided (a mandate whose ACTIVE
// successor the unique index reveals only now stays CONSUMED: decision.if_successor_active). No
// row, having written nothing, when a refund that committed meanwhile took the key.
pg::Result apply_refund(pg::Spi& spi, const core::RefundRequest& request,
                        const std::optional<context::IdempotencyKey>& key, const core::RefundSnapshot& snapshot,
                        const core::RefundDecision& decision);

}  // namespace koba::store
