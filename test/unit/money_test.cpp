#include "core/money.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace koba::core;

namespace {

void expect_cents(std::string_view text, int64_t cents) {
    const ParsedAmount p = parse_amount(text);
    EXPECT_EQ(p.status, AmountParse::Ok) << text;
    EXPECT_EQ(p.cents, cents) << text;
}

void expect_status(std::string_view text, AmountParse status) {
    EXPECT_EQ(parse_amount(text).status, status) << text;
}

// The detail of the BAD_AMOUNT error thrown for text.
std::string bad_amount_detail(std::string_view text) {
    try {
        require_positive_amount(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BAD_AMOUNT);
        return e.detail();
    }
    ADD_FAILURE() << "no error for " << text;
    return {};
}

}  // namespace

TEST(ParseAmount, PlainValues) {
    expect_cents("0", 0);
    expect_cents("0.00", 0);
    expect_cents("1", 100);
    expect_cents("1.5", 150);
    expect_cents("1.05", 105);
    expect_cents("123.45", 12345);
    expect_cents("100.00", 10000);
    expect_cents("007.10", 710);
}

TEST(ParseAmount, SignsAreKept) {
    expect_cents("-0.05", -5);
    expect_cents("+12.30", 1230);
    expect_cents("-100", -10000);
    expect_cents("-0", 0);
}

TEST(ParseAmount, NumericInShorthands) {
    expect_cents("5.", 500);
    expect_cents(".5", 50);
    expect_cents("-.05", -5);
}

TEST(ParseAmount, TrailingZeroDecimalsAreAccepted) {
    expect_cents("10.500", 1050);
    expect_cents("10.5000000000000000000000000000", 1050);
    expect_cents("0.010", 1);
}

TEST(ParseAmount, TooManyDecimals) {
    expect_status("10.005", AmountParse::TooManyDecimals);
    expect_status("0.001", AmountParse::TooManyDecimals);
    expect_status("1.0000000000000000000001", AmountParse::TooManyDecimals);
}

TEST(ParseAmount, Boundaries) {
    expect_cents("9999999999999999.99", kMaxCents);
    expect_cents("-9999999999999999.99", -kMaxCents);
    expect_cents("9999999999999999.990", kMaxCents);
    expect_cents("0009999999999999999.99", kMaxCents);  // leading zeros do not count as digits
    expect_status("10000000000000000", AmountParse::OutOfRange);
    expect_status("10000000000000000.00", AmountParse::OutOfRange);
    expect_status("-10000000000000000", AmountParse::OutOfRange);
    expect_status("99999999999999999.99", AmountParse::OutOfRange);
    expect_status("9223372036854775807", AmountParse::OutOfRange);
    expect_status("18446744073709551616", AmountParse::OutOfRange);
}

TEST(ParseAmount, HugeInputsDoNotOverflow) {
    expect_status(std::string(1000, '9'), AmountParse::OutOfRange);
    expect_status("-" + std::string(100000, '9') + ".99", AmountParse::OutOfRange);
    expect_cents(std::string(1000, '0') + "1.25", 125);
    expect_cents("1." + std::string(100000, '0'), 100);
    expect_status(std::string(1000, '9') + "x", AmountParse::Malformed);
}

TEST(ParseAmount, NotFinite) {
    for (const char* t : {"NaN", "Infinity", "-Infinity", "+Infinity", "nan", "inf", "-inf"}) {
        expect_status(t, AmountParse::NotFinite);
    }
}

TEST(ParseAmount, Malformed) {
    for (const char* t : {"", "-", "+", ".", "-.", "1e5", "1E5", "1.5e2", " 1", "1 ", "1,00",
                          "1.2.3", "--1", "+-1", "abc", "0x10", "1_000", "١", "NaNa", "Infinityx",
                          "12.3a", "\t5"}) {
        expect_status(t, AmountParse::Malformed);
    }
    expect_status(std::string_view("1\0" "2", 3), AmountParse::Malformed);
}

