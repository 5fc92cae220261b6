#include "core/health_rules.hpp"

#include <algorithm>

namespace koba::core {

namespace {

constexpr std::string_view kOperatorAlerts[] = {
    "PAYMENT_TO_REPAY", "ESCROW_OVERDRAWN", "PSP_EVENT_CONTRADICTS_PAYMENT", "PAYOUT_TRANSMISSION_FAILED",
    "PAYOUT_TRANSMITTED_AFTER_ABANDON",
};
constexpr std::string_view kContradiction = "PSP_EVENT_CONTRADICTS_PAYMENT";

std::string s(int64_t n) { return std::to_string(n); }
// "1 payment", "2 payments"
std::string counted(int64_t n, std::string_view noun) { return s(n) + " " + std::string(noun) + (n == 1 ? "" : "s"); }

int64_t alerts_of(const OpsFigures& ops, std::string_view type) {
    for (const CountByLabel& a : ops.alerts_by_type)
        if (a.label == type) return a.count;
    return 0;
}

void cron_problems(const CronFigures& cron, std::vector<std::string>& out) {
    if (!cron.available) {
        out.push_back("pg_cron is preloaded but cannot be used: Kobatela's maintenance jobs do not run.");
        return;
    }
    for (const CronJobState& job : cron.jobs) {
        if (!job.scheduled)
            out.push_back("The maintenance job " + job.name + " is not scheduled (kobatela.schedule_maintenance()).");
        else if (!job.active)
            out.push_back("The maintenance job " + job.name + " is not active.");
        else if (job.last_status == std::optional<std::string>("failed"))
            out.push_back("The last run of the maintenance job " + job.name + " failed (cron.job_run_details).");
    }
}

void ops_problems(const OpsFigures& ops, std::vector<std::string>& out) {
    const UnsettledTotals unsettled = unsettled_totals(ops);
    const std::string window = " in the last " + s(ops.window_s) + " s";
    if (unsettled.overdue > 0)
        out.push_back(counted(unsettled.overdue, "payment") + " SENT and not settled for more than " +
                      s(ops.unsettled_alert_s) + " s (kobatela.unsettled_payment_alert_s); the oldest for " +
                      s(unsettled.oldest_age_s.value_or(0)) + " s.");
    if (ops.webhooks_unmatched > 0)
        out.push_back(counted(ops.webhooks_unmatched, "PSP webhook event") + window + " named no payment.");
    for (const CountByLabel& a : ops.alerts_by_type)
        if (a.count > 0 && is_operator_alert(a.label)) out.push_back(counted(a.count, "alert") + " " + a.label + window + ".");
    if (ops.abandoned_recent > 0)
        out.push_back(counted(ops.abandoned_recent, "payout") + " given up (ABANDONED)" + window + ".");
    if (ops.oldest_queued_age_s && *ops.oldest_queued_age_s > ops.queue_alert_s)
        out.push_back("A payout has waited QUEUED for " + s(*ops.oldest_queued_age_s) + " s, more than " +
                      s(ops.queue_alert_s) + " s (kobatela.payout_queue_alert_s): is a payout worker running?");
}

}  // namespace

std::string_view health_status_name(HealthStatus status) noexcept {
    switch (status) {
        case HealthStatus::Ok: return "ok";
        case HealthStatus::Warning: return "warning";
        case HealthStatus::Error: return "error";
    }
    return "error";
}

std::vector<std::string> settings_out_of_range(const std::vector<SettingValue>& settings) {
    std::vector<std::string> out;
    for (const SettingValue& setting : settings)
        for (const AdvisedRange& range : kAdvisedRanges)
            if (setting.name == range.setting && (setting.value < range.min || setting.value > range.max))
                out.push_back(setting.name + " = " + s(setting.value) + " is outside " + s(range.min) + ".." +
                              s(range.max) + ": " + std::string(range.why) + ".");
    return out;
}

bool is_operator_alert(std::string_view type) noexcept {
    return std::find(std::begin(kOperatorAlerts), std::end(kOperatorAlerts), type) != std::end(kOperatorAlerts);
}

int64_t contradicting_webhooks(const OpsFigures& ops) noexcept { return alerts_of(ops, kContradiction); }

int64_t webhooks_in_error(const OpsFigures& ops) noexcept {
    return ops.webhooks_unmatched + contradicting_webhooks(ops);
}

UnsettledTotals unsettled_totals(const OpsFigures& ops) noexcept {
    UnsettledTotals totals;
    for (const UnsettledPayments& u : ops.unsettled) {
        totals.count += u.count;
        totals.overdue += u.overdue;
        if (u.oldest_age_s) totals.oldest_age_s = std::max(totals.oldest_age_s.value_or(0), *u.oldest_age_s);
    }
    return totals;
}

HealthAssessment assess_health(const HealthInput& input) {
    HealthAssessment result;
    std::vector<std::string>& out = result.problems;
    if (input.readiness_problem) {
        out.push_back(*input.readiness_problem);
        result.status = HealthStatus::Error;
    }
    if (!input.psp_secret_configured)
        out.push_back("The PSP webhook secret cannot be used (kobatela.psp_webhook_secret_file): webhooks are refused.");
    if (!input.api_key_pepper_configured)
        out.push_back("The API key pepper cannot be used (kobatela.api_key_pepper_file): no API key can be made or checked.");
    for (std::string& sentence : settings_out_of_range(input.settings)) out.push_back(std::move(sentence));
    if (input.cron && input.pg_cron_preloaded) cron_problems(*input.cron, out);
    if (input.ops) ops_problems(*input.ops, out);
    if (result.status != HealthStatus::Error && !out.empty()) result.status = HealthStatus::Warning;
    return result;
}

}  // namespace koba::core
