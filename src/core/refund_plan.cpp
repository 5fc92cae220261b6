#include "core/refund_plan.hpp"

#include "core/currencies.hpp"
#include "core/errors.hpp"
#include "core/money.hpp"

#include <string>

namespace koba::core {

void require_same_refund(const FirstRefund& first, const RefundRequest& request) {
    if (first.purchase_id != request.purchase_id || first.cents != request.cents || first.reason != request.reason)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

RefundDecision plan_refund(const RefundSnapshot& s, const RefundRequest& request) {
    RefundDecision d;
    if (s.first) {
        require_same_refund(*s.first, request);
        d.kind = RefundDecision::Kind::Replay;
        return d;
    }
    const RefundedPurchase& purchase = s.purchase;
    require_minor_units(request.cents, purchase.minor_units, purchase.currency);
    if (!purchase.mandate_id)
        throw Error(ErrorCode::MANDATE_REQUIRED, "Purchase " + std::to_string(purchase.id) +
                                                     " was made under no mandate: there is nothing to "
                                                     "give a refund back to.");
    if (s.first_after_lock) {  // a refund with this key committed while this one waited
        require_same_refund(*s.first_after_lock, request);
        d.kind = RefundDecision::Kind::Replay;
        return d;
    }
    // Decided under the mandate's lock, then the purchase's, at the moment they were granted.
    const MandateState& mandate = s.mandate.value();
    int64_t refunded = 0;
    if (!add_cents(purchase.refunded, request.cents, &refunded) || refunded > purchase.cents)
        throw Error(ErrorCode::REFUND_EXCEEDS_PURCHASE,
                    "The purchase is " + format_cents(purchase.cents) + ", of which " +
                        format_cents(purchase.refunded) + " is refunded already; the refund is " +
                        format_cents(request.cents) + ".");
    // total_spent is the sum of the purchases less their refunds, so this holds unless the books
    // were changed by hand; refused rather than letting the CHECK constraint raise a raw error.
    if (mandate.total_spent < request.cents)
        throw Error(ErrorCode::REFUND_EXCEEDS_PURCHASE,
                    "The mandate has spent " + format_cents(mandate.total_spent) + "; the refund is " +
                        format_cents(request.cents) + ".");
    d.kind = RefundDecision::Kind::Refund;
    d.mandate_id = *purchase.mandate_id;
    d.total_spent = mandate.total_spent - request.cents;
    const bool unexpired = s.decided_at < mandate.expires_at;
    d.mandate = mandate_step(mandate.status, MandateEvent::Refund, {false, unexpired && !s.other_active_mandate});
    if (mandate.status == MandateStatus::Consumed && d.mandate.to == MandateStatus::Active)
        d.if_successor_active = mandate_step(mandate.status, MandateEvent::Refund, {false, false});
    d.audit_action = "PURCHASE_REFUNDED";
    return d;
}

}  // namespace koba::core
