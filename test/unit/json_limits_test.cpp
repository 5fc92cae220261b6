#include "core/errors.hpp"
#include "core/json_limits.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace koba::core;

TEST(JsonLimits, DepthCountsArraysAndObjectsOutsideStrings) {
    EXPECT_EQ(json_depth("1"), 0);
    EXPECT_EQ(json_depth("\"[[[\""), 0);
    EXPECT_EQ(json_depth("{}"), 1);
    EXPECT_EQ(json_depth("[[], {}]"), 2);
    EXPECT_EQ(json_depth(R"({"a": {"b": [1, {"c": 2}]}})"), 4);
    EXPECT_EQ(json_depth(R"({"a": "]]]}}}", "b": [[["\"[[["]]]})"), 4);  // escaped quotes stay inside
    EXPECT_EQ(json_depth(R"(["\\", [1]])"), 2);                           // an escaped backslash ends
    EXPECT_EQ(json_depth(std::string(5000, '[') + std::string(5000, ']')), 5000);
}

TEST(JsonLimits, RefusesLargerOrDeeperDocuments) {
    const JsonLimits limits{16, 2};
    EXPECT_NO_THROW(require_json_within(R"({"a": [1]})", limits, "doc"));
    try {
        require_json_within(R"({"a": [[1]]})", limits, "doc");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_JSON);
        EXPECT_STREQ(e.detail(), "doc is nested deeper than 2 levels.");
    }
    try {
        require_json_within(R"({"a": "0123456789"})", limits, "doc");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_JSON);
        EXPECT_STREQ(e.detail(), "doc is larger than 16 bytes.");
    }
    EXPECT_NO_THROW(require_json_within(std::string(16, ' '), limits, "doc"));  // the bound itself passes
}

TEST(JsonLimits, TheDocumentedBounds) {
    EXPECT_EQ(kReleaseConditionsLimits.max_bytes, 16384u);
    EXPECT_EQ(kReleaseConditionsLimits.max_depth, 16);
    EXPECT_EQ(kProofMetadataLimits.max_bytes, 16384u);
    EXPECT_EQ(kWebhookBodyLimits.max_bytes, 262144u);
    EXPECT_EQ(kWebhookBodyLimits.max_depth, 32);
}

TEST(JsonNumber, AsDoubleNeverFailsOnRange) {
    EXPECT_EQ(json_number_as_double("5.3212"), 5.3212);
    EXPECT_EQ(json_number_as_double("-4.0125"), -4.0125);
    EXPECT_EQ(json_number_as_double("0"), 0.0);
    EXPECT_EQ(json_number_as_double("1e3"), 1000.0);
    // Beyond a double: infinities and zeros (the caller judges them), in jsonb's printed forms too.
    EXPECT_EQ(json_number_as_double("1e400"), INFINITY);
    EXPECT_EQ(json_number_as_double("-1e400"), -INFINITY);
    EXPECT_EQ(json_number_as_double("1" + std::string(400, '0')), INFINITY);
    EXPECT_EQ(json_number_as_double("-1" + std::string(400, '0')), -INFINITY);
    EXPECT_EQ(json_number_as_double("1e-400"), 0.0);
    EXPECT_EQ(json_number_as_double("0." + std::string(400, '0') + "1"), 0.0);
    EXPECT_EQ(json_number_as_double("-0." + std::string(400, '0') + "1"), 0.0);
    // Not numbers at all.
    for (const char* bad : {"", "abc", "1.2.3", "1e", " 1", "1 ", "0x10", "nan", "inf"})
        EXPECT_FALSE(json_number_as_double(bad)) << bad;
}
