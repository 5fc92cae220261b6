// The shared library's identity and load-time set-up.
#include "context/identity.hpp"
#include "context/readiness.hpp"
#include "core/scopes.hpp"
#include "pg/enum_input_hint.hpp"
#include "pg/guard.hpp"
#include "pg/notify_gate.hpp"
#include "pg/postgres.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

// PGDLLEXPORT: from PostgreSQL 16 on, PGXS builds modules with -fvisibility=hidden.
PGDLLEXPORT void _PG_init(void);
void _PG_init(void) {
    koba::context::note_library_load(process_shared_preload_libraries_in_progress);
    if (process_shared_preload_libraries_in_progress) koba::pg::request_notify_gate_memory();
    koba::pg::settings::define();
    koba::context::register_identity_callbacks();
    koba::pg::set_entry_gate(&koba::context::require_ready);
    // create_api_key('x', 'admn') fails in PostgreSQL's enum input, before Kobatela runs.
    koba::pg::hint_enum_input_errors("kobatela", "api_scope", koba::core::kUnknownScopeHint);
}
}
