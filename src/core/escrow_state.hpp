// What the decisions about an escrow's money read: the escrow and its payments, as plain values a
// store fills under the escrow's row lock (src/store/escrow_store.hpp) and src/core judges.
#pragma once

#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace koba::core {

struct EscrowState {
    int64_t id = 0;
    int64_t client_id = 0;
    int64_t provider_id = 0;
    int64_t amount_total = 0;  // cents
    int64_t deposited = 0;     // cents: sum of the deposits
    int64_t paid = 0;          // cents: sum of the SENT and SETTLED payments
    std::string currency;
    EscrowStatus status = EscrowStatus::Draft;
    bool deadline_passed = false;

    int64_t balance() const { return deposited - paid; }  // what the escrow can still pay
};

// A payment as the payout engine and the PSP webhook meet it.
struct PaymentState {
    int64_t id = 0;
    int64_t escrow_id = 0;
    std::optional<int64_t> milestone_id;
    int64_t cents = 0;
    PaymentStatus status = PaymentStatus::Pending;
};

}  // namespace koba::core
