// What needs an operator's attention, from the figures health() reads (docs/operations.md,
// "Monitoring"): the status ("ok", "warning", "error") and one sentence per problem. Pure.
#pragma once

#include "core/ops_figures.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

enum class HealthStatus : uint8_t { Ok, Warning, Error };
std::string_view health_status_name(HealthStatus status) noexcept;  // "ok", "warning", "error"

// A setting's advised range: values outside it are accepted by the server but are a problem.
struct AdvisedRange {
    std::string_view setting;
    int64_t min;
    int64_t max;
    std::string_view why;  // what goes wrong outside it
};
inline constexpr AdvisedRange kAdvisedRanges[] = {
    {"kobatela.psp_webhook_skew_s", 1, 900, "a wider window lets a captured webhook be replayed for longer"},
    {"kobatela.payout_lease_s", 10, 3600,
     "a shorter lease lets a payout be claimed again while its worker still sends it; a longer one leaves a "
     "crashed worker's payouts waiting"},
    {"kobatela.payout_max_attempts", 2, 20, "a single attempt gives a payout up at its first failure"},
    {"kobatela.proof_future_tolerance_min", 0, 60, "photos dated far in the future are accepted"},
    {"kobatela.cron_timeout_s", 1, 60, "health() and scheduling wait that long for pg_cron's database"},
};
// One sentence per setting of `settings` outside its advised range, in the order given.
std::vector<std::string> settings_out_of_range(const std::vector<SettingValue>& settings);

// Alerts that mean money needs an operator: a payment to repay, an overdrawn escrow, a PSP event
// that contradicts a payment, a payout given up or transmitted after it was given up.
bool is_operator_alert(std::string_view type) noexcept;

// Webhook events in error over the window: those naming no payment, and those that contradicted
// their payment (the alerts PSP_EVENT_CONTRADICTS_PAYMENT).
int64_t contradicting_webhooks(const OpsFigures& ops) noexcept;
int64_t webhooks_in_error(const OpsFigures& ops) noexcept;

// The unsettled payments of every currency together: how many, how many past the threshold, and
// the longest any has been SENT (none when there is none). health(), its rule and the metrics read
// these three.
struct UnsettledTotals {
    int64_t count = 0;
    int64_t overdue = 0;
    std::optional<int64_t> oldest_age_s;
};
UnsettledTotals unsettled_totals(const OpsFigures& ops) noexcept;

struct HealthInput {
    std::optional<std::string> readiness_problem;  // Kobatela cannot serve
    bool pg_cron_preloaded = false;
    bool psp_secret_configured = false;
    bool api_key_pepper_configured = false;
    std::vector<SettingValue> settings;
    std::optional<CronFigures> cron;  // none when not asked (Kobatela cannot serve)
    std::optional<OpsFigures> ops;    // none when the caller may not see the business figures
};

struct HealthAssessment {
    HealthStatus status = HealthStatus::Ok;
    std::vector<std::string> problems;
};

// The rule: "error" when Kobatela cannot serve in this database (the readiness problem);
// otherwise "warning" when any of the following holds, else "ok":
//   - a secret is not configured (the PSP webhook secret, the API key pepper);
//   - a setting is outside its advised range (kAdvisedRanges);
//   - pg_cron is preloaded but cannot be used, or one of Kobatela's jobs is not scheduled, not
//     active, or its last run failed (pg_cron not preloaded at all is no problem: Kobatela works
//     without it, and the jobs may run from another scheduler);
//   - and, with the business figures: a payment SENT for longer than the threshold, a webhook
//     event in error in the window, an operator alert in the window, a payout abandoned in the
//     window, or a payout QUEUED for longer than its threshold.
HealthAssessment assess_health(const HealthInput& input);

}  // namespace koba::core
