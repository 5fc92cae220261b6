// The usage mandates' SQL: mandates, the purchases made under them, and the snapshot a purchase
// is decided on (core/purchase_plan.hpp).
#pragma once

#include "context/request.hpp"
#include "core/purchase_plan.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

struct NewMandate {
    int64_t sender_id;
    int64_t beneficiary_id;
    int64_t total_amount;
    std::string currency;
    std::optional<int64_t> category_id;
    std::optional<int64_t> merchant_id;
    std::optional<pg::UnixMicros> expires_at;  // none: 30 days from now
};

// USER_NOT_FOUND, CATEGORY_NOT_FOUND, MERCHANT_NOT_FOUND for what the mandate names.
void require_mandate_references(pg::Spi& spi, const NewMandate& mandate);
// Expires the pair's stale mandate, then inserts the new one, as decided. ACTIVE_MANDATE_EXISTS
// when the pair has an ACTIVE mandate in this currency (the partial unique index's rule, so two
// concurrent calls cannot both create one).
Datum apply_create_mandate(pg::Spi& spi, const NewMandate& mandate, const core::MandateCreation& decision,
                           FunctionCallInfo fcinfo);

// Expires the mandates due (status expiry.from, past their expiry by the clock now), of `party`
// (as sender or beneficiary) or of everyone; concurrent runs split the work (SKIP LOCKED), and the
// status guard makes a mandate expire, and be audited, once. Returns how many.
uint64_t apply_expiry(pg::Spi& spi, const core::MandateExpiry& expiry, std::optional<int64_t> party);

// Whether the sender has a mandate in `status` for the beneficiary.
bool mandate_exists(pg::Spi& spi, int64_t sender_id, int64_t beneficiary_id, core::MandateStatus status);

// What a purchase is decided on: the key's purchase, or else the merchant and category (or their
// NOT_FOUND errors), the covering mandate, the usage rules, and the mandate locked, read again at
// the moment the lock was granted together with the key.
core::PurchaseSnapshot purchase_snapshot(pg::Spi& spi, const core::PurchaseRequest& request,
                                         const std::optional<context::IdempotencyKey>& key);

// The key's purchase row, as the calling function's result.
Datum purchase_row(pg::Spi& spi, const context::IdempotencyKey& key, FunctionCallInfo fcinfo);

// Inserts the purchase and consumes its mandate, as decided. No row, having written nothing, when
// a purchase that committed meanwhile took the key.
pg::Result apply_purchase(pg::Spi& spi, const core::PurchaseRequest& request,
                          const std::optional<context::IdempotencyKey>& key, const core::PurchaseSnapshot& snapshot,
                          const core::PurchaseDecision& decision);

}  // namespace koba::store
