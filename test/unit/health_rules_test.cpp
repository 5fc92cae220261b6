#include "core/health_rules.hpp"

#include <gtest/gtest.h>

using namespace koba::core;

namespace {

// Everything fine: secrets configured, pg_cron preloaded with three jobs that ran.
HealthInput healthy() {
    HealthInput in;
    in.pg_cron_preloaded = true;
    in.psp_secret_configured = true;
    in.api_key_pepper_configured = true;
    in.settings = {{"kobatela.payout_lease_s", 60}, {"kobatela.psp_webhook_skew_s", 300}};
    CronFigures cron;
    cron.available = true;
    for (const char* name : {"kobatela:a:db", "kobatela:b:db", "kobatela:c:db"}) {
        CronJobState job;
        job.name = name;
        job.scheduled = true;
        job.active = true;
        job.last_status = "succeeded";
        cron.jobs.push_back(job);
    }
    in.cron = cron;
    OpsFigures ops;
    ops.unsettled_alert_s = 3600;
    ops.window_s = 86400;
    ops.queue_alert_s = 900;
    ops.unsettled = {{"USD", 2, 0, 120}};
    ops.webhooks_received = 10;
    ops.alerts_by_type = {{"UNAUTHORIZED_TRANSFER_ATTEMPT", 3}};
    ops.queued = 1;
    ops.oldest_queued_age_s = 30;
    ops.abandoned = 4;  // long ago: none in the window
    in.ops = ops;
    return in;
}

}  // namespace

TEST(HealthRules, AllWellIsOkWithoutProblems) {
    const HealthAssessment a = assess_health(healthy());
    EXPECT_EQ(a.status, HealthStatus::Ok);
    EXPECT_TRUE(a.problems.empty());
    EXPECT_EQ(health_status_name(a.status), "ok");
}

TEST(HealthRules, NotReadyIsAnErrorWhateverElse) {
    HealthInput in = healthy();
    in.readiness_problem = "Kobatela's library is not preloaded.";
    in.psp_secret_configured = false;
    const HealthAssessment a = assess_health(in);
    EXPECT_EQ(a.status, HealthStatus::Error);
    ASSERT_EQ(a.problems.size(), 2u);
    EXPECT_EQ(a.problems[0], "Kobatela's library is not preloaded.");
    EXPECT_EQ(health_status_name(a.status), "error");
}

TEST(HealthRules, MissingSecretsAreWarnings) {
    HealthInput in = healthy();
    in.api_key_pepper_configured = false;
    HealthAssessment a = assess_health(in);
    EXPECT_EQ(a.status, HealthStatus::Warning);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_NE(a.problems[0].find("kobatela.api_key_pepper_file"), std::string::npos);
    in = healthy();
    in.psp_secret_configured = false;
    a = assess_health(in);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_NE(a.problems[0].find("kobatela.psp_webhook_secret_file"), std::string::npos);
}

TEST(HealthRules, SettingsOutsideTheirAdvisedRange) {
    EXPECT_TRUE(settings_out_of_range({{"kobatela.psp_webhook_skew_s", 900}, {"kobatela.payout_lease_s", 10}}).empty());
    const std::vector<std::string> out = settings_out_of_range(
        {{"kobatela.psp_webhook_skew_s", 901}, {"kobatela.payout_lease_s", 9}, {"kobatela.payout_max_attempts", 1},
         {"kobatela.unknown", 1000000}});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].rfind("kobatela.psp_webhook_skew_s = 901 is outside 1..900: ", 0), 0u);
    EXPECT_EQ(out[1].rfind("kobatela.payout_lease_s = 9 is outside 10..3600: ", 0), 0u);
    EXPECT_EQ(out[2].rfind("kobatela.payout_max_attempts = 1 is outside 2..20: ", 0), 0u);
    HealthInput in = healthy();
    in.settings = {{"kobatela.payout_max_attempts", 1}};
    EXPECT_EQ(assess_health(in).status, HealthStatus::Warning);
}

TEST(HealthRules, PgCronProblemsOnlyWhenItIsPreloaded) {
    HealthInput in = healthy();
    in.cron->available = false;
    in.cron->jobs.clear();
    HealthAssessment a = assess_health(in);
    EXPECT_EQ(a.status, HealthStatus::Warning);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_NE(a.problems[0].find("pg_cron is preloaded but cannot be used"), std::string::npos);
    in.pg_cron_preloaded = false;  // Kobatela without pg_cron: another scheduler may run the jobs
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
}

