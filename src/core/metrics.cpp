#include "core/metrics.hpp"

#include "core/json_writer.hpp"

#include <algorithm>
#include <cmath>

namespace koba::core {

namespace {

class Rows {
public:
    void add(std::string name, int64_t value) { rows_.push_back({std::move(name), "{}", value}); }
    void add(std::string name, std::string_view key, std::string_view label, int64_t value) {
        rows_.push_back({std::move(name), JsonObject().add(key, label).str(), value});
    }
    void add(std::string name, std::string_view key1, std::string_view label1, std::string_view key2,
             std::string_view label2, int64_t value) {
        rows_.push_back({std::move(name), JsonObject().add(key1, label1).add(key2, label2).str(), value});
    }
    std::vector<MetricRow> take() { return std::move(rows_); }

private:
    std::vector<MetricRow> rows_;
};

const StatusEstimate* estimate_of(const std::vector<StatusEstimate>& estimates, std::string_view table) {
    for (const StatusEstimate& e : estimates)
        if (e.table == table) return &e;
    return nullptr;
}

void add_estimates(Rows& rows, const MetricsInput& input, std::string_view table, const std::string& name) {
    const StatusEstimate* estimate = estimate_of(input.estimates, table);
    if (estimate == nullptr) return;
    for (const CountByLabel& c : estimated_counts(*estimate)) rows.add(name, "status", c.label, c.count);
}

}  // namespace

std::vector<CountByLabel> estimated_counts(const StatusEstimate& estimate) {
    std::vector<CountByLabel> out;
    if (estimate.reltuples < 0) return out;
    const size_t n = std::min(estimate.values.size(), estimate.frequencies.size());
    for (size_t i = 0; i < n; ++i)
        out.push_back({estimate.values[i], static_cast<int64_t>(std::llround(estimate.reltuples * estimate.frequencies[i]))});
    std::sort(out.begin(), out.end(), [](const CountByLabel& a, const CountByLabel& b) { return a.label < b.label; });
    return out;
}

std::vector<MetricRow> metric_rows(const MetricsInput& input) {
    Rows rows;
    const OpsFigures& ops = input.ops;
    rows.add("kobatela_health_status", "status", health_status_name(input.health.status), 1);
    rows.add("kobatela_health_problems", static_cast<int64_t>(input.health.problems.size()));
    rows.add("kobatela_preloaded", "library", "kobatela", input.kobatela_preloaded ? 1 : 0);
    rows.add("kobatela_preloaded", "library", "pg_cron", input.pg_cron_preloaded ? 1 : 0);
    rows.add("kobatela_secret_configured", "secret", "api_key_pepper", input.api_key_pepper_configured ? 1 : 0);
    rows.add("kobatela_secret_configured", "secret", "psp_webhook_secret", input.psp_secret_configured ? 1 : 0);

    add_estimates(rows, input, "escrow_agreements", "kobatela_escrows_estimate");
    add_estimates(rows, input, "payments", "kobatela_payments_estimate");

    for (const UnsettledPayments& u : ops.unsettled)
        rows.add("kobatela_unsettled_payments", "currency", u.currency, u.count);
    const UnsettledTotals unsettled = unsettled_totals(ops);
    rows.add("kobatela_unsettled_overdue_payments", unsettled.overdue);
    rows.add("kobatela_oldest_unsettled_payment_seconds", unsettled.oldest_age_s.value_or(0));

    rows.add("kobatela_payout_queue", "state", "QUEUED", ops.queued);
    rows.add("kobatela_payout_queue", "state", "CLAIMED", ops.claimed);
    rows.add("kobatela_payout_queue", "state", "ABANDONED", ops.abandoned);
    rows.add("kobatela_payouts_abandoned_recent", ops.abandoned_recent);
    rows.add("kobatela_oldest_queued_payout_seconds", ops.oldest_queued_age_s.value_or(0));

    rows.add("kobatela_webhook_events", "status", "received", ops.webhooks_received);
    rows.add("kobatela_webhook_events", "status", "unmatched", ops.webhooks_unmatched);
    rows.add("kobatela_webhook_events", "status", "contradicting", contradicting_webhooks(ops));
    for (const CountByLabel& a : ops.alerts_by_type) rows.add("kobatela_alerts_recent", "type", a.label, a.count);

    rows.add("kobatela_audit_records_total", ops.audit_records.value_or(0));
    rows.add("kobatela_events_total", ops.events.value_or(0));

    if (input.cron) {
        rows.add("kobatela_cron_available", input.cron->available ? 1 : 0);
        for (const CronJobState& job : input.cron->jobs) {
            rows.add("kobatela_cron_job_scheduled", "job", job.name, job.scheduled ? 1 : 0);
            if (job.scheduled) rows.add("kobatela_cron_job_active", "job", job.name, job.active ? 1 : 0);
            if (job.last_start_age_s)
                rows.add("kobatela_cron_job_last_run_seconds", "job", job.name, "status",
                         job.last_status.value_or("unknown"), *job.last_start_age_s);
        }
    }
    return rows.take();
}

}  // namespace koba::core
