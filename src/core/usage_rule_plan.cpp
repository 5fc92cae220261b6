#include "core/usage_rule_plan.hpp"

#include "core/errors.hpp"

namespace koba::core {

void require_one_usage_target(std::optional<int64_t> merchant_id, std::optional<int64_t> category_id) {
    if (merchant_id.has_value() == category_id.has_value()) throw Error(ErrorCode::INVALID_USAGE_RULE);
}

UsageRuleSender plan_usage_rule_sender(std::optional<int64_t> caller_user_id, std::optional<int64_t> sender_id) {
    UsageRuleSender s;
    if (!caller_user_id) {
        s.sender_id = sender_id;
        s.sender_must_exist = sender_id.has_value();
        return s;
    }
    if (sender_id && *sender_id != *caller_user_id)
        throw Error(ErrorCode::NOT_A_PARTY, "A key bound to a user may add usage rules only for its own mandates' money.");
    s.sender_id = caller_user_id;
    s.needs_grant = true;
    s.grant_status = MandateStatus::Active;
    return s;
}

void require_usage_grant(bool caller_grants_beneficiary) {
    if (!caller_grants_beneficiary)
        throw Error(ErrorCode::NOT_A_PARTY,
                    "A key bound to a user may allow usages only for the beneficiary of its own active mandate.");
}

}  // namespace koba::core
