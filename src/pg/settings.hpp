// Kobatela's configuration settings (custom GUCs named kobatela.*), defined when the library
// loads. Secrets are superuser-only, hidden from SHOW ALL and shown masked.
#pragma once

#include <string_view>

namespace koba::pg::settings {

void define();  // from _PG_init

std::string_view currencies();  // comma-separated accepted currency codes
double geofence_tolerance_m();
int proof_max_age_min();
int proof_future_tolerance_min();
int psp_webhook_skew_s();
// Secrets: empty when unset. Never print them.
std::string_view psp_webhook_secret();
std::string_view psp_webhook_secret_previous();
std::string_view api_key_pepper();
// How to reach pg_cron's database when it is not this one (a libpq conninfo); may hold a password.
std::string_view cron_conninfo();

}  // namespace koba::pg::settings
