// Input rules for user-supplied text: e-mail shape, currency codes, UTF-8, bounded text fields,
// and a safe excerpt of user input for error details.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

// A pragmatic e-mail check in the spirit of HTML5's <input type=email>, not full RFC 5322:
// no quoted local parts, comments or IP-literal domains. See text_rules.cpp for the exact rules.
bool looks_like_email(std::string_view text) noexcept;

// Exactly three ASCII upper-case letters ("USD").
bool is_currency_code(std::string_view text) noexcept;

// ASCII whitespace trimmed from both ends; ASCII letters upper- or lower-cased (codes, levels,
// decisions and sources are ASCII words; other bytes are left alone).
std::string_view trim_ascii(std::string_view s) noexcept;
std::string upper_ascii(std::string_view s);
std::string lower_ascii(std::string_view s);

// The codes of a comma-separated list, trimmed and upper-cased, empty items dropped (the
// deprecated kobatela.currencies setting's check; accepted codes are core/currencies.hpp's).
std::vector<std::string> parse_currency_list(std::string_view csv);

// Length in bytes of the well-formed UTF-8 sequence starting at text[i] (i < text.size()), or 0
// if it is malformed: truncated, bad continuation byte, overlong, surrogate, or beyond U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

// Strict UTF-8: rejects overlong forms, surrogates (U+D800..U+DFFF) and code points > U+10FFFF.
bool valid_utf8(std::string_view text) noexcept;

// Checks a bounded text argument; throws Error(INVALID_ARGUMENT) with a detail naming `field` when
// it is empty (unless allow_empty), contains a control byte (< 0x20 or 0x7f), is not valid UTF-8,
// or has more than max_len code points.
void require_text(std::string_view value, const char* field, std::size_t max_len,
                  bool allow_empty = false);

// A row id written as decimal digits only (no sign, no spaces, no leading zero): 1 to INT64_MAX;
// anything else gives nullopt.
std::optional<int64_t> parse_row_id(std::string_view text) noexcept;

// User input made safe to echo in an error detail: at most max_chars code points (then "..."),
// control characters and invalid UTF-8 bytes replaced by '?'.
std::string excerpt(std::string_view input, std::size_t max_chars);

}  // namespace koba::core
