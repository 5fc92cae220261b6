#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace koba::core;

namespace {

// name + labels -> value
std::map<std::string, int64_t> by_key(const std::vector<MetricRow>& rows) {
    std::map<std::string, int64_t> out;
    for (const MetricRow& r : rows) {
        const std::string key = r.name + r.labels;
        EXPECT_EQ(out.count(key), 0u) << "duplicate metric " << key;
        out[key] = r.value;
    }
    return out;
}

}  // namespace

TEST(Metrics, EstimatesScaleTheMostCommonValues) {
    const std::vector<CountByLabel> counts = estimated_counts({"payments", 1000, {"SETTLED", "SENT"}, {0.75, 0.2505}});
    ASSERT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[0].label, "SENT");  // sorted by label
    EXPECT_EQ(counts[0].count, 251);     // rounded
    EXPECT_EQ(counts[1].label, "SETTLED");
    EXPECT_EQ(counts[1].count, 750);
    EXPECT_TRUE(estimated_counts({"payments", -1, {"SENT"}, {1.0}}).empty());  // never analyzed
    EXPECT_TRUE(estimated_counts({"payments", 10, {"SENT", "X"}, {1.0}}).size() == 1);  // mismatched arrays
}

TEST(Metrics, EveryFigureHasItsRow) {
    MetricsInput in;
    in.health.status = HealthStatus::Warning;
    in.health.problems = {"a", "b"};
    in.kobatela_preloaded = true;
    in.psp_secret_configured = true;
    in.ops.unsettled = {{"EUR", 3, 1, 7200}, {"USD", 5, 2, 90000}};
    in.ops.queued = 4;
    in.ops.claimed = 1;
    in.ops.abandoned = 2;
    in.ops.abandoned_recent = 1;
    in.ops.oldest_queued_age_s = 60;
    in.ops.webhooks_received = 9;
    in.ops.webhooks_unmatched = 1;
    in.ops.alerts_by_type = {{"PSP_EVENT_CONTRADICTS_PAYMENT", 2}, {"UNAUTHORIZED_TRANSFER_ATTEMPT", 7}};
    in.ops.audit_records = 1234;
    in.ops.events = 99;
    in.estimates = {{"escrow_agreements", 10, {"FUNDED"}, {1.0}}, {"payments", 100, {"SENT", "SETTLED"}, {0.25, 0.75}}};
    CronFigures cron;
    cron.available = true;
    CronJobState ran;
    ran.name = "kobatela:expire-mandates:shop";
    ran.scheduled = true;
    ran.active = true;
    ran.last_status = "succeeded";
    ran.last_start_age_s = 42;
    CronJobState missing;
    missing.name = "kobatela:purge-cron-history:shop";
    cron.jobs = {ran, missing};
    in.cron = cron;

    const std::map<std::string, int64_t> m = by_key(metric_rows(in));
    const std::map<std::string, int64_t> expected = {
        {"kobatela_health_status{\"status\":\"warning\"}", 1},
        {"kobatela_health_problems{}", 2},
        {"kobatela_preloaded{\"library\":\"kobatela\"}", 1},
        {"kobatela_preloaded{\"library\":\"pg_cron\"}", 0},
        {"kobatela_secret_configured{\"secret\":\"api_key_pepper\"}", 0},
        {"kobatela_secret_configured{\"secret\":\"psp_webhook_secret\"}", 1},
        {"kobatela_escrows_estimate{\"status\":\"FUNDED\"}", 10},
        {"kobatela_payments_estimate{\"status\":\"SENT\"}", 25},
        {"kobatela_payments_estimate{\"status\":\"SETTLED\"}", 75},
        {"kobatela_unsettled_payments{\"currency\":\"EUR\"}", 3},
        {"kobatela_unsettled_payments{\"currency\":\"USD\"}", 5},
        {"kobatela_unsettled_overdue_payments{}", 3},
        {"kobatela_oldest_unsettled_payment_seconds{}", 90000},
        {"kobatela_payout_queue{\"state\":\"QUEUED\"}", 4},
        {"kobatela_payout_queue{\"state\":\"CLAIMED\"}", 1},
        {"kobatela_payout_queue{\"state\":\"ABANDONED\"}", 2},
        {"kobatela_payouts_abandoned_recent{}", 1},
        {"kobatela_oldest_queued_payout_seconds{}", 60},
        {"kobatela_webhook_events{\"status\":\"received\"}", 9},
        {"kobatela_webhook_events{\"status\":\"unmatched\"}", 1},
        {"kobatela_webhook_events{\"status\":\"contradicting\"}", 2},
        {"kobatela_alerts_recent{\"type\":\"PSP_EVENT_CONTRADICTS_PAYMENT\"}", 2},
        {"kobatela_alerts_recent{\"type\":\"UNAUTHORIZED_TRANSFER_ATTEMPT\"}", 7},
        {"kobatela_audit_records_total{}", 1234},
        {"kobatela_events_total{}", 99},
        {"kobatela_cron_available{}", 1},
        {"kobatela_cron_job_scheduled{\"job\":\"kobatela:expire-mandates:shop\"}", 1},
        {"kobatela_cron_job_active{\"job\":\"kobatela:expire-mandates:shop\"}", 1},
        {"kobatela_cron_job_last_run_seconds{\"job\":\"kobatela:expire-mandates:shop\",\"status\":\"succeeded\"}", 42},
        {"kobatela_cron_job_scheduled{\"job\":\"kobatela:purge-cron-history:shop\"}", 0},
    };
    EXPECT_EQ(m, expected);
}

TEST(Metrics, EmptyFiguresGiveZerosNotGaps) {
    const std::map<std::string, int64_t> m = by_key(metric_rows(MetricsInput{}));
    EXPECT_EQ(m.at("kobatela_health_status{\"status\":\"ok\"}"), 1);
    EXPECT_EQ(m.at("kobatela_oldest_unsettled_payment_seconds{}"), 0);
    EXPECT_EQ(m.at("kobatela_oldest_queued_payout_seconds{}"), 0);
    EXPECT_EQ(m.at("kobatela_audit_records_total{}"), 0);
    EXPECT_EQ(m.count("kobatela_cron_available{}"), 0u);  // pg_cron not asked: no cron rows
}
