// health(): what a load balancer or an operator asks first. Needs no scope and reveals no secret;
// the business figures (payments, webhooks, alerts, the payout queue) only to the admin and
// support scopes. The figures are api/health_report.cpp's, the status core/health_rules.hpp's.
#include "api/health_report.hpp"
#include "context/identity.hpp"
#include "context/readiness.hpp"
#include "core/health_rules.hpp"
#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;

namespace {

using core::JsonObject;

std::string json_string(std::string_view value) {
    std::string out;
    core::append_json_string(out, value);
    return out;
}

std::string string_array(const std::vector<std::string>& values) {
    std::string out = "[";
    for (const std::string& v : values) out += (out.size() > 1 ? "," : "") + json_string(v);
    return out + "]";
}

void add_text_or_null(JsonObject& out, const char* key, const std::optional<std::string>& value) {
    value ? out.add(key, *value) : out.add_null(key);
}

void add_int_or_null(JsonObject& out, const char* key, const std::optional<int64_t>& value) {
    value ? out.add_int(key, *value) : out.add_null(key);
}

// One maintenance job as pg_cron has it: {"name", "scheduled"} and, when scheduled, its id,
// schedule, whether it is active, and its last run's status, start and end (UTC).
std::string job_json(const core::CronJobState& job) {
    JsonObject out;
    out.add("name", job.name).add_bool("scheduled", job.scheduled);
    if (!job.scheduled) return out.str();
    out.add_int("jobid", job.jobid);
    add_text_or_null(out, "schedule", job.schedule);
    out.add_bool("active", job.active);
    add_text_or_null(out, "last_status", job.last_status);
    add_text_or_null(out, "last_start", job.last_start);
    add_text_or_null(out, "last_end", job.last_end);
    return out.str();
}

// pg_cron's side: {"available": true, "database", "jobs": [...]} or {"available": false,
// "problem"}. The problem (which may name the socket and role used to reach the cron database)
// is told to admin callers only; others learn that it is unavailable.
std::string cron_json(const core::CronFigures& cron) {
    JsonObject out;
    if (!cron.available) {
        const std::optional<context::Principal> caller = context::current_principal();
        const bool admin = caller && caller->scope == core::Scope::Admin;
        return out.add_bool("available", false)
            .add("problem", admin ? cron.problem : "pg_cron is not available; an admin sees why.")
            .str();
    }
    std::string jobs = "[";
    for (const core::CronJobState& job : cron.jobs) jobs += (jobs.size() > 1 ? "," : "") + job_json(job);
    return out.add_bool("available", true).add("database", cron.database).add_raw("jobs", jobs + "]").str();
}

std::string preload_json(const api::HealthReport& report) {
    return JsonObject().add_bool("kobatela", report.kobatela_preloaded).add_bool("pg_cron", report.pg_cron_preloaded).str();
}

// The settings health() judges, by name without the "kobatela." prefix, and those outside their
// advised range.
std::string settings_json(const api::HealthReport& report) {
    JsonObject out;
    for (const core::SettingValue& s : report.settings)
        out.add_int(std::string_view(s.name).substr(std::string_view("kobatela.").size()), s.value);
    return out.add_raw("out_of_range", string_array(core::settings_out_of_range(report.settings))).str();
}

// The business figures: payments, webhooks, alerts, the payout queue.
std::string payments_json(const core::OpsFigures& ops) {
    const core::UnsettledTotals unsettled = core::unsettled_totals(ops);
    JsonObject out;
    out.add_int("unsettled", unsettled.count)
        .add_int("unsettled_overdue", unsettled.overdue)
        .add_int("alert_after_s", ops.unsettled_alert_s);
    add_int_or_null(out, "oldest_unsettled_s", unsettled.oldest_age_s);
    return out.str();
}

std::string webhooks_json(const core::OpsFigures& ops) {
    return JsonObject()
        .add_int("window_s", ops.window_s)
        .add_int("received", ops.webhooks_received)
        .add_int("unmatched", ops.webhooks_unmatched)
        .add_int("contradicting", core::contradicting_webhooks(ops))
        .add_int("in_error", core::webhooks_in_error(ops))
        .add_bool("scan_limit_reached", ops.webhooks_received >= ops.scan_limit)
        .str();
}

std::string alerts_json(const core::OpsFigures& ops) {
    JsonObject by_type;
    int64_t read = 0;
    for (const core::CountByLabel& a : ops.alerts_by_type) {
        by_type.add_int(a.label, a.count);
        read += a.count;
    }
    return JsonObject()
        .add_int("window_s", ops.window_s)
        .add_raw("by_type", by_type.str())
        .add_bool("scan_limit_reached", read >= ops.scan_limit)
        .str();
}

std::string payout_queue_json(const core::OpsFigures& ops) {
    JsonObject out;
    out.add_int("queued", ops.queued)
        .add_int("claimed", ops.claimed)
        .add_int("abandoned", ops.abandoned)
        .add_int("abandoned_recent", ops.abandoned_recent)
        .add_int("alert_after_s", ops.queue_alert_s);
    add_int_or_null(out, "oldest_queued_s", ops.oldest_queued_age_s);
    return out.str();
}

}  // namespace

// Ungated: it answers when Kobatela cannot serve (not preloaded, or the library and this
// database's scripts are not the same version), with status "error" and the problem.
KOBA_FUNCTION_UNGATED(kobatela_health) {
    pg::Spi spi;
    const api::HealthReport report = api::gather_health_report(spi, api::caller_sees_ops_figures());
    JsonObject json;
    json.add("status", core::health_status_name(report.assessment.status));
    if (report.readiness_problem) json.add("problem", *report.readiness_problem);
    json.add("version", report.facts.extension_version)
        .add("library_version", context::library_version())
        .add("database", report.facts.database)
        .add_bool("psp_secret_configured", report.psp_secret_configured)
        .add_bool("api_key_pepper_configured", report.api_key_pepper_configured);
    core::add_replication(json, report.replication);  // "role", and a standby's replay
    if (report.cron) json.add_raw("pg_cron", cron_json(*report.cron));
    // Monitoring (0.9.0): the problems behind the status, the preloads, the settings, and for the
    // admin and support scopes the business figures.
    json.add_raw("problems", string_array(report.assessment.problems))
        .add_raw("preload", preload_json(report))
        .add_raw("settings", settings_json(report));
    if (report.ops) {
        json.add_raw("payments", payments_json(*report.ops))
            .add_raw("webhooks", webhooks_json(*report.ops))
            .add_raw("alerts", alerts_json(*report.ops))
            .add_raw("payout_queue", payout_queue_json(*report.ops));
    }
    return pg::own_jsonb_datum(json.str());
}
