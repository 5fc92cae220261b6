// The decisions of a restricted transfer (spec.md section 2), pure: a sender may pay a receiver it
// allowlisted, or a certified receiver. A refused transfer is recorded as data (status REJECTED
// plus an alert), not raised as an error, so that the evidence commits. The store
// (src/store/transaction_store.hpp) reads the facts and applies the decision.
#pragma once

#include "core/metadata.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace koba::core {

struct TransferRequest {
    int64_t sender_id = 0;
    int64_t receiver_id = 0;
    int64_t cents = 0;
    std::string currency;
    std::string metadata{kNoMetadata};  // its JSON text, within core/metadata.hpp's bounds
};

// What the decision reads about the receiver, as the sender sees it.
struct TransferFacts {
    bool receiver_allowlisted = false;  // in the sender's allowed_recipients
    bool receiver_certified = false;    // in certified_accounts, at any level
};

// The alerts row a refused transfer raises (its payload is unauthorized_transfer_alert's).
struct TransferAlert {
    std::string_view type;
    std::string_view message;
};

struct TransferDecision {
    bool refused = false;
    std::string_view status;        // transactions.status: COMPLETED, or REJECTED when refused
    std::string_view audit_action;  // CREATE_TRANSACTION, or UNAUTHORIZED_TRANSFER_ATTEMPT
    TransferAlert alert;            // when refused
};

// Allowed when the receiver is allowlisted by the sender or certified; refused otherwise.
TransferDecision plan_transfer(const TransferFacts& facts);

// The transfer an idempotency key names (the sender's, in its owner's namespace).
struct FirstTransfer {
    int64_t receiver_id = 0;
    int64_t cents = 0;
    std::string currency;
    std::string status;    // the transaction_status label
    std::string metadata{kNoMetadata};  // as jsonb prints it
};

// A replay returns the first result only if it asked for the same transfer (same receiver,
// amount, currency and metadata; IDEMPOTENCY_CONFLICT otherwise) — the whole result: a replayed refusal
// answers 403 again, as the first call did. True when the replay is of a refusal.
bool replay_is_refusal(const FirstTransfer& first, const TransferRequest& request);

// The alert's payload for the transaction a refusal recorded.
std::string unauthorized_transfer_alert(int64_t transaction_id, const TransferRequest& request);

// Under PostgREST a refused transfer answers 403 with this code in the X-Kobatela-Error header.
inline constexpr char kRefusedTransferHeader[] = "X-Kobatela-Error";
inline constexpr char kRefusedTransferCode[] = "UNAUTHORIZED_TRANSFER";

}  // namespace koba::core
