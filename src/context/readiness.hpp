// Whether Kobatela can serve calls in this backend: its library was loaded from
// shared_preload_libraries (the settings it defines then exist, guarded, before any session can
// set or read placeholders of them), and this database's extension scripts are at the version the
// library was built for (a library newer than the SQL would run statements against tables that do
// not have their columns yet). Every gated entry point checks it first (pg::set_entry_gate);
// health() reports it.
#pragma once

#include <optional>
#include <string>

namespace koba::context {

// From _PG_init: whether the library is being loaded by shared_preload_libraries.
void note_library_load(bool preloaded);

// The library's version (default_version of kobatela.control when it was built).
const char* library_version();

// LIBRARY_NOT_PRELOADED or EXTENSION_VERSION_MISMATCH, each with a HINT saying how to fix it.
// Passes while an extension script runs (CREATE or ALTER EXTENSION: the upgrade itself).
void require_ready();

// What require_ready would refuse, as a sentence; nothing when ready.
std::optional<std::string> readiness_problem();

}  // namespace koba::context
