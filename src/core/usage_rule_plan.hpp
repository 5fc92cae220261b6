// The decisions of allow_usage (spec.md section 6): which allowed_usages rule a caller may add.
// Pure: src/api/catalogue.cpp asks the stores for the facts named here.
#pragma once

#include "core/transitions.hpp"

#include <cstdint>
#include <optional>

namespace koba::core {

// INVALID_USAGE_RULE unless exactly one of merchant_id and category_id is given.
void require_one_usage_target(std::optional<int64_t> merchant_id, std::optional<int64_t> category_id);

// The sender whose money a rule lets out (allowed_usages.sender_id), and what must be checked for it.
struct UsageRuleSender {
    std::optional<int64_t> sender_id;  // none: a platform rule, over every sender's mandates
    bool sender_must_exist = false;    // USER_NOT_FOUND otherwise
    // The caller must be the sender of a mandate in grant_status to the rule's beneficiary
    // (require_usage_grant).
    bool needs_grant = false;
    MandateStatus grant_status = MandateStatus::Active;
};

// A key bound to a user adds usage rules only as the sender of an ACTIVE mandate to that
// beneficiary, and only for its own money: the rule's sender is the key's user (another sender_id
// is NOT_A_PARTY). An unbound key (the platform) names the sender whose money the rule lets out,
// or none for a platform rule over every sender's mandates.
UsageRuleSender plan_usage_rule_sender(std::optional<int64_t> caller_user_id, std::optional<int64_t> sender_id);

// NOT_A_PARTY when a bound caller does not grant the beneficiary a mandate (needs_grant).
void require_usage_grant(bool caller_grants_beneficiary);

}  // namespace koba::core
