#include "pg/settings.hpp"

#include "core/secret_file.hpp"
#include "core/text_rules.hpp"
#include "pg/postgres.hpp"

#include <libpq-fe.h>
#include <unistd.h>

namespace koba::pg::settings {

namespace {

char* g_currencies = nullptr;
double g_geofence_tolerance_m = 15.0;
int g_proof_max_age_min = 120;
int g_proof_future_tolerance_min = 2;
int g_psp_webhook_skew_s = 300;
char* g_psp_webhook_secret_file = nullptr;
char* g_psp_webhook_secret_previous_file = nullptr;
char* g_api_key_pepper_file = nullptr;
char* g_cron_conninfo = nullptr;
int g_cron_timeout_s = 10;
int g_payout_lease_s = 60;
int g_payout_max_attempts = 5;
int g_unsettled_payment_alert_s = 86400;
int g_payout_queue_alert_s = 900;
int g_health_window_s = 86400;
int g_cron_history_retention_days = 7;

std::string_view view(const char* value) { return value == nullptr ? std::string_view() : value; }

// Why a list of currencies is refused, or nullptr when it is accepted. C++ only (it may throw
// std::bad_alloc); the sentences are static.
const char* currency_list_problem(std::string_view list) {
    const std::vector<std::string> codes = core::parse_currency_list(list);
    if (codes.empty()) return "At least one currency must be accepted.";
    for (const std::string& code : codes)
        if (!core::is_currency_code(code)) return "Each currency must be 3 letters, e.g. USD,EUR.";
    return nullptr;
}

// Called by PostgreSQL (C code): must not throw. The C++ work is over, and its objects destroyed,
// before GUC_check_errdetail, which allocates and so may raise an error (a longjmp).
bool check_currencies(char** newval, void** /*extra*/, GucSource /*source*/) noexcept {
    const char* problem = nullptr;
    try {
        problem = currency_list_problem(view(*newval));
    } catch (...) {
        return false;
    }
    if (problem == nullptr) return true;
    GUC_check_errdetail("%s", problem);
    return false;
}

// A conninfo may not carry a password: the setting's value is logged when it changes and may be
// stored in a catalog. Called by PostgreSQL (C code): must not throw.
bool check_conninfo(char** newval, void** /*extra*/, GucSource /*source*/) noexcept {
    if (*newval == nullptr || (*newval)[0] == '\0') return true;
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(*newval, &error);
    if (options == nullptr) {
        PQfreemem(error);  // (libpq's message may quote the value); freed before what may raise
        GUC_check_errdetail("Not a libpq connection string.");
        return false;
    }
    bool has_password = false;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o)
        if (strcmp(o->keyword, "password") == 0 && o->val != nullptr && o->val[0] != '\0') has_password = true;
    PQconninfoFree(options);
    if (has_password) {
        GUC_check_errdetail("kobatela.cron_conninfo must not hold a password: use passfile= (or ~/.pgpass).");
        return false;
    }
    return true;
}

// A secret file and what was last read from it, for this backend.
struct SecretCache {
    const char* setting;        // kobatela.<name>_file
    char** path;                // the setting's value
    bool required;              // unset is a problem (else: usable and empty)
    std::string read_path;      // the path `value` was read from
    core::FileVersion version;  // ... at this version
    core::SecretFileProblem problem = core::SecretFileProblem::Missing;
    std::string value;
    bool loaded = false;
};

SecretCache g_pepper{"kobatela.api_key_pepper_file", &g_api_key_pepper_file, true};
SecretCache g_psp_secret{"kobatela.psp_webhook_secret_file", &g_psp_webhook_secret_file, true};
SecretCache g_psp_previous{"kobatela.psp_webhook_secret_previous_file", &g_psp_webhook_secret_previous_file, false};

Secret read(SecretCache& cache) {
    const char* path = *cache.path;
    if (path == nullptr || path[0] == '\0') {
        if (!cache.required) return Secret{};
        return Secret{{}, std::string(cache.setting) + " is not set."};
    }
    const uid_t server_user = geteuid();
    const core::SecretFileRead now = core::stat_secret_file(path, server_user);
    if (!cache.loaded || cache.read_path != path || now.problem != core::SecretFileProblem::Ok ||
        !(now.version == cache.version)) {
        core::SecretFileRead fresh = core::read_secret_file(path, server_user);
        core::wipe(cache.value);
        cache.value = std::move(fresh.value);
        core::wipe(fresh.value);
        cache.read_path = path;
        cache.version = fresh.version;
        cache.problem = fresh.problem;
        cache.loaded = true;
    }
    if (cache.problem != core::SecretFileProblem::Ok)
        return Secret{{}, std::string(cache.setting) + " names a file that " +
                              std::string(core::secret_file_problem_text(cache.problem)) + "."};
    if (cache.value.empty() && cache.required) return Secret{{}, std::string(cache.setting) + " names an empty file."};
    return Secret{cache.value, {}};
}

void define_secret_file(const char* name, const char* description, char** variable) {
    DefineCustomStringVariable(name, description, nullptr, variable, "", PGC_SUSET, GUC_SUPERUSER_ONLY, nullptr,
                               nullptr, nullptr);
}

}  // namespace

