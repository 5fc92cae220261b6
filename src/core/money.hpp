// Exact money for numeric(18,2): int64 minor units (cents). Sums stay exact and cheap, and every
// numeric(18,2) value fits, so the bridge converts numeric text <-> cents at the boundary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace koba::core {

// 9999999999999999.99, the largest numeric(18,2) value.
constexpr int64_t kMaxCents = 999999999999999999;

enum class AmountParse { Ok, Malformed, NotFinite, TooManyDecimals, OutOfRange };

struct ParsedAmount {
    AmountParse status;
    int64_t cents;  // meaningful only when status == Ok
};

// Parses PostgreSQL numeric_out text: [+-]digits[.digits]. "NaN", "Infinity", "-Infinity" give
// NotFinite; exponents, spaces and anything else give Malformed. Decimals beyond the second must be
// zeros. The sign is kept: positivity is the caller's rule.
ParsedAmount parse_amount(std::string_view text) noexcept;

// "-0.05", "0.00", "123.45": always two decimals. Defined for every int64, INT64_MIN included.
std::string format_cents(int64_t cents);

// *out = a + b; false (and *out untouched) if the sum leaves [-kMaxCents, kMaxCents].
bool add_cents(int64_t a, int64_t b, int64_t* out) noexcept;

// The cents of a strictly positive amount; throws Error(BAD_AMOUNT) with a specific detail otherwise.
int64_t require_positive_amount(std::string_view numeric_text);

// The cents of a limit: 0 or more (0 allows nothing); throws Error(BAD_AMOUNT) naming `name`.
int64_t require_limit_amount(std::string_view numeric_text, std::string_view name);

}  // namespace koba::core
