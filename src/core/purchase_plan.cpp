#include "core/purchase_plan.hpp"

#include "core/errors.hpp"

namespace koba::core {

MandateCreation plan_create_mandate(const MandateRequest& request, int64_t now) {
    if (request.sender_id == request.beneficiary_id)
        throw Error(ErrorCode::INVALID_ARGUMENT, "sender_id and beneficiary_id must be different users.");
    if (request.expires_at && *request.expires_at <= now) throw Error(ErrorCode::MANDATE_EXPIRES_IN_PAST);
    const MandateExpiry expiry = plan_expiry();
    return MandateCreation{expiry.from, expiry.step, MandateStatus::Active, "MANDATE_CREATED"};
}

MandateExpiry plan_expiry() {
    static const MandateExpiry expiry{MandateStatus::Active, mandate_step(MandateStatus::Active, MandateEvent::Expire)};
    return expiry;
}

std::optional<int64_t> purchase_category(std::optional<int64_t> given, std::optional<int64_t> merchant_default) {
    return given ? given : merchant_default;
}

void require_same_purchase(const FirstPurchase& first, const PurchaseRequest& request) {
    const bool same = first.beneficiary_id == request.beneficiary_id && first.merchant_id == request.merchant_id &&
                      first.cents == request.cents && first.currency == request.currency &&
                      (!request.category_id || first.category_id == request.category_id) &&
                      first.mandate_sender_id == request.sender_id;
    if (!same) throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

namespace {

// The beneficiary may buy from a certified merchant, or where a rule names the merchant or the
// purchase's category (the store read only the rules that let out the mandate's sender's money).
bool usage_allowed(const PurchaseSnapshot& s, int64_t merchant_id, std::optional<int64_t> category_id) {
    if (s.merchant_certified) return true;
    for (const UsageRule& rule : s.usages) {
        if (rule.merchant_id == merchant_id) return true;
        if (category_id && rule.category_id == category_id) return true;
    }
    return false;
}

}  // namespace

PurchaseDecision plan_purchase(const PurchaseSnapshot& s, const PurchaseRequest& request) {
    PurchaseDecision d;
    if (s.first) {
        require_same_purchase(*s.first, request);
        d.kind = PurchaseDecision::Kind::Replay;
        return d;
    }
    d.category_id = purchase_category(request.category_id, s.merchant_category_id);
    if (!s.mandate) throw Error(ErrorCode::MANDATE_REQUIRED);
    require_mandate_allows(s.mandate->restrictions, request.merchant_id, d.category_id);
    if (!usage_allowed(s, request.merchant_id, d.category_id)) throw Error(ErrorCode::UNAUTHORIZED_USAGE);
    if (s.first_after_lock) {  // a purchase with this key committed while this one waited
        require_same_purchase(*s.first_after_lock, request);
        d.kind = PurchaseDecision::Kind::Replay;
        return d;
    }
    // Decided under the mandate's lock, at the moment it was granted.
    d.kind = PurchaseDecision::Kind::Buy;
    d.mandate_id = s.mandate->id;
    d.consumption = decide_consume(s.locked.value(), request.cents, s.decided_at);
    d.purchase_status = "COMPLETED";
    d.audit_action = "CREATE_PURCHASE";
    return d;
}

}  // namespace koba::core
