// health(): what a load balancer or an operator asks first. Needs no scope and reveals no secret.
#include "context/identity.hpp"
#include "context/readiness.hpp"
#include "core/cron_jobs.hpp"
#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/text_rules.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/cron_link.hpp"
#include "store/health_store.hpp"
#include "store/replication_store.hpp"

#include <memory>

using namespace koba;

namespace {

// One maintenance job as pg_cron has it: {"name", "scheduled"} and, when scheduled, its id,
// schedule, whether it is active, and its last run's status and start (UTC).
std::string job_json(store::CronLink& cron, const core::MaintenanceJob& job) {
    core::JsonObject out;
    out.add("name", cron.job_name(job));
    const store::CronLink::Rows rows = cron.job_state(job);
    out.add_bool("scheduled", !rows.empty());
    if (rows.empty()) return out.str();
    const pg::RemoteSession::Row& row = rows[0];
    const auto text_or_null = [&](const char* key, const std::optional<std::string>& value) {
        value ? out.add(key, *value) : out.add_null(key);
    };
    out.add_int("jobid", core::parse_row_id(row[0].value_or("")).value_or(0));
    text_or_null("schedule", row[1]);
    out.add_bool("active", row[2] == std::optional<std::string>("t"));
    text_or_null("last_status", row[3]);
    text_or_null("last_start", row[4]);
    return out.str();
}

// pg_cron's side: {"available": true, "database", "jobs": [...]} or {"available": false,
// "problem"}. The problem (which may name the socket and role used to reach the cron database)
// is told to admin callers only; others learn that it is unavailable.
std::string cron_json(pg::Spi& spi) {
    core::JsonObject cron;
    std::unique_ptr<store::CronLink> link;
    try {
        link = std::make_unique<store::CronLink>(spi);
    } catch (const core::Error& e) {
        const std::optional<context::Principal> caller = context::current_principal();
        const bool admin = caller && caller->scope == core::Scope::Admin;
        return cron.add_bool("available", false)
            .add("problem", admin ? e.detail() : "pg_cron is not available; an admin sees why.")
            .str();
    }
    std::string jobs = "[";
    for (const core::MaintenanceJob& job : core::kMaintenanceJobs)
        jobs += (jobs.size() > 1 ? "," : "") + job_json(*link, job);
    jobs += "]";
    return cron.add_bool("available", true).add("database", link->cron_database()).add_raw("jobs", jobs).str();
}

// Whether a secret can be used; never the secret, nor why not (an admin sees why when a call needs it).
bool configured(const pg::settings::Secret& secret) { return secret.usable() && !secret.value.empty(); }

}  // namespace

// Ungated: it answers when Kobatela cannot serve (not preloaded, or the library and this
// database's scripts are not the same version), with status "error" and the problem.
KOBA_FUNCTION_UNGATED(kobatela_health) {
    const std::optional<std::string> problem = context::readiness_problem();
    pg::Spi spi;
    const store::DatabaseFacts facts = store::database_facts(spi);
    core::JsonObject json;
    json.add("status", problem ? "error" : "ok");
    if (problem) json.add("problem", *problem);
    json.add("version", facts.extension_version)
        .add("library_version", context::library_version())
        .add("database", facts.database)
        // (a previous-secret file that is set but unusable stops every webhook too)
        .add_bool("psp_secret_configured", configured(pg::settings::psp_webhook_secret()) &&
                                               pg::settings::psp_webhook_secret_previous().usable())
        .add_bool("api_key_pepper_configured", configured(pg::settings::api_key_pepper()));
    core::add_replication(json, store::replication_facts(spi));  // "role", and a standby's replay
    // pg_cron's state needs a ready Kobatela (and may need a connection): not asked otherwise.
    if (!problem) json.add_raw("pg_cron", cron_json(spi));
    return pg::own_jsonb_datum(json.str());
}
