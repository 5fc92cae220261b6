// The decisions of a spend to an allowed payee (spec.md section 7), pure: a store reads the
// snapshot under the escrow's and the payee's row locks (src/store/spend_store.hpp), and applies
// the decision.
#pragma once

#include "core/escrow_money.hpp"
#include "core/metadata.hpp"
#include "core/spend_rules.hpp"
#include "core/transitions.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace koba::core {

// The longest payee_ref and spend note.
inline constexpr std::size_t kMaxPayeeRef = 120;
inline constexpr std::size_t kMaxSpendNote = 1000;

struct SpendRequest {
    int64_t escrow_id = 0;
    std::string payee_ref;
    int64_t cents = 0;
    std::optional<std::string> note;
    std::optional<std::string> key;  // the caller's idempotency key, in its owner's namespace
    std::string metadata{kNoMetadata};  // the payment's: jsonb's text, within core/metadata.hpp's bounds
};

// What a spend decides on, read under the escrow's row lock (and the payee's).
struct SpendSnapshot {
    int64_t client_id = 0;
    EscrowStatus escrow_status = EscrowStatus::Draft;
    int64_t balance = 0;   // cents the escrow can still pay
    int64_t reserved = 0;  // cents of it promised to open milestones: not for payees
    std::string currency;  // the escrow's: the spend's amount must fit its minor units
    struct Payee {
        int64_t id;
        PayeeState state;
    };
    std::optional<Payee> payee;  // none: the payee is not allowed
    bool key_seen = false;       // a payment was made with the request's key
    bool key_fresh = false;      // key_seen was read after the locks were granted
};

struct SpendDecision {
    enum class Kind : uint8_t {
        Replay,   // return the key's first payment (plan_spend_replay judges it)
        Recheck,  // refused on a key view older than the locks: look the key up again and re-plan
        Pay,      // insert the payment, SENT, and move the payee's counters
    };
    Kind kind = Kind::Pay;
    int64_t payee_id = 0;
    PayeeCounters counters{};
    PaymentStatus payment_to = PaymentStatus::Sent;
    EscrowMoney money{};  // the escrow's paid_amount grows by the spend
};

// A key already used is a replay, answered even once the escrow has closed; otherwise, in the
// spec's order, ESCROW_NOT_ACTIVE, PAYEE_NOT_ALLOWED, DAILY_LIMIT_REACHED, TOTAL_LIMIT_REACHED,
// INSUFFICIENT_ESCROW_BALANCE. A refusal met on a stale view of the key is Recheck instead: a
// concurrent spend with this key may have committed while the locks were awaited, and then this
// call is its replay.
SpendDecision plan_spend(const SpendSnapshot& s, const SpendRequest& request);

// The first payment made under the request's key, with what it was for.
struct FirstSpend {
    int64_t escrow_id = 0;
    int64_t cents = 0;
    std::optional<std::string> payee_ref;  // none: not a spend to a payee
    bool event_found = false;               // its USAGE_SPEND event
    std::optional<std::string> note;        // the event's note
    std::string metadata{kNoMetadata};      // the payment's, as jsonb prints it
};

// A replay returns the first payment only if it paid the same payee of the same escrow the same
// amount with the same note and metadata: IDEMPOTENCY_CONFLICT otherwise.
void require_same_spend(const FirstSpend& first, const SpendRequest& request);

// The USAGE_SPEND event's data.
std::string usage_spend_event(int64_t payment_id, std::string_view psp_ref, const SpendRequest& request);

inline constexpr std::string_view kSpendAudit = "USAGE_SPEND";
inline constexpr std::string_view kSpendEvent = "USAGE_SPEND";

}  // namespace koba::core
