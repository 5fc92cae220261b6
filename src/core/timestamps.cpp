#include "core/timestamps.hpp"

#include "core/errors.hpp"

#include <cstddef>

namespace koba::core {

namespace {

// Reads a cursor over the text; every reader returns false, and may leave pos anywhere, on failure.
class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ == text_.size(); }
    bool peek_is(char c) const { return !at_end() && text_[pos_] == c; }
    bool peek_digit() const { return !at_end() && is_digit(text_[pos_]); }

    bool take(char c) {
        if (!peek_is(c)) return false;
        ++pos_;
        return true;
    }

    // Exactly n digits.
    bool number(std::size_t n, int* value) {
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!peek_digit()) return false;
            v = v * 10 + (text_[pos_++] - '0');
        }
        *value = v;
        return true;
    }

    // ".ddd" with 1 to 9 digits, as microseconds (digits beyond the sixth truncated); absent = 0.
    bool fraction(int64_t* micros) {
        *micros = 0;
        if (!take('.')) return true;
        std::size_t n = 0;
        for (; peek_digit(); ++n) {
            const int digit = text_[pos_++] - '0';
            if (n < 6) *micros = *micros * 10 + digit;
        }
        if (n == 0 || n > 9) return false;
        for (; n < 6; ++n) *micros *= 10;
        return true;
    }

    // Z, z, +HH:MM, +HHMM, +HH (or '-'); absent = UTC. *seconds is what to add to local time to get
    // UTC, i.e. minus the offset.
    bool zone(int64_t* seconds) {
        *seconds = 0;
        if (at_end() || take('Z') || take('z')) return true;
        int sign = 0;
        if (take('+')) sign = 1;
        else if (take('-')) sign = -1;
        else return false;
        int hours = 0;
        int minutes = 0;
        if (!number(2, &hours)) return false;
        if (take(':')) {
            if (!number(2, &minutes)) return false;
        } else if (peek_digit() && !number(2, &minutes)) {
            return false;
        }
        if (minutes > 59 || hours * 60 + minutes > 18 * 60) return false;
        *seconds = -sign * (hours * 3600 + minutes * 60);
        return true;
    }

private:
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }
    std::string_view text_;
    std::size_t pos_ = 0;
};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                  // [0, 399]
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          // [0, 146096]
    return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<int64_t> parse_iso8601_micros(std::string_view text) noexcept {
    Cursor in(text);
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!in.number(4, &year)) return std::nullopt;
    const bool exif = in.peek_is(':');
    const char date_sep = exif ? ':' : '-';
    if (!in.take(date_sep) || !in.number(2, &month) || !in.take(date_sep) || !in.number(2, &day))
        return std::nullopt;
    if (!(exif ? in.take(' ') : in.take('T') || in.take('t') || in.take(' '))) return std::nullopt;
    if (!in.number(2, &hour) || !in.take(':') || !in.number(2, &minute) || !in.take(':') ||
        !in.number(2, &second))
        return std::nullopt;
    int64_t micros = 0;
    int64_t zone_seconds = 0;
    if (!exif && (!in.fraction(&micros) || !in.zone(&zone_seconds))) return std::nullopt;
    if (!in.at_end()) return std::nullopt;

    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    const int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                            second + zone_seconds;
    return seconds * kMicrosPerSecond + micros;
}

}  // namespace koba::core

namespace koba::core {

void require_within_horizon(int64_t at, int64_t now, const char* name) {
    if (at > now && at - now > kHorizonMicros)
        throw Error(ErrorCode::INVALID_ARGUMENT,
                    std::string(name) + " lies more than 10 years ahead; Kobatela takes dates up to 10 years from now.");
}

}  // namespace koba::core
