// The decisions of usage mandates and the purchases made under them (spec.md section 6), pure: a
// store reads the snapshot (src/store/mandate_store.hpp), the mandate locked, and applies the
// decision.
#pragma once

#include "core/spend_rules.hpp"
#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace koba::core {

// --- Creating and expiring mandates ---

struct MandateRequest {
    int64_t sender_id = 0;
    int64_t beneficiary_id = 0;
    std::optional<int64_t> expires_at;  // Unix microseconds; none: 30 days from now
};

struct MandateCreation {
    // A mandate ACTIVE only because the expiry job has not run yet must not block its successor:
    // it is expired first, as the job would (from -> expire.to, audited expire.audit_action).
    MandateStatus stale_from = MandateStatus::Active;
    Step<MandateStatus> expire;
    MandateStatus status = MandateStatus::Active;  // the new mandate's
    std::string_view audit_action;                 // MANDATE_CREATED
};

// INVALID_ARGUMENT when sender and beneficiary are one user, MANDATE_EXPIRES_IN_PAST.
MandateCreation plan_create_mandate(const MandateRequest& request, int64_t now);

// expire_mandates and create_mandate's stale mandates: which status is due (ACTIVE) and the step.
struct MandateExpiry {
    MandateStatus from;
    Step<MandateStatus> step;  // to EXPIRED, audit MANDATE_EXPIRED
};
MandateExpiry plan_expiry();

// --- Purchases ---

struct PurchaseRequest {
    int64_t sender_id = 0;
    int64_t beneficiary_id = 0;
    int64_t merchant_id = 0;
    int64_t cents = 0;
    std::string currency;
    std::optional<int64_t> category_id;  // as given; otherwise the merchant's
    bool has_key = false;
};

// The purchase an idempotency key names, with the sender of its mandate.
struct FirstPurchase {
    int64_t beneficiary_id = 0;
    int64_t merchant_id = 0;
    int64_t cents = 0;
    std::string currency;
    std::optional<int64_t> category_id;
    std::optional<int64_t> mandate_sender_id;
};

// An allowed_usages rule of the beneficiary that may let this purchase out: it names the merchant
// or a category, and it is the platform's (no sender) or the mandate's sender's.
struct UsageRule {
    std::optional<int64_t> merchant_id;
    std::optional<int64_t> category_id;
};

struct PurchaseSnapshot {
    std::optional<FirstPurchase> first;  // the key's purchase, looked up before anything else
    // (The merchant and a given category exist: the store refused otherwise.)
    std::optional<int64_t> merchant_category_id;
    bool merchant_certified = false;
    std::vector<UsageRule> usages;  // the rules naming the merchant or a candidate category
    // The sender's ACTIVE, unexpired mandate for the beneficiary in this currency; none: MANDATE_REQUIRED.
    struct Covering {
        int64_t id;
        MandateRestrictions restrictions;
    };
    std::optional<Covering> mandate;
    // Read once the mandate's lock was granted, at `decided_at`: the mandate as the previous holder
    // left it, and the key's purchase if one committed meanwhile.
    std::optional<MandateState> locked;
    std::optional<FirstPurchase> first_after_lock;
    int64_t decided_at = 0;  // Unix microseconds
};

struct PurchaseDecision {
    enum class Kind : uint8_t { Replay, Buy };
    Kind kind = Kind::Buy;
    std::optional<int64_t> category_id;  // the purchase's: the given one, else the merchant's
    int64_t mandate_id = 0;
    MandateConsumption consumption{};
    std::string_view purchase_status;  // COMPLETED: a purchase is decided whole, never pending
    std::string_view audit_action;     // CREATE_PURCHASE
};

// The purchase's category as given, else the merchant's (what the usage rules are read for).
std::optional<int64_t> purchase_category(std::optional<int64_t> given, std::optional<int64_t> merchant_default);

// In the spec's order: a key's first purchase is replayed when it asked for the same one
// (IDEMPOTENCY_CONFLICT otherwise); MANDATE_REQUIRED, MANDATE_MERCHANT_FORBIDDEN,
// MANDATE_CATEGORY_FORBIDDEN, UNAUTHORIZED_USAGE (a certified merchant needs no rule); then, under
// the mandate's lock, a purchase with this key committed meanwhile is a replay, and the mandate is
// consumed (MANDATE_CONFLICT when it is no longer ACTIVE, has expired, or has less left).
PurchaseDecision plan_purchase(const PurchaseSnapshot& s, const PurchaseRequest& request);

// A replay returns the first purchase only if it asked for the same one: same mandate sender,
// beneficiary, merchant, amount and currency, and the same category when one is given.
void require_same_purchase(const FirstPurchase& first, const PurchaseRequest& request);

}  // namespace koba::core
