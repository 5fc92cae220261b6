// The rows of the view kobatela.metrics (docs/operations.md, "Monitoring"): one per counter or
// gauge, named and labelled as Prometheus exporters read them. Pure: built from the figures
// health() reads (core/ops_figures.hpp).
#pragma once

#include "core/health_rules.hpp"
#include "core/ops_figures.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace koba::core {

struct MetricRow {
    std::string name;    // "kobatela_payout_queue"
    std::string labels;  // a JSON object of strings: {"state":"QUEUED"}; {} without labels
    int64_t value = 0;
};

struct MetricsInput {
    HealthAssessment health;
    bool kobatela_preloaded = false;
    bool pg_cron_preloaded = false;
    bool psp_secret_configured = false;
    bool api_key_pepper_configured = false;
    std::optional<CronFigures> cron;
    OpsFigures ops;
    std::vector<StatusEstimate> estimates;  // payments and escrow_agreements by status
};

// Row counts by status from the planner's statistics: reltuples times each most common value's
// frequency, rounded; nothing for a table never analyzed (reltuples < 0).
std::vector<CountByLabel> estimated_counts(const StatusEstimate& estimate);

// Every metric, in a stable order (the order of docs/operations.md's table).
std::vector<MetricRow> metric_rows(const MetricsInput& input);

}  // namespace koba::core
