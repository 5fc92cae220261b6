#include "api/health_report.hpp"

#include "context/identity.hpp"
#include "context/readiness.hpp"
#include "core/cron_jobs.hpp"
#include "core/errors.hpp"
#include "core/preload_list.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "store/cron_link.hpp"
#include "store/ops_store.hpp"
#include "store/replication_store.hpp"

namespace koba::api {

namespace {

// Whether a secret can be used; never the secret, nor why not (an admin sees why when a call needs it).
bool configured(const pg::settings::Secret& secret) { return secret.usable() && !secret.value.empty(); }

std::string preload_list() {
    const char* value = pg::pg_call([] { return GetConfigOption("shared_preload_libraries", true, false); });
    return value == nullptr ? std::string() : std::string(value);
}

// pg_cron's side; its problem when it cannot be used (which may name the socket and role used to
// reach the cron database: health() tells it to admin callers only).
core::CronFigures cron_figures(pg::Spi& spi) {
    core::CronFigures cron;
    try {
        store::CronLink link(spi);
        for (const core::MaintenanceJob& job : core::kMaintenanceJobs) cron.jobs.push_back(link.job_state(job));
        cron.database = link.cron_database();
        cron.available = true;
    } catch (const core::Error& e) {
        cron.jobs.clear();
        cron.problem = e.detail();
    }
    return cron;
}

std::vector<core::SettingValue> settings() {
    namespace s = pg::settings;
    return {
        {"kobatela.psp_webhook_skew_s", s::psp_webhook_skew_s()},
        {"kobatela.proof_max_age_min", s::proof_max_age_min()},
        {"kobatela.proof_future_tolerance_min", s::proof_future_tolerance_min()},
        {"kobatela.payout_lease_s", s::payout_lease_s()},
        {"kobatela.payout_max_attempts", s::payout_max_attempts()},
        {"kobatela.cron_timeout_s", s::cron_timeout_s()},
        {"kobatela.unsettled_payment_alert_s", s::unsettled_payment_alert_s()},
        {"kobatela.payout_queue_alert_s", s::payout_queue_alert_s()},
        {"kobatela.health_window_s", s::health_window_s()},
        {"kobatela.cron_history_retention_days", s::cron_history_retention_days()},
    };
}

}  // namespace

bool caller_sees_ops_figures() {
    const std::optional<context::Principal> caller = context::current_principal();
    return caller && (caller->scope == core::Scope::Admin || caller->scope == core::Scope::Support);
}

HealthReport gather_health_report(pg::Spi& spi, bool with_ops) {
    HealthReport report;
    report.readiness_problem = context::readiness_problem();
    report.facts = store::database_facts(spi);
    report.replication = store::replication_facts(spi);
    const std::string preloads = preload_list();
    report.kobatela_preloaded = core::preload_list_has(preloads, "kobatela");
    report.pg_cron_preloaded = core::preload_list_has(preloads, "pg_cron");
    // (a previous-secret file that is set but unusable stops every webhook too)
    report.psp_secret_configured =
        configured(pg::settings::psp_webhook_secret()) && pg::settings::psp_webhook_secret_previous().usable();
    report.api_key_pepper_configured = configured(pg::settings::api_key_pepper());
    report.settings = settings();
    // pg_cron's state and the figures need a ready Kobatela (pg_cron's may need a connection).
    if (!report.readiness_problem) {
        report.cron = cron_figures(spi);
        if (with_ops)
            report.ops = store::read_ops_figures(spi, {pg::settings::unsettled_payment_alert_s(),
                                                       pg::settings::health_window_s(),
                                                       pg::settings::payout_queue_alert_s()});
    }
    report.assessment = core::assess_health({report.readiness_problem, report.pg_cron_preloaded,
                                             report.psp_secret_configured, report.api_key_pepper_configured,
                                             report.settings, report.cron, report.ops});
    return report;
}

}  // namespace koba::api
