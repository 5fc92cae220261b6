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
    int64_t paid = 0;          // cents: SENT and SETTLED payments to the provider and payees
    int64_t refunded = 0;      // cents: SENT and SETTLED refunds to the client
    int64_t to_repay = 0;      // cents: failed payments not retried yet, owed to their beneficiaries
    int64_t reserved = 0;      // cents: the open milestones' amounts, promised to the provider
    std::string currency;
    EscrowStatus status = EscrowStatus::Draft;
    bool deadline_passed = false;

    // What the escrow holds and may still pay out (docs/reference.md, "The books").
    int64_t balance() const { return deposited - paid - refunded - to_repay; }
    // What a payee spend may take: the balance less what open milestones were promised.
    int64_t spendable() const { return balance() - reserved; }
};

// Changes to an escrow's money counters, applied in one UPDATE (store::add_escrow_money).
struct EscrowMoney {
    int64_t paid = 0;
    int64_t refunded = 0;
    int64_t to_repay = 0;
    int64_t reserved = 0;

    // How much more left the balance (negative: came back to it).
    int64_t outflow() const { return paid + refunded + to_repay; }
    bool empty() const { return paid == 0 && refunded == 0 && to_repay == 0 && reserved == 0; }
    EscrowMoney& operator+=(const EscrowMoney& o) {
        paid += o.paid;
        refunded += o.refunded;
        to_repay += o.to_repay;
        reserved += o.reserved;
        return *this;
    }
};

// A payment as the payout engine and the PSP webhook meet it.
struct PaymentState {
    int64_t id = 0;
    int64_t escrow_id = 0;
    std::optional<int64_t> milestone_id;
    std::optional<int64_t> payee_id;
    int64_t cents = 0;
    PaymentStatus status = PaymentStatus::Pending;
    PaymentKind kind = PaymentKind::Milestone;
    bool retried = false;  // a later payment pays it again (retry_of)
};

}  // namespace koba::core
