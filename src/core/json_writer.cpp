#include "core/json_writer.hpp"

#include "core/money.hpp"
#include "core/text_rules.hpp"

namespace koba::core {

namespace {

void append_escaped_ascii(std::string& out, unsigned char c) {
    switch (c) {
        case '"': out += "\\\""; return;
        case '\\': out += "\\\\"; return;
        case '\b': out += "\\b"; return;
        case '\f': out += "\\f"; return;
        case '\n': out += "\\n"; return;
        case '\r': out += "\\r"; return;
        case '\t': out += "\\t"; return;
        default: break;
    }
    if (c < 0x20) {
        static constexpr char kDigits[] = "0123456789abcdef";
        out += "\\u00";
        out += kDigits[c >> 4];
        out += kDigits[c & 0x0F];
    } else {
        out += static_cast<char>(c);
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            out += "\\ufffd";
            i += 1;
        } else if (n == 1) {
            append_escaped_ascii(out, static_cast<unsigned char>(s[i]));
            i += 1;
        } else {
            out.append(s.substr(i, n));  // multi-byte sequences never need escaping
            i += n;
        }
    }
    out += '"';
}

JsonObject& JsonObject::add_member(std::string_view key, std::string_view json_value) {
    if (!members_.empty()) members_ += ',';
    append_json_string(members_, key);
    members_ += ':';
    members_ += json_value;
    return *this;
}

JsonObject& JsonObject::add(std::string_view key, std::string_view string_value) {
    std::string quoted;
    append_json_string(quoted, string_value);
    return add_member(key, quoted);
}

JsonObject& JsonObject::add_raw(std::string_view key, std::string_view raw_json_text) {
    return add_member(key, raw_json_text);
}

JsonObject& JsonObject::add_int(std::string_view key, int64_t value) {
    return add_member(key, std::to_string(value));
}

JsonObject& JsonObject::add_bool(std::string_view key, bool value) {
    return add_member(key, value ? "true" : "false");
}

JsonObject& JsonObject::add_null(std::string_view key) { return add_member(key, "null"); }

JsonObject& JsonObject::add_money(std::string_view key, int64_t cents) {
    return add(key, format_cents(cents));
}

std::string JsonObject::str() const { return "{" + members_ + "}"; }

}  // namespace koba::core
