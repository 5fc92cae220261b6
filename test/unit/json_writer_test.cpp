#include "core/json_writer.hpp"

#include "core/money.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

using namespace koba::core;

namespace {
std::string json_quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}
}  // namespace

TEST(JsonObject, Empty) { EXPECT_EQ(JsonObject().str(), "{}"); }

TEST(JsonObject, AllMemberKindsInOrder) {
    JsonObject o;
    o.add("s", "text")
        .add_raw("r", R"([1,{"a":null}])")
        .add_int("i", -42)
        .add_bool("t", true)
        .add_bool("f", false)
        .add_null("n")
        .add_money("m", 1250);
    EXPECT_EQ(o.str(),
              R"({"s":"text","r":[1,{"a":null}],"i":-42,"t":true,"f":false,"n":null,"m":"12.50"})");
}

TEST(JsonObject, IntAndMoneyExtremes) {
    JsonObject o;
    o.add_int("max", std::numeric_limits<int64_t>::max())
        .add_int("min", std::numeric_limits<int64_t>::min())
        .add_money("neg", -5)
        .add_money("big", kMaxCents);
    EXPECT_EQ(o.str(), R"({"max":9223372036854775807,"min":-9223372036854775808,)"
                       R"("neg":"-0.05","big":"9999999999999999.99"})");
}

TEST(JsonObject, KeysAreEscapedToo) {
    JsonObject o;
    o.add_int("a\"b", 1).add("", "");
    EXPECT_EQ(o.str(), R"({"a\"b":1,"":""})");
}

TEST(JsonObject, NestedObjectViaRaw) {
    JsonObject inner;
    inner.add("psp_ref", "PSP-123");
    JsonObject outer;
    outer.add_raw("data", inner.str());
    EXPECT_EQ(outer.str(), R"({"data":{"psp_ref":"PSP-123"}})");
}

TEST(JsonString, EscapesQuotesBackslashAndControls) {
    EXPECT_EQ(json_quoted(""), R"("")");
    EXPECT_EQ(json_quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
    EXPECT_EQ(json_quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(json_quoted(std::string_view("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(json_quoted("\x7f"), "\"\x7f\"");  // DEL needs no escape in JSON
}

TEST(JsonString, KeepsValidUtf8) {
    EXPECT_EQ(json_quoted("café €1 𝄞"), "\"café €1 𝄞\"");
    EXPECT_EQ(json_quoted("\xE2\x80\xA8"), "\"\xE2\x80\xA8\"");  // U+2028 is valid JSON
}

TEST(JsonString, ReplacesInvalidBytes) {
    EXPECT_EQ(json_quoted("a\xFF" "b"), R"("a\ufffdb")");
    EXPECT_EQ(json_quoted("\xC0\xAF"), R"("\ufffd\ufffd")");
    EXPECT_EQ(json_quoted("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");
    EXPECT_EQ(json_quoted("é\xE2\x82"), R"("é\ufffd\ufffd")");
}

TEST(JsonString, LargeInput) {
    const std::string big(1 << 20, '"');
    const std::string out = json_quoted(big);
    EXPECT_EQ(out.size(), 2 * big.size() + 2);
}