TEST(HealthRules, EachJobNotScheduledInactiveOrFailedIsAProblem) {
    HealthInput in = healthy();
    in.cron->jobs[0].scheduled = false;
    in.cron->jobs[1].active = false;
    in.cron->jobs[2].last_status = "failed";
    const HealthAssessment a = assess_health(in);
    EXPECT_EQ(a.status, HealthStatus::Warning);
    ASSERT_EQ(a.problems.size(), 3u);
    EXPECT_NE(a.problems[0].find("kobatela:a:db is not scheduled"), std::string::npos);
    EXPECT_NE(a.problems[1].find("kobatela:b:db is not active"), std::string::npos);
    EXPECT_NE(a.problems[2].find("kobatela:c:db failed"), std::string::npos);
    in = healthy();
    in.cron->jobs[0].last_status.reset();  // never ran yet: no problem
    in.cron->jobs[1].last_status = "running";
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
}

TEST(HealthRules, OverduePaymentsAreCountedAcrossCurrencies) {
    HealthInput in = healthy();
    in.ops->unsettled = {{"EUR", 3, 1, 7200}, {"USD", 5, 2, 90000}};
    const HealthAssessment a = assess_health(in);
    EXPECT_EQ(a.status, HealthStatus::Warning);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_EQ(a.problems[0],
              "3 payments SENT and not settled for more than 3600 s (kobatela.unsettled_payment_alert_s); the oldest "
              "for 90000 s.");
}

TEST(HealthRules, UnmatchedWebhooksAndContradictionsAreInError) {
    HealthInput in = healthy();
    in.ops->webhooks_unmatched = 1;
    in.ops->alerts_by_type.push_back({"PSP_EVENT_CONTRADICTS_PAYMENT", 2});
    EXPECT_EQ(contradicting_webhooks(*in.ops), 2);
    EXPECT_EQ(webhooks_in_error(*in.ops), 3);
    const HealthAssessment a = assess_health(in);
    ASSERT_EQ(a.problems.size(), 2u);
    EXPECT_EQ(a.problems[0], "1 PSP webhook event in the last 86400 s named no payment.");
    EXPECT_EQ(a.problems[1], "2 alerts PSP_EVENT_CONTRADICTS_PAYMENT in the last 86400 s.");
}

TEST(HealthRules, OnlyOperatorAlertsAreProblems) {
    EXPECT_TRUE(is_operator_alert("PAYMENT_TO_REPAY"));
    EXPECT_TRUE(is_operator_alert("ESCROW_OVERDRAWN"));
    EXPECT_TRUE(is_operator_alert("PAYOUT_TRANSMISSION_FAILED"));
    EXPECT_TRUE(is_operator_alert("PAYOUT_TRANSMITTED_AFTER_ABANDON"));
    EXPECT_FALSE(is_operator_alert("UNAUTHORIZED_TRANSFER_ATTEMPT"));  // a user's mistake, not the operator's
    HealthInput in = healthy();
    in.ops->alerts_by_type = {{"UNAUTHORIZED_TRANSFER_ATTEMPT", 50}, {"PAYMENT_TO_REPAY", 0}};
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
    in.ops->alerts_by_type = {{"ESCROW_OVERDRAWN", 1}};
    const HealthAssessment a = assess_health(in);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_EQ(a.problems[0], "1 alert ESCROW_OVERDRAWN in the last 86400 s.");
}

TEST(HealthRules, ThePayoutQueue) {
    HealthInput in = healthy();
    in.ops->abandoned_recent = 2;
    HealthAssessment a = assess_health(in);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_EQ(a.problems[0], "2 payouts given up (ABANDONED) in the last 86400 s.");
    in = healthy();
    in.ops->oldest_queued_age_s = 900;  // at the threshold: not yet
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
    in.ops->oldest_queued_age_s = 901;
    a = assess_health(in);
    ASSERT_EQ(a.problems.size(), 1u);
    EXPECT_NE(a.problems[0].find("waited QUEUED for 901 s, more than 900 s"), std::string::npos);
}

TEST(HealthRules, WithoutTheFiguresOnlyWhatTheCallerMaySee) {
    HealthInput in = healthy();
    in.ops->webhooks_unmatched = 5;
    EXPECT_EQ(assess_health(in).status, HealthStatus::Warning);
    in.ops.reset();
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
    in.cron.reset();  // not asked (Kobatela cannot serve): no pg_cron problem either
    EXPECT_EQ(assess_health(in).status, HealthStatus::Ok);
}

TEST(HealthRules, UnsettledTotalsAddTheCurrenciesUp) {
    OpsFigures ops;
    EXPECT_EQ(unsettled_totals(ops).count, 0);
    EXPECT_FALSE(unsettled_totals(ops).oldest_age_s.has_value());
    ops.unsettled = {{"USD", 2, 0, 120}, {"EUR", 3, 1, 90000}, {"XOF", 1, 0, std::nullopt}};
    const UnsettledTotals totals = unsettled_totals(ops);
    EXPECT_EQ(totals.count, 6);
    EXPECT_EQ(totals.overdue, 1);
    EXPECT_EQ(totals.oldest_age_s, std::optional<int64_t>(90000));
}
