#include "core/text_rules.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

template <typename F>
std::string error_detail(ErrorCode expected, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), expected);
        return e.detail();
    }
    ADD_FAILURE() << "no error thrown";
    return {};
}

std::string text_error(std::string_view value, std::size_t max_len, bool allow_empty = false) {
    return error_detail(ErrorCode::INVALID_ARGUMENT,
                        [&] { require_text(value, "label", max_len, allow_empty); });
}

}  // namespace

TEST(Email, Accepts) {
    for (const char* ok : {"a@b.co", "alice@example.com", "first.last@sub.example.org",
                           "x+tag@ex-ample.io", "o'neil@example.com", "UPPER@EXAMPLE.COM",
                           "a_b!#$%&*/=?^`{|}~@x1.y2", "1@2.3"}) {
        EXPECT_TRUE(looks_like_email(ok)) << ok;
    }
}

TEST(Email, Rejects) {
    for (const char* bad :
         {"", "a", "a@", "@b.co", "ab.co", "a@@b.co", "a@b@c.co", "a@localhost", "a@.b.co",
          "a@b.co.", "a@b..co", "a..b@c.co", ".a@b.co", "a.@b.co", "a b@c.co", "a@b c.co",
          "a@-b.co", "a@b-.co", "a@b_c.co", "\"a\"@b.co", "a(b)@c.co", "a,b@c.co", "a:b@c.co",
          "a;b@c.co", "<a>@b.co", "a[b]@c.co", "a\\b@c.co", "a\t@b.co", "a@b.co\n", "\x7f@b.co",
          "é@b.co", "a@é.co", "a@[127.0.0.1]"}) {
        EXPECT_FALSE(looks_like_email(bad)) << bad;
    }
    EXPECT_FALSE(looks_like_email(std::string_view("a\0b@c.co", 8)));
}

TEST(Email, LengthLimits) {
    const std::string local64(64, 'a');
    EXPECT_TRUE(looks_like_email(local64 + "@b.co"));
    EXPECT_FALSE(looks_like_email(local64 + "a@b.co"));

    const std::string label63(63, 'b');
    EXPECT_TRUE(looks_like_email("a@" + label63 + ".co"));
    EXPECT_FALSE(looks_like_email("a@" + label63 + "b.co"));

    // 255 bytes total is the ceiling: a@ + 63.63.63.61 labels.
    const std::string at_255 = "a@" + label63 + "." + label63 + "." + label63 + "." + std::string(61, 'c');
    ASSERT_EQ(at_255.size(), 255u);
    EXPECT_TRUE(looks_like_email(at_255));
    EXPECT_FALSE(looks_like_email(at_255 + "c"));
    EXPECT_FALSE(looks_like_email(std::string(100000, 'a') + "@b.co"));
}

TEST(Currency, IsCurrencyCode) {
    EXPECT_TRUE(is_currency_code("USD"));
    EXPECT_TRUE(is_currency_code("XOF"));
    for (const char* bad : {"", "US", "USDD", "usd", "Usd", "U1D", "US ", "ÉUR"}) {
        EXPECT_FALSE(is_currency_code(bad)) << bad;
    }
}

TEST(Utf8, Valid) {
    for (const char* ok : {"", "ascii", "é", "€", "𝄞", "\xF4\x8F\xBF\xBF" /* U+10FFFF */,
                           "\xED\x9F\xBF" /* U+D7FF */, "\xEE\x80\x80" /* U+E000 */}) {
        EXPECT_TRUE(valid_utf8(ok)) << ok;
    }
    EXPECT_TRUE(valid_utf8(std::string_view("\0", 1)));
}

TEST(Utf8, Invalid) {
    for (const char* bad : {
             "\x80",              // lone continuation
             "\xC3",              // truncated
             "\xC3\x28",          // bad continuation
             "\xC0\xAF",          // overlong '/'
             "\xC1\xBF",          // overlong
             "\xE0\x80\xAF",      // overlong
             "\xF0\x80\x80\xAF",  // overlong
             "\xED\xA0\x80",      // U+D800 surrogate
             "\xED\xBF\xBF",      // U+DFFF surrogate
             "\xF4\x90\x80\x80",  // U+110000
             "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "abc\xE2\x82",
         }) {
        EXPECT_FALSE(valid_utf8(bad)) << bad;
    }
}

