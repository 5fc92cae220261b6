#include "core/errors.hpp"
#include "core/metadata.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

// The DETAIL of the INVALID_METADATA `json` is refused with ("" when it is accepted).
std::string refusal(const std::string& json) {
    try {
        require_metadata(json);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_METADATA) << json;
        return e.detail();
    }
    return "";
}

// An object of n keys k0, k1, ... with the value `value`.
std::string object_of(std::size_t n, const std::string& value) {
    std::string json = "{";
    for (std::size_t i = 0; i < n; ++i) json += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": " + value;
    return json + "}";
}

}  // namespace

TEST(Metadata, AcceptsFlatObjectsOfStringsNumbersAndBooleans) {
    EXPECT_EQ(refusal("{}"), "");
    EXPECT_EQ(refusal(std::string(kNoMetadata)), "");
    EXPECT_EQ(refusal(R"({"order_id": "A-1042", "attempt": 2, "vip": true, "ratio": -1.5e-3, "x": false})"), "");
    EXPECT_EQ(refusal(" {\n\t\"a\" : 0 , \"b\":\"\" } "), "");               // any JSON spacing
    EXPECT_EQ(refusal(R"({"a": "{\"nested\": [1]}"})"), "");                 // JSON in a string is a string
    EXPECT_EQ(refusal(R"({"\u00e9t\u00e9": "\ud83d\ude00", "q": "\"\\/\b\f\n\r\t"})"), "");
}

TEST(Metadata, RefusesEveryDocumentButAnObject) {
    EXPECT_EQ(refusal("[]"), "metadata must be a JSON object, not an array.");
    EXPECT_EQ(refusal(R"("text")"), "metadata must be a JSON object, not a string.");
    EXPECT_EQ(refusal("42"), "metadata must be a JSON object, not a number.");
    EXPECT_EQ(refusal("true"), "metadata must be a JSON object, not a boolean.");
    EXPECT_EQ(refusal("null"), "metadata must be a JSON object, not null.");
}

TEST(Metadata, RefusesNestedAndNullValuesNamingTheKey) {
    EXPECT_EQ(refusal(R"({"a": 1, "b": {"c": 1}})"),
              R"(The value of metadata key "b" is an object: values are strings, numbers or booleans.)");
    EXPECT_EQ(refusal(R"({"b": [1]})"),
              R"(The value of metadata key "b" is an array: values are strings, numbers or booleans.)");
    EXPECT_EQ(refusal(R"({"b": null})"),
              R"(The value of metadata key "b" is null: values are strings, numbers or booleans.)");
}

TEST(Metadata, BoundsTheKeys) {
    EXPECT_EQ(refusal(object_of(kMetadataMaxKeys, "1")), "");
    EXPECT_EQ(refusal(object_of(kMetadataMaxKeys + 1, "1")), "metadata has more than 50 keys.");
    EXPECT_EQ(refusal(R"({"": 1})"), "metadata has an empty key.");
    const std::string forty(kMetadataMaxKeyChars, 'k');
    EXPECT_EQ(refusal("{\"" + forty + "\": 1}"), "");
    // Shown cut after 40 characters: a long key is never echoed whole.
    EXPECT_EQ(refusal("{\"" + forty + "kkkkkkkkkk\": 1}"),
              "metadata key \"" + forty + "...\" is longer than 40 characters.");
    // Characters, not bytes: 40 two-byte characters fit, and an escape is one character.
    std::string accented;
    for (std::size_t i = 0; i < kMetadataMaxKeyChars; ++i) accented += "\xc3\xa9";
    EXPECT_EQ(refusal("{\"" + accented + "\": 1}"), "");
    EXPECT_EQ(refusal("{\"" + std::string(39, 'k') + "\\n\": 1}"), "");
    EXPECT_NE(refusal("{\"" + accented + "\\n\": 1}"), "");
}

TEST(Metadata, BoundsStringValuesInCharacters) {
    EXPECT_EQ(refusal("{\"a\": \"" + std::string(kMetadataMaxStringChars, 'v') + "\"}"), "");
    EXPECT_EQ(refusal("{\"a\": \"" + std::string(kMetadataMaxStringChars + 1, 'v') + "\"}"),
              R"(The value of metadata key "a" is longer than 500 characters.)");
    std::string pairs;  // 500 emoji written as surrogate pairs of escapes: 500 characters
    for (std::size_t i = 0; i < kMetadataMaxStringChars; ++i) pairs += "\\ud83d\\ude00";
    EXPECT_EQ(refusal("{\"a\": \"" + pairs + "\"}"), "");
    EXPECT_EQ(refusal("{\"a\": \"" + pairs + "\\ud83d\\ude00\"}"),
              R"(The value of metadata key "a" is longer than 500 characters.)");
}

TEST(Metadata, BoundsTheWholeDocument) {
    // 20 keys of 490-character values: each value fits, the whole does not.
    const std::string big = object_of(20, "\"" + std::string(490, 'v') + "\"");
    ASSERT_GT(big.size(), kMetadataMaxBytes);
    EXPECT_EQ(refusal(big), "metadata is larger than 8192 bytes.");
    EXPECT_NO_THROW(require_metadata_size(kMetadataMaxBytes));
    EXPECT_THROW(require_metadata_size(kMetadataMaxBytes + 1), Error);
}

TEST(Metadata, RefusesWhatIsNotJson) {
    for (const char* text : {"", " ", "{", "{\"a\"}", "{\"a\": }", "{\"a\": 1,}", "{\"a\": 1} x", "{a: 1}",
                             "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": -}", "{\"a\": 1e}", "{\"a\": tru}",
                             "{\"a\": \"\\x\"}", "{\"a\": \"\\u12g4\"}", "{\"a\": \"\x01\"}", "{\"a\": \"open}",
                             "{\"a\" 1}", "{\"a\": 1 \"b\": 2}"})
        EXPECT_EQ(refusal(text), "metadata is not valid JSON.") << text;
}
