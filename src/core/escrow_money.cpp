#include "core/escrow_money.hpp"

namespace koba::core {

EscrowMoney payment_money(PaymentKind kind, PaymentStatus status, bool retried, int64_t cents) noexcept {
    EscrowMoney m;
    if (counts_as_paid(status)) {
        (kind == PaymentKind::Refund ? m.refunded : m.paid) = cents;
    } else if (status == PaymentStatus::Error && !retried) {
        m.to_repay = cents;
    }
    return m;
}

EscrowMoney move_payment(PaymentKind kind, PaymentStatus from, bool from_retried, PaymentStatus to, bool to_retried,
                         int64_t cents) noexcept {
    const EscrowMoney before = payment_money(kind, from, from_retried, cents);
    EscrowMoney after = payment_money(kind, to, to_retried, cents);
    after.paid -= before.paid;
    after.refunded -= before.refunded;
    after.to_repay -= before.to_repay;
    return after;
}

int64_t reserved_change(MilestoneStatus from, MilestoneStatus to, int64_t cents) noexcept {
    return (static_cast<int64_t>(is_open(to)) - static_cast<int64_t>(is_open(from))) * cents;
}

}  // namespace koba::core
