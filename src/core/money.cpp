#include "core/money.hpp"

#include "core/errors.hpp"
#include "core/text_rules.hpp"

#include <limits>

namespace koba::core {

namespace {

constexpr int64_t kMaxUnits = kMaxCents / 100;  // 9999999999999999

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

// numeric_out writes NaN / Infinity / -Infinity; numeric_in also reads "inf" in any case.
bool is_non_finite(std::string_view unsigned_text) {
    return iequals(unsigned_text, "nan") || iequals(unsigned_text, "infinity") ||
           iequals(unsigned_text, "inf");
}

}  // namespace

ParsedAmount parse_amount(std::string_view text) noexcept {
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (is_non_finite(text)) return {AmountParse::NotFinite, 0};

    // Integer part. Stop accumulating once past kMaxUnits so huge inputs cannot overflow, but keep
    // scanning: a syntax error later in the text still wins over OutOfRange.
    int64_t units = 0;
    bool too_big = false;
    std::size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        if (!too_big) {
            units = units * 10 + (text[i] - '0');
            too_big = units > kMaxUnits;
        }
    }
    const std::size_t int_digits = i;

    // Fraction: the first two digits are cents, any further digit must be 0.
    int64_t fraction = 0;
    std::size_t frac_digits = 0;
    bool extra_nonzero = false;
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && is_digit(text[i]); ++i, ++frac_digits) {
            const int digit = text[i] - '0';
            if (frac_digits < 2) fraction = fraction * 10 + digit;
            else extra_nonzero = extra_nonzero || digit != 0;
        }
    }
    // Like numeric_in, "5." and ".5" are numbers; "." and "" are not.
    if (i != text.size() || int_digits + frac_digits == 0) return {AmountParse::Malformed, 0};
    if (extra_nonzero) return {AmountParse::TooManyDecimals, 0};
    if (too_big) return {AmountParse::OutOfRange, 0};

    if (frac_digits == 1) fraction *= 10;  // "1.5" is 150 cents
    const int64_t cents = units * 100 + fraction;
    return {AmountParse::Ok, negative ? -cents : cents};
}

std::string format_cents(int64_t cents) {
    // Work on the unsigned magnitude: -INT64_MIN does not fit in int64.
    const bool negative = cents < 0;
    const uint64_t magnitude =
        negative ? uint64_t{0} - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
    const uint64_t fraction = magnitude % 100;
    std::string out = negative ? "-" : "";
    out += std::to_string(magnitude / 100);
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    out += static_cast<char>('0' + fraction % 10);
    return out;
}

bool add_cents(int64_t a, int64_t b, int64_t* out) noexcept {
    // Check before adding so that the int64 addition itself can never overflow.
    if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) return false;
    if (b < 0 && a < std::numeric_limits<int64_t>::min() - b) return false;
    const int64_t sum = a + b;
    if (sum > kMaxCents || sum < -kMaxCents) return false;
    *out = sum;
    return true;
}

namespace {

// The cents of an amount of at least `min_cents` (0 or 1); BAD_AMOUNT naming `name` otherwise.
int64_t require_amount(std::string_view numeric_text, const std::string& name, int64_t min_cents) {
    const ParsedAmount parsed = parse_amount(numeric_text);
    switch (parsed.status) {
        case AmountParse::Ok:
            if (parsed.cents >= min_cents) return parsed.cents;
            throw Error(ErrorCode::BAD_AMOUNT, name + (min_cents > 0 ? " must be greater than 0." : " must not be negative."));
        case AmountParse::Malformed:
            throw Error(ErrorCode::BAD_AMOUNT,
                        name + " \"" + excerpt(numeric_text, 40) + "\" is not a decimal number.");
        case AmountParse::NotFinite:
            throw Error(ErrorCode::BAD_AMOUNT, name + " must be a finite number.");
        case AmountParse::TooManyDecimals:
            throw Error(ErrorCode::BAD_AMOUNT, name + " has more than 2 decimal places.");
        case AmountParse::OutOfRange:
            throw Error(ErrorCode::BAD_AMOUNT, name + " is out of range for numeric(18,2).");
    }
    throw Error(ErrorCode::BAD_AMOUNT);  // unreachable: every enumerator is handled above
}

}  // namespace

int64_t require_positive_amount(std::string_view numeric_text) { return require_amount(numeric_text, "amount", 1); }

int64_t require_limit_amount(std::string_view numeric_text, std::string_view name) {
    return require_amount(numeric_text, std::string(name), 0);
}

}  // namespace koba::core
