// The shared library's identity and load-time set-up.
#include "api/identity.hpp"
#include "pg/postgres.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) {
    koba::pg::settings::define();
    koba::api::register_identity_callbacks();
}
}
