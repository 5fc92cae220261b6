// Kobatela's configuration settings (custom GUCs named kobatela.*), defined when the library
// loads from shared_preload_libraries. Secrets are not settings: a setting names the file that
// holds each one (core/secret_file.hpp, docs/security.md "Secrets").
#pragma once

#include "core/errors.hpp"

#include <string>
#include <string_view>

namespace koba::pg::settings {

void define();  // from _PG_init

std::string_view currencies();  // deprecated in 0.6.0, read by nothing but the 0.5.0 -> 0.6.0 upgrade
double geofence_tolerance_m();
int proof_max_age_min();
int proof_future_tolerance_min();
int psp_webhook_skew_s();

// A secret, read from the file its setting names (again whenever the setting or the file changes).
struct Secret {
    std::string_view value;  // the secret; empty when not configured or not usable. Never print it.
    std::string problem;     // why it cannot be used ("kobatela.x_file is not set", "... names a file
                             // that does not exist"...); empty when it can. Names no path, no content.
    bool usable() const { return problem.empty(); }
};
Secret api_key_pepper();
Secret psp_webhook_secret();
// Optional: not set is usable and empty (no rotation under way).
Secret psp_webhook_secret_previous();

// The secret's value, or `missing` (APIKEY_PEPPER_MISSING, PSP_SECRET_MISSING) with the secret's
// problem as DETAIL and how to set it up as HINT. An `optional` secret may be empty (not set),
// but a file it names must be usable.
std::string_view require_secret(const Secret& secret, core::ErrorCode missing, bool optional = false);

// How to reach pg_cron's database when it is not this one (a libpq conninfo). Never a password:
// one is refused when the setting is set (use passfile=, or .pgpass).
std::string_view cron_conninfo();
// How long a connection to pg_cron's database, or one statement there, may take (seconds).
int cron_timeout_s();

// The payout hand-off (core/payout_transmission.hpp): how long a claim's lease lasts (seconds), and
// how many attempts a payout gets before it is given up.
int payout_lease_s();
int payout_max_attempts();

// Monitoring (health(), the view kobatela.metrics; docs/operations.md "Monitoring"): how long a
// payment may stay SENT, and a payout QUEUED, before it is a problem (seconds); the window of the
// recent counts (webhooks, alerts, abandoned payouts; seconds); how many days of pg_cron's run
// history the purge job keeps.
int unsettled_payment_alert_s();
int payout_queue_alert_s();
int health_window_s();
int cron_history_retention_days();

}  // namespace koba::pg::settings
