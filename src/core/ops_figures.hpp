// What health() and the metrics view report: the figures as the stores read them (pure data; the
// decisions on them are core/health_rules.hpp's, the metric rows core/metrics.hpp's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace koba::core {

// One of Kobatela's pg_cron jobs, as pg_cron has it (scheduled false: no such job).
struct CronJobState {
    std::string name;
    bool scheduled = false;
    int64_t jobid = 0;
    std::optional<std::string> schedule;
    bool active = false;
    // The last run (cron.job_run_details, the latest start): its status and times (ISO 8601 UTC),
    // and how long ago it started, in whole seconds.
    std::optional<std::string> last_status;
    std::optional<std::string> last_start;
    std::optional<std::string> last_end;
    std::optional<int64_t> last_start_age_s;
};

// pg_cron's side: available with its database and jobs, or not, with the reason.
struct CronFigures {
    bool available = false;
    std::string problem;   // when not available (told to admin callers only)
    std::string database;  // cron.database_name, when available
    std::vector<CronJobState> jobs;
};

// A kobatela.* setting health() reports and judges.
struct SettingValue {
    std::string name;  // "kobatela.payout_lease_s"
    int64_t value = 0;
};

// SENT payments not yet settled (or failed) by the PSP, for one currency.
struct UnsettledPayments {
    std::string currency;
    int64_t count = 0;                    // every SENT payment
    int64_t overdue = 0;                  // SENT for longer than the alert threshold
    std::optional<int64_t> oldest_age_s;  // the longest any has been SENT
};

struct CountByLabel {
    std::string label;
    int64_t count = 0;
};

// The business figures, read as the tables' owner for the admin and support scopes.
struct OpsFigures {
    int64_t unsettled_alert_s = 0;  // the threshold the overdue counts used
    int64_t window_s = 0;           // the recent window of the webhook, alert and abandon counts
    int64_t queue_alert_s = 0;      // how long a payout may wait QUEUED before it is a problem
    std::vector<UnsettledPayments> unsettled;  // by currency
    // PSP webhook events received in the window (at most `scan_limit`, the newest): all, and
    // those naming a payment reference that matches no payment.
    int64_t webhooks_received = 0;
    int64_t webhooks_unmatched = 0;
    int64_t scan_limit = 0;
    std::vector<CountByLabel> alerts_by_type;  // raised in the window (at most `scan_limit`, the newest)
    int64_t queued = 0;
    int64_t claimed = 0;
    int64_t abandoned = 0;         // every ABANDONED hand-off
    int64_t abandoned_recent = 0;  // abandoned in the window
    std::optional<int64_t> oldest_queued_age_s;
    std::optional<int64_t> audit_records;  // the audit log's highest id (none: empty)
    std::optional<int64_t> events;         // the event feed's highest id
};

// The planner's row estimates of a table (pg_class.reltuples; negative: never analyzed) and of
// its status column's most common values (pg_stats), for the counters a count would scan for.
struct StatusEstimate {
    std::string table;
    double reltuples = -1;
    std::vector<std::string> values;
    std::vector<double> frequencies;
};

}  // namespace koba::core
