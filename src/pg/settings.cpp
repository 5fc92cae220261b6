#include "pg/settings.hpp"

#include "core/text_rules.hpp"
#include "pg/postgres.hpp"

namespace koba::pg::settings {

namespace {

char* g_currencies = nullptr;
double g_geofence_tolerance_m = 15.0;
int g_proof_max_age_min = 120;
int g_proof_future_tolerance_min = 2;
int g_psp_webhook_skew_s = 300;
char* g_psp_webhook_secret = nullptr;
char* g_psp_webhook_secret_previous = nullptr;
char* g_api_key_pepper = nullptr;
char* g_cron_conninfo = nullptr;

std::string_view view(const char* value) { return value == nullptr ? std::string_view() : value; }

// Called by PostgreSQL (C code): must not throw.
bool check_currencies(char** newval, void** /*extra*/, GucSource /*source*/) noexcept {
    try {
        const std::vector<std::string> codes = core::parse_currency_list(view(*newval));
        if (codes.empty()) {
            GUC_check_errdetail("At least one currency must be accepted.");
            return false;
        }
        for (const std::string& code : codes) {
            if (!core::is_currency_code(code)) {
                GUC_check_errdetail("Each currency must be 3 letters, e.g. USD,EUR.");
                return false;
            }
        }
        return true;
    } catch (...) {
        return false;
    }
}

// SHOW never prints a secret, even to a superuser: it tells only whether one is set.
const char* show_secret_set(const char* value) {
    return value != nullptr && value[0] != '\0' ? "(set)" : "(unset)";
}
const char* show_psp_webhook_secret() { return show_secret_set(g_psp_webhook_secret); }
const char* show_psp_webhook_secret_previous() { return show_secret_set(g_psp_webhook_secret_previous); }
const char* show_api_key_pepper() { return show_secret_set(g_api_key_pepper); }
const char* show_cron_conninfo() { return show_secret_set(g_cron_conninfo); }

void define_secret(const char* name, const char* description, char** variable, GucShowHook show) {
    DefineCustomStringVariable(name, description, nullptr, variable, "", PGC_SUSET,
                               GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, nullptr,
                               nullptr, show);
}

}  // namespace

void define() {
    DefineCustomStringVariable("kobatela.currencies", "Accepted currency codes, comma-separated.",
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
    define_secret("kobatela.psp_webhook_secret", "Secret the PSP signs webhooks with.",
                  &g_psp_webhook_secret, show_psp_webhook_secret);
    define_secret("kobatela.psp_webhook_secret_previous",
                  "The previous PSP secret, still accepted while rotating.",
                  &g_psp_webhook_secret_previous, show_psp_webhook_secret_previous);
    define_secret("kobatela.api_key_pepper", "Server-side key mixed into API key hashes.",
                  &g_api_key_pepper, show_api_key_pepper);
    // A conninfo may carry a password, so it is kept like a secret.
    define_secret("kobatela.cron_conninfo",
                  "libpq conninfo to pg_cron's database (cron.database_name) when Kobatela lives in "
                  "another one; empty: the local socket, as the extension's owner.",
                  &g_cron_conninfo, show_cron_conninfo);
    MarkGUCPrefixReserved("kobatela");
}

std::string_view currencies() { return view(g_currencies); }
double geofence_tolerance_m() { return g_geofence_tolerance_m; }
int proof_max_age_min() { return g_proof_max_age_min; }
int proof_future_tolerance_min() { return g_proof_future_tolerance_min; }
int psp_webhook_skew_s() { return g_psp_webhook_skew_s; }
std::string_view psp_webhook_secret() { return view(g_psp_webhook_secret); }
std::string_view psp_webhook_secret_previous() { return view(g_psp_webhook_secret_previous); }
std::string_view api_key_pepper() { return view(g_api_key_pepper); }
std::string_view cron_conninfo() { return view(g_cron_conninfo); }

}  // namespace koba::pg::settings
