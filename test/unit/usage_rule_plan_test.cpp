// allow_usage's decisions (core/usage_rule_plan): the rule's target and whose money it lets out.
#include "core/usage_rule_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

TEST(UsageRuleTarget, ExactlyOneOfMerchantAndCategory) {
    EXPECT_EQ(error_of([] { require_one_usage_target(std::nullopt, std::nullopt); }), ErrorCode::INVALID_USAGE_RULE);
    EXPECT_EQ(error_of([] { require_one_usage_target(1, 2); }), ErrorCode::INVALID_USAGE_RULE);
    EXPECT_EQ(error_of([] { require_one_usage_target(1, std::nullopt); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_one_usage_target(std::nullopt, 2); }), std::nullopt);
}

TEST(UsageRuleSender, ThePlatformNamesTheSenderOrNone) {
    const UsageRuleSender named = plan_usage_rule_sender(std::nullopt, 5);
    EXPECT_EQ(named.sender_id, 5);
    EXPECT_TRUE(named.sender_must_exist);
    EXPECT_FALSE(named.needs_grant);
    const UsageRuleSender platform = plan_usage_rule_sender(std::nullopt, std::nullopt);
    EXPECT_EQ(platform.sender_id, std::nullopt);
    EXPECT_FALSE(platform.sender_must_exist);
    EXPECT_FALSE(platform.needs_grant);
}

TEST(UsageRuleSender, ABoundCallerLetsOutOnlyItsOwnMoneyUnderAnActiveMandate) {
    for (const std::optional<int64_t> sender : {std::optional<int64_t>(), std::optional<int64_t>(9)}) {
        const UsageRuleSender own = plan_usage_rule_sender(9, sender);
        EXPECT_EQ(own.sender_id, 9);
        EXPECT_FALSE(own.sender_must_exist);
        EXPECT_TRUE(own.needs_grant);
        EXPECT_EQ(own.grant_status, MandateStatus::Active);
    }
    EXPECT_EQ(error_of([] { plan_usage_rule_sender(9, 8); }), ErrorCode::NOT_A_PARTY);
}

TEST(UsageRuleGrant, ABoundCallerMustGrantTheBeneficiary) {
    EXPECT_EQ(error_of([] { require_usage_grant(false); }), ErrorCode::NOT_A_PARTY);
    EXPECT_EQ(error_of([] { require_usage_grant(true); }), std::nullopt);
}
