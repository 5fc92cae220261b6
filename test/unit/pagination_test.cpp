#include "core/pagination.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace koba::core;
using koba::test::error_of;

TEST(PageLimit, DefaultsAndBounds) {
    EXPECT_EQ(page_limit(std::nullopt), 100);
    EXPECT_EQ(page_limit(1), 1);
    EXPECT_EQ(page_limit(1000), 1000);
    EXPECT_EQ(error_of([] { page_limit(0); }), ErrorCode::INVALID_LIMIT);
    EXPECT_EQ(error_of([] { page_limit(-5); }), ErrorCode::INVALID_LIMIT);
    EXPECT_EQ(error_of([] { page_limit(1001); }), ErrorCode::INVALID_LIMIT);
    EXPECT_EQ(error_of([] { page_limit(std::numeric_limits<int64_t>::max()); }), ErrorCode::INVALID_LIMIT);
}

TEST(Cursor, RoundTrips) {
    const std::vector<int64_t> one{42};
    EXPECT_EQ(decode_cursor("payments", 1, encode_cursor("payments", one)), one);
    const std::vector<int64_t> two{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
    EXPECT_EQ(decode_cursor("events", 2, encode_cursor("events", two)), two);
    const std::vector<int64_t> zero{0, -1};
    EXPECT_EQ(decode_cursor("e", 2, encode_cursor("e", zero)), zero);
}

TEST(Cursor, IsOpaqueUrlSafeText) {
    const std::string c = encode_cursor("payments", {123456789});
    EXPECT_EQ(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_EQ(c.find("payments"), std::string::npos);
}

TEST(Cursor, BelongsToOneListAndArity) {
    const std::string c = encode_cursor("payments", {7});
    EXPECT_EQ(error_of([&] { decode_cursor("escrows", 1, c); }), ErrorCode::INVALID_CURSOR);
    EXPECT_EQ(error_of([&] { decode_cursor("payment", 1, c); }), ErrorCode::INVALID_CURSOR);
    EXPECT_EQ(error_of([&] { decode_cursor("payments", 2, c); }), ErrorCode::INVALID_CURSOR);
    const std::string c2 = encode_cursor("payments", {7, 8});
    EXPECT_EQ(error_of([&] { decode_cursor("payments", 1, c2); }), ErrorCode::INVALID_CURSOR);
}

TEST(Cursor, RefusesAnythingElse) {
    for (const char* bad : {"", "!!!!", "abc=", "cGF5bWVudHM", "MTpwYXltZW50czo", "MTpwYXltZW50czp4"}) {
        EXPECT_EQ(error_of([&] { decode_cursor("payments", 1, bad); }), ErrorCode::INVALID_CURSOR) << bad;
    }
    // Another spelling of the same number is not a cursor encode_cursor writes.
    for (const char* plain : {"1:payments:+7", "1:payments:07", "1:payments:-0", "1:payments:7:", "2:payments:7"}) {
        std::string text;
        // encode the plain text as base64url by hand through a one-value cursor's alphabet
        const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        uint32_t acc = 0;
        int bits = 0;
        for (unsigned char ch : std::string(plain)) {
            acc = (acc << 8) | ch;
            bits += 8;
            while (bits >= 6) {
                bits -= 6;
                text.push_back(alphabet[(acc >> bits) & 0x3f]);
            }
        }
        if (bits > 0) text.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
        EXPECT_EQ(error_of([&] { decode_cursor("payments", 1, text); }), ErrorCode::INVALID_CURSOR) << plain;
    }
    EXPECT_EQ(error_of([] { decode_cursor("payments", 1, std::string(300, 'A')); }), ErrorCode::INVALID_CURSOR);
}
