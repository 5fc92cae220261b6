// A HINT on PostgreSQL's own "invalid input value for enum" error, for Kobatela's enums.
//
// An enum argument (create_api_key's scope) is converted by PostgreSQL before Kobatela's code
// runs, so a typo gets PostgreSQL's error (22P02), which does not say what the valid values are.
// The server's emit_log_hook sees each error as it is reported to the client and the log; there
// the hook adds the HINT, once, when the error is about one of the enums registered here and has
// no hint yet. It changes nothing else.
//
// Limits, by PostgreSQL's design: an error caught by a PL/pgSQL EXCEPTION block is never reported,
// so it keeps no hint; and the hook is not called for an error that log_min_messages keeps out of
// the server log (log_min_messages = log, fatal or panic).
#pragma once

namespace koba::pg {

// From _PG_init. `type_name` is the enum's unqualified name, `schema` its schema: the error
// names the type qualified unless the session's search_path makes it visible. Both strings and
// `hint` must live as long as the process (string literals). Up to four enums.
void hint_enum_input_errors(const char* schema, const char* type_name, const char* hint) noexcept;

}  // namespace koba::pg
