// The figures health() and the view kobatela.metrics report (core/ops_figures.hpp), read for the
// admin and support scopes. Each statement is index-backed or bounded, since both are polled
// (docs/performance.md, "Indexes and the queries they serve"; docs/operations.md, "Monitoring").
#pragma once

#include "core/ops_figures.hpp"
#include "pg/spi.hpp"

#include <vector>

namespace koba::store {

// How far back the counts look, and what is late (seconds).
struct OpsThresholds {
    int64_t unsettled_alert_s;
    int64_t window_s;
    int64_t queue_alert_s;
};

// The newest webhook events, and alerts, the window's counts read at most: the counts are bounded
// whatever the rate (a busier window reads as this many).
inline constexpr int64_t kScanLimit = 10000;

// Read as the tables' owner, row-level security not applied: the caller's scope (admin or
// support, who see every row of these tables) is checked before.
core::OpsFigures read_ops_figures(pg::Spi& spi, const OpsThresholds& thresholds);

// The planner's estimates of payments and escrow_agreements by status (pg_class, pg_stats).
std::vector<core::StatusEstimate> read_status_estimates(pg::Spi& spi);

}  // namespace koba::store
