// Where an escrow's money is, as counters (docs/reference.md, "The books"): which counter a
// payment's amount sits in for its kind and status, and what a milestone leaving the open statuses
// frees of the escrow's reservation. Pure; every plan that moves money asks here, so that the
// counters the stores write and the sums check_invariants() recomputes follow one rule.
#pragma once

#include "core/escrow_state.hpp"
#include "core/transitions.hpp"

#include <cstdint>

namespace koba::core {

// The counter holding a payment's `cents`: SENT and SETTLED in paid (refunded for a REFUND),
// ERROR in to_repay until a retry pays it again (then back in the balance the retry takes it from),
// PENDING and REFUNDED (0.5.0's failures, whose money went back) nowhere: in the balance.
EscrowMoney payment_money(PaymentKind kind, PaymentStatus status, bool retried, int64_t cents) noexcept;

// What a payment going from one status to another does to the counters.
EscrowMoney move_payment(PaymentKind kind, PaymentStatus from, bool from_retried, PaymentStatus to, bool to_retried,
                         int64_t cents) noexcept;

// A milestone of `cents` going from one status to another changes the reservation by this much:
// -cents when it leaves the open statuses (paid, rejected, released, cancelled).
int64_t reserved_change(MilestoneStatus from, MilestoneStatus to, int64_t cents) noexcept;

}  // namespace koba::core