TEST(RequireText, Accepts) {
    EXPECT_NO_THROW(require_text("hello", "label", 5));
    EXPECT_NO_THROW(require_text("ééééé", "label", 5));  // 10 bytes, 5 code points
    EXPECT_NO_THROW(require_text("", "label", 5, true));
    EXPECT_NO_THROW(require_text(std::string(100000, 'x'), "label", 100000));
}

TEST(RequireText, RejectsWithDetail) {
    EXPECT_EQ(text_error("", 5), "label must not be empty.");
    EXPECT_EQ(text_error("   ", 5), "label must not be empty.");
    EXPECT_EQ(text_error("toolong", 5), "label is longer than 5 characters.");
    EXPECT_EQ(text_error("éééééé", 5), "label is longer than 5 characters.");
    EXPECT_EQ(text_error("a\tb", 5), "label contains control characters.");
    EXPECT_EQ(text_error("a\x7f", 5), "label contains control characters.");
    EXPECT_EQ(text_error(std::string_view("a\0", 2), 5), "label contains control characters.");
    EXPECT_EQ(text_error("a\xC0\xAF", 5), "label is not valid UTF-8.");
    EXPECT_EQ(text_error(std::string(100001, 'x'), 100000), "label is longer than 100000 characters.");
}

TEST(Excerpt, TruncatesOnCodePoints) {
    EXPECT_EQ(excerpt("short", 10), "short");
    EXPECT_EQ(excerpt("0123456789", 10), "0123456789");
    EXPECT_EQ(excerpt("0123456789a", 10), "0123456789...");
    EXPECT_EQ(excerpt("ééé", 2), "éé...");
    EXPECT_EQ(excerpt("a\x80" "b\nc", 10), "a?b?c");
    EXPECT_EQ(excerpt("abc", 0), "...");
    EXPECT_EQ(excerpt("", 0), "");
}

TEST(CurrencyList, TrimsUpperCasesAndDropsEmptyItems) {
    using koba::core::parse_currency_list;
    EXPECT_EQ(parse_currency_list(" usd, ,Eur ,XOF"), (std::vector<std::string>{"USD", "EUR", "XOF"}));
    EXPECT_TRUE(parse_currency_list("").empty());
    EXPECT_TRUE(parse_currency_list(" , ,").empty());
    EXPECT_EQ(parse_currency_list("EURO"), (std::vector<std::string>{"EURO"}));  // shape is checked by the caller
}

TEST(AsciiHelpers, TrimAndCase) {
    using namespace koba::core;
    EXPECT_EQ(trim_ascii(" \t gold \r\n"), "gold");
    EXPECT_EQ(trim_ascii("   "), "");
    EXPECT_EQ(trim_ascii(""), "");
    EXPECT_EQ(upper_ascii("Gold é"), "GOLD é");  // non-ASCII bytes untouched
    EXPECT_EQ(lower_ascii("APPROVED"), "approved");
    EXPECT_EQ(lower_ascii("Camera9_"), "camera9_");
}

TEST(RowIds, DigitsOnlyPositiveAndWithinBigint) {
    using namespace koba::core;
    EXPECT_EQ(parse_row_id("1"), 1);
    EXPECT_EQ(parse_row_id("42"), 42);
    EXPECT_EQ(parse_row_id("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(parse_row_id("9223372036854775808"), std::nullopt);   // past bigint
    EXPECT_EQ(parse_row_id("99999999999999999999"), std::nullopt);  // 20 digits
    for (const char* bad : {"", "0", "007", "-1", "+1", "1.0", "1e3", " 1", "1 ", "abc", "12a"})
        EXPECT_EQ(parse_row_id(bad), std::nullopt) << bad;
}