void define() {
    // Deprecated in 0.6.0 and ignored: the upgrade from 0.5.0 moved it into kobatela.currencies. Still
    // defined (and checked), so that a configuration file that names it loads.
    DefineCustomStringVariable("kobatela.currencies",
                               "Deprecated since 0.6.0, ignored: use kobatela.enable_currency(code).",
                               nullptr, &g_currencies, "USD,EUR", PGC_SUSET, 0, check_currencies,
                               nullptr, nullptr);
    DefineCustomRealVariable("kobatela.geofence_tolerance_m",
                             "Metres added to a milestone's geofence radius.", nullptr,
                             &g_geofence_tolerance_m, 15.0, 0.0, 100000.0, PGC_SUSET, 0, nullptr,
                             nullptr, nullptr);
    DefineCustomIntVariable("kobatela.proof_max_age_min", "Oldest accepted photo age, in minutes.",
                            nullptr, &g_proof_max_age_min, 120, 1, 525600, PGC_SUSET, 0, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("kobatela.proof_future_tolerance_min",
                            "How far in the future a photo may be dated, in minutes.", nullptr,
                            &g_proof_future_tolerance_min, 2, 0, 1440, PGC_SUSET, 0, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("kobatela.psp_webhook_skew_s",
                            "Largest accepted clock difference for a PSP webhook, in seconds.",
                            nullptr, &g_psp_webhook_skew_s, 300, 1, 86400, PGC_SUSET, 0, nullptr,
                            nullptr, nullptr);
    define_secret_file("kobatela.psp_webhook_secret_file",
                       "File holding the secret the PSP signs webhooks with (readable by the server's user only).",
                       &g_psp_webhook_secret_file);
    define_secret_file("kobatela.psp_webhook_secret_previous_file",
                       "File holding the previous PSP secret, still accepted while rotating.",
                       &g_psp_webhook_secret_previous_file);
    define_secret_file("kobatela.api_key_pepper_file",
                       "File holding the server-side key mixed into API key hashes.", &g_api_key_pepper_file);
    DefineCustomStringVariable("kobatela.cron_conninfo",
                               "libpq conninfo to pg_cron's database (cron.database_name) when Kobatela lives in "
                               "another one, without a password (passfile=); empty: the local socket, as the "
                               "extension's owner, for superusers only.",
                               nullptr, &g_cron_conninfo, "", PGC_SUSET, GUC_SUPERUSER_ONLY, check_conninfo, nullptr,
                               nullptr);
    DefineCustomIntVariable("kobatela.cron_timeout_s",
                            "Longest wait for pg_cron's database: to connect, and for each statement, in seconds.",
                            nullptr, &g_cron_timeout_s, 10, 1, 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("kobatela.payout_lease_s",
                            "How long a worker holds the payouts it claimed before another may claim them, in seconds.",
                            nullptr, &g_payout_lease_s, 60, 1, 86400, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("kobatela.payout_max_attempts",
                            "Attempts to transmit a payout to the PSP before it is given up (its payment fails).",
                            nullptr, &g_payout_max_attempts, 5, 1, 100, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("kobatela.unsettled_payment_alert_s",
                            "How long a payment may stay SENT, not settled by the PSP, before health() reports it, in seconds.",
                            nullptr, &g_unsettled_payment_alert_s, 86400, 60, 31536000, PGC_SUSET, GUC_UNIT_S, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("kobatela.payout_queue_alert_s",
                            "How long a payout may wait QUEUED for a worker before health() reports it, in seconds.",
                            nullptr, &g_payout_queue_alert_s, 900, 10, 604800, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("kobatela.health_window_s",
                            "The recent window of health()'s webhook, alert and abandoned-payout counts, in seconds.",
                            nullptr, &g_health_window_s, 86400, 60, 2592000, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("kobatela.cron_history_retention_days",
                            "Days of pg_cron's run history (cron.job_run_details) the purge job keeps; read when "
                            "schedule_maintenance() runs.",
                            nullptr, &g_cron_history_retention_days, 7, 1, 3650, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("kobatela");
}

std::string_view currencies() { return view(g_currencies); }
double geofence_tolerance_m() { return g_geofence_tolerance_m; }
int proof_max_age_min() { return g_proof_max_age_min; }
int proof_future_tolerance_min() { return g_proof_future_tolerance_min; }
int psp_webhook_skew_s() { return g_psp_webhook_skew_s; }
std::string_view require_secret(const Secret& secret, core::ErrorCode missing, bool optional) {
    if (secret.usable() && (optional || !secret.value.empty())) return secret.value;
    throw core::Error(missing, secret.problem,
                      "Write the secret into a file that only the server's operating-system user can read "
                      "(chmod 600) and set the setting to its path (docs/security.md, section Secrets).");
}

Secret api_key_pepper() { return read(g_pepper); }
Secret psp_webhook_secret() { return read(g_psp_secret); }
Secret psp_webhook_secret_previous() { return read(g_psp_previous); }
std::string_view cron_conninfo() { return view(g_cron_conninfo); }
int cron_timeout_s() { return g_cron_timeout_s; }
int payout_lease_s() { return g_payout_lease_s; }
int payout_max_attempts() { return g_payout_max_attempts; }
int unsettled_payment_alert_s() { return g_unsettled_payment_alert_s; }
int payout_queue_alert_s() { return g_payout_queue_alert_s; }
int health_window_s() { return g_health_window_s; }
int cron_history_retention_days() { return g_cron_history_retention_days; }

}  // namespace koba::pg::settings
