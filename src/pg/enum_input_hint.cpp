#include "pg/enum_input_hint.hpp"

#include "pg/postgres.hpp"

#include <array>
#include <cstring>

namespace koba::pg {
namespace {

struct EnumHint {
    const char* schema;
    const char* type_name;
    const char* hint;
};

std::array<EnumHint, 4> hints{};
std::size_t hint_count = 0;
emit_log_hook_type previous_hook = nullptr;

// enum_in's message (utils/adt/enum.c), untranslated: message_id does not depend on lc_messages.
constexpr const char* kEnumInputMessage = "invalid input value for enum %s: \"%s\"";

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

// Does `message` name the type, as format_type_be prints it: "schema.type", or "type" alone
// (visible in the search_path), as a whole word?
bool names_type(const char* message, const EnumHint& entry) {
    const std::size_t type_len = std::strlen(entry.type_name);
    const std::size_t schema_len = std::strlen(entry.schema);
    for (const char* at = std::strstr(message, entry.type_name); at != nullptr;
         at = std::strstr(at + 1, entry.type_name)) {
        if (is_identifier_char(at[type_len])) continue;
        if (at == message || at[-1] == ' ') return true;
        if (at[-1] == '.' && static_cast<std::size_t>(at - message) > schema_len &&
            std::strncmp(at - 1 - schema_len, entry.schema, schema_len) == 0 &&
            (at - 1 - schema_len == message || at[-2 - static_cast<std::ptrdiff_t>(schema_len)] == ' ')) {
            return true;
        }
    }
    return false;
}

// Runs inside EmitErrorReport, in the error's memory context. Must not raise.
void add_enum_hint(ErrorData* edata) {
    if (edata->elevel >= ERROR && edata->sqlerrcode == ERRCODE_INVALID_TEXT_REPRESENTATION &&
        edata->hint == nullptr && edata->message_id != nullptr && edata->message != nullptr &&
        std::strcmp(edata->message_id, kEnumInputMessage) == 0) {
        for (std::size_t i = 0; i < hint_count; ++i) {
            if (names_type(edata->message, hints[i])) {
                // FreeErrorData pfree()s the hint: a copy in the error's own context, allocated
                // without raising (no hint rather than an error inside error reporting).
                const std::size_t size = std::strlen(hints[i].hint) + 1;
                void* copy = MemoryContextAllocExtended(edata->assoc_context, size, MCXT_ALLOC_NO_OOM);
                if (copy != nullptr) edata->hint = static_cast<char*>(std::memcpy(copy, hints[i].hint, size));
                break;
            }
        }
    }
    if (previous_hook != nullptr) previous_hook(edata);
}

}  // namespace

void hint_enum_input_errors(const char* schema, const char* type_name, const char* hint) noexcept {
    if (hint_count == hints.size()) return;
    hints[hint_count++] = EnumHint{schema, type_name, hint};
    if (hint_count == 1) {
        previous_hook = emit_log_hook;
        emit_log_hook = add_enum_hint;
    }
}

}  // namespace koba::pg
