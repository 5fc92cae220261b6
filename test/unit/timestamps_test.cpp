#include "core/errors.hpp"
#include "core/timestamps.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ctime>
#include <random>
#include <string>

using namespace koba::core;

namespace {

constexpr int64_t kS = 1000000;  // microseconds per second

void expect_micros(std::string_view text, int64_t micros) {
    const std::optional<int64_t> parsed = parse_iso8601_micros(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, micros) << text;
}

void expect_rejected(std::string_view text) {
    EXPECT_FALSE(parse_iso8601_micros(text).has_value()) << text;
}

void expect_same_instant(std::string_view a, std::string_view b) {
    const std::optional<int64_t> pa = parse_iso8601_micros(a);
    const std::optional<int64_t> pb = parse_iso8601_micros(b);
    ASSERT_TRUE(pa.has_value()) << a;
    ASSERT_TRUE(pb.has_value()) << b;
    EXPECT_EQ(*pa, *pb) << a << " vs " << b;
}

}  // namespace

TEST(Iso8601, KnownInstants) {
    expect_micros("1970-01-01T00:00:00Z", 0);
    expect_micros("1970-01-01T00:00:01Z", kS);
    expect_micros("1969-12-31T23:59:59Z", -kS);
    expect_micros("2000-01-01T00:00:00Z", 946684800 * kS);
    expect_micros("2023-11-14T22:13:20Z", 1700000000 * kS);
    expect_micros("0001-01-01T00:00:00Z", -62135596800 * kS);
    expect_micros("9999-12-31T23:59:59Z", 253402300799 * kS);
    expect_micros("9999-12-31T23:59:59.999999Z", 253402300799 * kS + 999999);
}

TEST(Iso8601, NaiveIsUtcAndSeparators) {
    expect_micros("2023-11-14T22:13:20", 1700000000 * kS);
    expect_micros("2023-11-14 22:13:20", 1700000000 * kS);
    expect_micros("2023-11-14t22:13:20z", 1700000000 * kS);
    expect_micros("2023-11-14 22:13:20Z", 1700000000 * kS);
}

TEST(Iso8601, ExifForm) {
    expect_micros("2023:11:14 22:13:20", 1700000000 * kS);
    expect_micros("2024:02:29 00:00:00", 1709164800 * kS);
    expect_rejected("2023:11:14T22:13:20");   // EXIF uses a space
    expect_rejected("2023:11:14 22:13:20Z");  // and carries no zone
    expect_rejected("2023:11:14 22:13:20.5");
    expect_rejected("2023:11-14 22:13:20");   // separators are not mixed
    expect_rejected("2023-11:14 22:13:20");
    expect_rejected("2023:02:30 10:00:00");
}

TEST(Iso8601, Fractions) {
    expect_micros("1970-01-01T00:00:00.5Z", 500000);
    expect_micros("1970-01-01T00:00:00.000001Z", 1);
    expect_micros("1970-01-01T00:00:00.123456Z", 123456);
    expect_micros("1970-01-01T00:00:00.1234567Z", 123456);    // truncated, not rounded
    expect_micros("1970-01-01T00:00:00.999999999Z", 999999);
    expect_micros("1969-12-31T23:59:59.5Z", -500000);
    expect_rejected("1970-01-01T00:00:00.1234567891Z");       // 10 digits
    expect_rejected("1970-01-01T00:00:00.Z");
    expect_rejected("1970-01-01T00:00:00.");
    expect_rejected("1970-01-01T00:00:00,5Z");
    // What Python's datetime.isoformat() writes (the reference tests' metadata).
    expect_micros("2025-11-13T10:00:00.123456+00:00", 1763028000 * kS + 123456);
}

TEST(Iso8601, Offsets) {
    expect_micros("1970-01-01T01:00:00+01:00", 0);
    expect_micros("1970-01-01T01:00:00+0100", 0);
    expect_micros("1970-01-01T01:00:00+01", 0);
    expect_micros("1969-12-31T23:00:00-01:00", 0);
    expect_micros("1970-01-01T05:30:00+05:30", 0);
    expect_micros("1969-12-31T20:15:00-0345", 0);
    expect_micros("1970-01-01T00:00:00-00:00", 0);
    expect_micros("1970-01-01T18:00:00+18:00", 0);
    expect_micros("1969-12-31T06:00:00-18:00", 0);
    expect_rejected("1970-01-01T00:00:00+18:01");
    expect_rejected("1970-01-01T00:00:00-19");
    expect_rejected("1970-01-01T00:00:00+05:60");
    expect_rejected("1970-01-01T00:00:00+5");
    expect_rejected("1970-01-01T00:00:00+053");
    expect_rejected("1970-01-01T00:00:00+05:3");
    expect_rejected("1970-01-01T00:00:00+05:");
    expect_rejected("1970-01-01T00:00:00+");
    expect_rejected("1970-01-01T00:00:00 +01:00");
    expect_rejected("1970-01-01T00:00:00+01:00Z");
    expect_rejected("1970-01-01T00:00:00UTC");
}

TEST(Iso8601, OffsetsCrossMidnightMonthsAndYears) {
    expect_same_instant("2025-01-01T00:30:00+01:00", "2024-12-31T23:30:00Z");
    expect_same_instant("2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00Z");
    expect_same_instant("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z");
    expect_same_instant("2023-03-01T00:30:00+01:00", "2023-02-28T23:30:00Z");
    expect_same_instant("2024-02-28T23:30:00-01:00", "2024-02-29T00:30:00Z");
    expect_same_instant("2024-06-30T20:00:00-18:00", "2024-07-01T14:00:00Z");
    // The written fields are checked, not the UTC instant they lead to.
    expect_micros("0001-01-01T00:00:00+01:00", -62135596800 * kS - 3600 * kS);
    expect_micros("9999-12-31T23:59:59-01:00", 253402300799 * kS + 3600 * kS);
}

