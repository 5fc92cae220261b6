// What health() and the view kobatela.metrics report, gathered once: readiness, preloads, secrets
// and settings, pg_cron's jobs, the business figures (store/ops_store.hpp), and what core makes of
// them (core/health_rules.hpp).
#pragma once

#include "core/health_rules.hpp"
#include "core/ops_figures.hpp"
#include "core/replication.hpp"
#include "pg/spi.hpp"
#include "store/health_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace koba::api {

struct HealthReport {
    std::optional<std::string> readiness_problem;
    store::DatabaseFacts facts;
    core::ReplicationFacts replication;  // primary or standby, and a standby's replay
    bool kobatela_preloaded = false;  // named in shared_preload_libraries
    bool pg_cron_preloaded = false;
    bool psp_secret_configured = false;
    bool api_key_pepper_configured = false;
    std::vector<core::SettingValue> settings;  // the kobatela.* settings health() shows
    std::optional<core::CronFigures> cron;     // none when Kobatela cannot serve
    std::optional<core::OpsFigures> ops;       // none when Kobatela cannot serve or `with_ops` is false
    core::HealthAssessment assessment;
};

// `with_ops`: read the business figures (for the admin and support scopes only).
HealthReport gather_health_report(pg::Spi& spi, bool with_ops);

// Whether the caller may see the business figures: the admin and support scopes.
bool caller_sees_ops_figures();

}  // namespace koba::api