TEST(FormatCents, Basics) {
    EXPECT_EQ(format_cents(0), "0.00");
    EXPECT_EQ(format_cents(5), "0.05");
    EXPECT_EQ(format_cents(-5), "-0.05");
    EXPECT_EQ(format_cents(100), "1.00");
    EXPECT_EQ(format_cents(12345), "123.45");
    EXPECT_EQ(format_cents(-12345), "-123.45");
    EXPECT_EQ(format_cents(kMaxCents), "9999999999999999.99");
    EXPECT_EQ(format_cents(-kMaxCents), "-9999999999999999.99");
}

TEST(FormatCents, Int64Extremes) {
    EXPECT_EQ(format_cents(std::numeric_limits<int64_t>::max()), "92233720368547758.07");
    EXPECT_EQ(format_cents(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
}

TEST(FormatCents, RoundTripsThroughParse) {
    for (int64_t c : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{99}, int64_t{-100}, int64_t{123456789},
                      kMaxCents, -kMaxCents}) {
        expect_cents(format_cents(c), c);
    }
}

TEST(AddCents, InRange) {
    int64_t out = -1;
    EXPECT_TRUE(add_cents(150, 250, &out));
    EXPECT_EQ(out, 400);
    EXPECT_TRUE(add_cents(kMaxCents - 1, 1, &out));
    EXPECT_EQ(out, kMaxCents);
    EXPECT_TRUE(add_cents(-kMaxCents, 0, &out));
    EXPECT_EQ(out, -kMaxCents);
    EXPECT_TRUE(add_cents(kMaxCents, -kMaxCents, &out));
    EXPECT_EQ(out, 0);
}

TEST(AddCents, OutOfRangeLeavesOutputUntouched) {
    int64_t out = 42;
    EXPECT_FALSE(add_cents(kMaxCents, 1, &out));
    EXPECT_FALSE(add_cents(-kMaxCents, -1, &out));
    EXPECT_FALSE(add_cents(kMaxCents, kMaxCents, &out));
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    EXPECT_FALSE(add_cents(kMax, kMax, &out));  // would overflow int64 itself
    EXPECT_FALSE(add_cents(kMin, kMin, &out));
    EXPECT_FALSE(add_cents(kMax, 1, &out));
    EXPECT_FALSE(add_cents(kMin, -1, &out));
    EXPECT_FALSE(add_cents(kMax, 0, &out));
    EXPECT_EQ(out, 42);
    EXPECT_TRUE(add_cents(kMax, kMin + 1, &out));  // operands out of range, sum 0 in range
    EXPECT_EQ(out, 0);
}

TEST(RequirePositiveAmount, Accepts) {
    EXPECT_EQ(require_positive_amount("0.01"), 1);
    EXPECT_EQ(require_positive_amount("100"), 10000);
    EXPECT_EQ(require_positive_amount("9999999999999999.99"), kMaxCents);
}

TEST(RequirePositiveAmount, DetailPerCase) {
    EXPECT_EQ(bad_amount_detail("0"), "amount must be greater than 0.");
    EXPECT_EQ(bad_amount_detail("0.00"), "amount must be greater than 0.");
    EXPECT_EQ(bad_amount_detail("-5"), "amount must be greater than 0.");
    EXPECT_EQ(bad_amount_detail("1.001"), "amount has more than 2 decimal places.");
    EXPECT_EQ(bad_amount_detail("10000000000000000"), "amount is out of range for numeric(18,2).");
    EXPECT_EQ(bad_amount_detail("NaN"), "amount must be a finite number.");
    EXPECT_EQ(bad_amount_detail("-Infinity"), "amount must be a finite number.");
    EXPECT_EQ(bad_amount_detail("abc"), "amount \"abc\" is not a decimal number.");
    EXPECT_EQ(bad_amount_detail(""), "amount \"\" is not a decimal number.");
}

TEST(RequirePositiveAmount, LongOrHostileInputIsTruncatedInDetail) {
    const std::string detail = bad_amount_detail(std::string(1000, 'x'));
    EXPECT_EQ(detail, "amount \"" + std::string(40, 'x') + "...\" is not a decimal number.");
    EXPECT_EQ(bad_amount_detail("1\n2"), "amount \"1?2\" is not a decimal number.");
}