TEST(Iso8601, CalendarRules) {
    expect_micros("2024-02-29T00:00:00Z", 1709164800 * kS);  // divisible by 4
    expect_micros("2000-02-29T00:00:00Z", 951782400 * kS);   // divisible by 400
    expect_rejected("2023-02-29T00:00:00Z");
    expect_rejected("1900-02-29T00:00:00Z");                 // divisible by 100, not 400
    expect_rejected("2100-02-29T00:00:00Z");
    expect_rejected("2026-02-30T00:00:00Z");
    expect_rejected("2026-04-31T00:00:00Z");
    expect_rejected("2026-06-31T00:00:00Z");
    expect_rejected("2026-09-31T00:00:00Z");
    expect_rejected("2026-11-31T00:00:00Z");
    expect_micros("2026-12-31T00:00:00Z", 1798675200 * kS);
    expect_rejected("2026-12-32T00:00:00Z");
    expect_rejected("2026-13-01T00:00:00Z");
    expect_rejected("2026-00-01T00:00:00Z");
    expect_rejected("2026-01-00T00:00:00Z");
    expect_rejected("0000-01-01T00:00:00Z");
}

TEST(Iso8601, TimeOfDayRanges) {
    expect_micros("1970-01-01T23:59:59Z", 86399 * kS);
    expect_rejected("1970-01-01T24:00:00Z");
    expect_rejected("1970-01-01T23:60:00Z");
    expect_rejected("1970-01-01T23:59:60Z");  // no leap seconds
}

TEST(Iso8601, ShapeIsStrict) {
    for (const char* text : {
             "", "2023", "2023-11-14", "2023-11-14T", "2023-11-14T22:13", "2023-11-14T22:13Z",
             "2023-11-14T22", "20231114T221320Z", "2023-11-14T221320", "23-11-14T22:13:20",
             "+2023-11-14T22:13:20", "-2023-11-14T22:13:20", "12023-11-14T22:13:20",
             "2023-1-14T22:13:20", "2023-11-4T22:13:20", "2023-11-14T2:13:20", "2023-11-14T22:3:20",
             "2023-11-14T22:13:2", "2023/11/14T22:13:20", "2023-11-14X22:13:20",
             "2023-11-14  22:13:20", "2023-11-14T22:13:20 ", " 2023-11-14T22:13:20",
             "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20\n", "2023-11-14T22.13.20",
             "2023-11-14T22:13:20.+01:00", "2023-11-14T22:13:20+01:00:00", "abcd-ef-ghTij:kl:mn",
             "２０２３-11-14T22:13:20", "2023-11-14T22:13:20ZZ", "2023-11-14T22:13:2O"}) {
        expect_rejected(text);
    }
    expect_rejected(std::string_view("2023-11-14T22:13:20\0", 20));
}

// Every valid field combination agrees with the C library's timegm on a random sample.
TEST(Iso8601, AgreesWithTimegm) {
    std::mt19937_64 rng(20240229);
    for (int i = 0; i < 20000; ++i) {
        const int year = 1 + static_cast<int>(rng() % 9999);
        const int month = 1 + static_cast<int>(rng() % 12);
        const int day = 1 + static_cast<int>(rng() % 31);
        const int hour = static_cast<int>(rng() % 24);
        const int minute = static_cast<int>(rng() % 60);
        const int second = static_cast<int>(rng() % 60);
        const int off_min = static_cast<int>(rng() % (2 * 18 * 60 + 1)) - 18 * 60;
        char text[64];
        std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year, month,
                      day, hour, minute, second, off_min < 0 ? '-' : '+', std::abs(off_min) / 60,
                      std::abs(off_min) % 60);
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        const int64_t expected = static_cast<int64_t>(timegm(&tm)) - off_min * 60;
        const bool real_date = tm.tm_mday == day;  // timegm normalises 31 April to 1 May
        const std::optional<int64_t> parsed = parse_iso8601_micros(text);
        if (!real_date) {
            EXPECT_FALSE(parsed.has_value()) << text;
            continue;
        }
        ASSERT_TRUE(parsed.has_value()) << text;
        EXPECT_EQ(*parsed, expected * kS) << text;
    }
}

TEST(Horizon, TenYearsAheadAndNoMore) {
    const int64_t now = 1700000000 * kMicrosPerSecond;
    EXPECT_NO_THROW(require_within_horizon(now, now, "deadline_at"));
    EXPECT_NO_THROW(require_within_horizon(now - 100 * kHorizonMicros, now, "deadline_at"));  // the past: not this rule
    EXPECT_NO_THROW(require_within_horizon(now + kHorizonMicros, now, "deadline_at"));       // the bound itself
    try {
        require_within_horizon(now + kHorizonMicros + 1, now, "deadline_at");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(std::string(e.detail()).find("deadline_at"), std::string::npos);
    }
    EXPECT_THROW(require_within_horizon(std::numeric_limits<int64_t>::max(), now, "x"), Error);
    EXPECT_EQ(kHorizonMicros, int64_t{3653} * 86400 * kMicrosPerSecond);  // the longest 10 calendar years
}
