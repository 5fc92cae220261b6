#include "context/readiness.hpp"

#include "core/errors.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "commands/extension.h"
}

#ifndef KOBATELA_VERSION
#error "KOBATELA_VERSION must be defined by the build (the Makefile passes kobatela.control's default_version)"
#endif

namespace koba::context {

namespace {

bool g_preloaded = false;
bool g_version_matches = false;  // once true, true for the backend's life: versions only change by
                                 // ALTER EXTENSION UPDATE, which the matching library made possible

constexpr const char* kPreloadHint =
    "Add kobatela to shared_preload_libraries in postgresql.conf (e.g. shared_preload_libraries = "
    "'pg_cron,kobatela') and restart the server.";

// The version of this database's extension scripts (pg_extension.extversion).
std::optional<std::string> schema_version() {
    static pg::Statement select{"SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'kobatela'", {}};
    pg::Spi spi;
    const pg::Result r = spi.run(select);
    if (r.empty()) return std::nullopt;
    return r.text(0, 1);
}

struct Problem {
    core::ErrorCode code;
    std::string detail;
    std::string hint;
};

std::optional<Problem> problem() {
    if (!g_preloaded)
        return Problem{core::ErrorCode::LIBRARY_NOT_PRELOADED,
                       "Kobatela's library was loaded on first use, not from shared_preload_libraries.", kPreloadHint};
    if (g_version_matches || pg::pg_call([] { return creating_extension; })) return std::nullopt;
    const std::optional<std::string> installed = schema_version();
    if (installed == std::string(KOBATELA_VERSION)) {
        g_version_matches = true;
        return std::nullopt;
    }
    const std::string detail = "This database's Kobatela is " + installed.value_or("not installed") +
                               "; the server's library is " + KOBATELA_VERSION + ".";
    return Problem{core::ErrorCode::EXTENSION_VERSION_MISMATCH, detail,
                   "Run ALTER EXTENSION kobatela UPDATE in this database (or install the library of the "
                   "database's version)."};
}

}  // namespace

void note_library_load(bool preloaded) { g_preloaded = preloaded; }

const char* library_version() { return KOBATELA_VERSION; }

void require_ready() {
    if (g_preloaded && g_version_matches) return;  // the common case: two reads
    if (std::optional<Problem> p = problem()) throw core::Error(p->code, p->detail, p->hint);
}

std::optional<std::string> readiness_problem() {
    if (std::optional<Problem> p = problem()) return p->detail + " " + p->hint;
    return std::nullopt;
}

}  // namespace koba::context
