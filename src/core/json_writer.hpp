// A tiny builder for compact JSON objects, handed to PostgreSQL as jsonb input text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace koba::core {

// Members keep insertion order; duplicate keys are not detected (jsonb keeps the last one).
class JsonObject {
public:
    JsonObject& add(std::string_view key, std::string_view string_value);
    // raw_json_text is inserted verbatim: the caller guarantees it is one valid JSON value.
    JsonObject& add_raw(std::string_view key, std::string_view raw_json_text);
    JsonObject& add_int(std::string_view key, int64_t value);
    JsonObject& add_bool(std::string_view key, bool value);
    JsonObject& add_null(std::string_view key);
    // As a JSON string with two decimals ("12.50"), so no float rounding can creep in.
    JsonObject& add_money(std::string_view key, int64_t cents);

    std::string str() const;

private:
    JsonObject& add_member(std::string_view key, std::string_view json_value);
    std::string members_;  // "k":v,"k":v without the braces
};

// Appends s as a JSON string literal (RFC 8259): quotes, backslash and control characters escaped,
// valid UTF-8 kept as is, invalid bytes replaced by \ufffd (jsonb would reject them).
void append_json_string(std::string& out, std::string_view s);

}  // namespace koba::core
