#include "core/text_rules.hpp"

#include "core/errors.hpp"

#include <cstdint>

namespace koba::core {

namespace {

bool is_ascii_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_control_byte(unsigned char c) { return c < 0x20 || c == 0x7f; }
char to_upper_ascii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }


// Number of code points, or npos if the text is not valid UTF-8.
std::size_t utf8_length(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) return std::string_view::npos;
        i += n;
    }
    return count;
}

bool is_domain_label_char(char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-'; }

bool is_local_part_char(char c) {
    // Printable ASCII without space and the characters that need quoting in RFC 5322.
    if (c <= ' ' || c > '~') return false;
    for (char bad : std::string_view("\"(),:;<>[]\\")) {
        if (c == bad) return false;
    }
    return c != '@';
}

bool valid_domain(std::string_view domain) {
    if (domain.find('.') == std::string_view::npos) return false;  // "localhost" is not accepted
    while (true) {
        const std::size_t dot = domain.find('.');
        const std::string_view label = domain.substr(0, dot);
        // An empty label means a dot at either end or two dots in a row.
        if (label.empty() || label.size() > 63) return false;
        if (label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
            if (!is_domain_label_char(c)) return false;
        }
        if (dot == std::string_view::npos) return true;
        domain.remove_prefix(dot + 1);
    }
}

bool valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64) return false;
    // Dot-atom form (RFC 5321): no dot at either end, no two dots in a row.
    if (local.front() == '.' || local.back() == '.') return false;
    if (local.find("..") != std::string_view::npos) return false;
    for (char c : local) {
        if (!is_local_part_char(c)) return false;
    }
    return true;
}

}  // namespace

std::string_view trim_ascii(std::string_view s) noexcept {
    while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string upper_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_upper_ascii(c);
    return out;
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Rules: 3..255 bytes; exactly one '@'; local part 1..64 chars of printable ASCII except space and
// "(),:;<>[]\ , no leading/trailing/double dot; domain of dot-separated labels [A-Za-z0-9-]{1,63}
// not starting or ending with '-', at least two labels. No IDN (use punycode), no IP literals.
bool looks_like_email(std::string_view text) noexcept {
    if (text.size() < 3 || text.size() > 255) return false;
    const std::size_t at = text.find('@');
    if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return false;
    return valid_local_part(text.substr(0, at)) && valid_domain(text.substr(at + 1));
}

bool is_currency_code(std::string_view text) noexcept {
    if (text.size() != 3) return false;
    for (char c : text) {
        if (c < 'A' || c > 'Z') return false;
    }
    return true;
}

std::vector<std::string> parse_currency_list(std::string_view csv) {
    std::vector<std::string> items;
    while (true) {
        const std::size_t comma = csv.find(',');
        std::string item = upper_ascii(trim_ascii(csv.substr(0, comma)));
        if (!item.empty()) items.push_back(std::move(item));
        if (comma == std::string_view::npos) return items;
        csv.remove_prefix(comma + 1);
    }
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) return 1;
    std::size_t len;
    std::uint32_t min_cp;
    std::uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, min_cp = 0x80, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, min_cp = 0x800, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, min_cp = 0x10000, cp = b0 & 0x07;
    } else {
        return 0;  // a continuation byte or 0xF8..0xFF cannot start a sequence
    }
    if (text.size() - i < len) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

bool valid_utf8(std::string_view text) noexcept {
    return utf8_length(text) != std::string_view::npos;
}

void require_text(std::string_view value, const char* field, std::size_t max_len, bool allow_empty) {
    const std::string name(field);
    if (value.empty() && allow_empty) return;
    // Only spaces counts as empty, like the tables' btrim(x) <> '' checks (other whitespace is a
    // control character, refused below).
    if (value.find_first_not_of(' ') == std::string_view::npos)
        throw Error(ErrorCode::INVALID_ARGUMENT, name + " must not be empty.");
    for (char c : value) {
        if (is_control_byte(static_cast<unsigned char>(c))) {
            throw Error(ErrorCode::INVALID_ARGUMENT, name + " contains control characters.");
        }
    }
    const std::size_t length = utf8_length(value);
    if (length == std::string_view::npos) {
        throw Error(ErrorCode::INVALID_ARGUMENT, name + " is not valid UTF-8.");
    }
    if (length > max_len) {
        throw Error(ErrorCode::INVALID_ARGUMENT,
                    name + " is longer than " + std::to_string(max_len) + " characters.");
    }
}

std::optional<int64_t> parse_row_id(std::string_view text) noexcept {
    if (text.empty() || text.size() > 19 || text[0] == '0') return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');  // 19 digits fit in uint64
    }
    if (value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(value);
}

std::string excerpt(std::string_view input, std::size_t max_chars) {
    std::string out;
    std::size_t chars = 0;
    std::size_t i = 0;
    for (; i < input.size() && chars < max_chars; ++chars) {
        const std::size_t n = utf8_sequence_length(input, i);
        if (n == 0 || is_control_byte(static_cast<unsigned char>(input[i]))) {
            out += '?';
            i += 1;
        } else {
            out.append(input.substr(i, n));
            i += n;
        }
    }
    if (i < input.size()) out += "...";
    return out;
}

}  // namespace koba::core
