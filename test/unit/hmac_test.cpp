#include "core/hmac.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

std::string unhex(std::string_view hex) {
    std::string bytes;
    EXPECT_TRUE(from_hex(hex, &bytes)) << hex;
    return bytes;
}

std::string hmac_hex(std::string_view key, std::string_view message) {
    const auto mac = hmac_sha256(key, message);
    return to_hex(mac.data(), mac.size());
}

struct Rfc4231Case {
    const char* name;
    std::string key;
    std::string data;
    const char* sha256_hex;
};

}  // namespace

TEST(HmacSha256, Rfc4231Vectors) {
    const Rfc4231Case cases[] = {
        {"case 1", std::string(20, '\x0b'), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"case 2", "Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"case 3", std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"case 4", unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
         std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"case 6", std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"case 7", std::string(131, '\xaa'),
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(hmac_hex(c.key, c.data), c.sha256_hex) << c.name;
        EXPECT_TRUE(verify_hmac_sha256_hex(c.key, c.data, c.sha256_hex)) << c.name;
    }
}

TEST(HmacSha256, EmptyAndEmbeddedNul) {
    // Python: hmac.new(b'', b'', hashlib.sha256).hexdigest()
    EXPECT_EQ(hmac_hex("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    EXPECT_EQ(hmac_hex(std::string_view(), std::string_view()), hmac_hex("", ""));
    EXPECT_EQ(hmac_hex(std::string_view("k\0ey", 4), std::string_view("m\0sg", 4)),
              "d846dc7408aafb0032c18fe477e530dcffc8dd88bd95953f4ea555df894338be");
}

// Spec section 5: the reference webhook, signed with
//   printf %s '1700000000.{...}' | openssl dgst -sha256 -hmac whsec_test
TEST(VerifyHmac, PspWebhookExample) {
    const std::string body = R"({"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"})";
    const std::string message = "1700000000." + body;
    const std::string sig = "d5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619";
    EXPECT_EQ(hmac_hex("whsec_test", message), sig);
    EXPECT_TRUE(verify_hmac_sha256_hex("whsec_test", message, sig));

    std::string upper = sig;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(verify_hmac_sha256_hex("whsec_test", message, upper));

    EXPECT_FALSE(verify_hmac_sha256_hex("whsec_other", message, sig));
    EXPECT_FALSE(verify_hmac_sha256_hex("whsec_test", "1700000001." + body, sig));
    EXPECT_FALSE(verify_hmac_sha256_hex("whsec_test", message + " ", sig));
}

TEST(VerifyHmac, RejectsMalformedSignatures) {
    const std::string message = "m";
    const std::string good = hmac_hex("k", message);
    std::string flipped = good;
    flipped[63] = flipped[63] == '0' ? '1' : '0';
    EXPECT_TRUE(verify_hmac_sha256_hex("k", message, good));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, flipped));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, ""));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, good.substr(0, 62)));  // 31 bytes
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, good.substr(0, 63)));  // odd length
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, good + "00"));         // 33 bytes
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, "sha256=" + good));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, " " + good.substr(1)));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, std::string(64, 'g')));
    EXPECT_FALSE(verify_hmac_sha256_hex("k", message, std::string(1 << 20, 'a')));
}

TEST(Hex, ToHex) {
    const unsigned char bytes[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    EXPECT_EQ(to_hex(bytes, sizeof bytes), "0001abff7f");
    EXPECT_EQ(to_hex(bytes, 0), "");
}

TEST(Hex, FromHex) {
    std::string out = "untouched";
    EXPECT_TRUE(from_hex("", &out));
    EXPECT_EQ(out, "");
    EXPECT_TRUE(from_hex("00ABcdEf7f", &out));
    EXPECT_EQ(out, std::string("\x00\xab\xcd\xef\x7f", 5));

    out = "untouched";
    for (const char* bad : {"0", "abc", "0g", "g0", "zz", " 00", "00 ", "0x00", "-1"}) {
        EXPECT_FALSE(from_hex(bad, &out)) << bad;
    }
    EXPECT_FALSE(from_hex(std::string_view("0\0", 2), &out));
    EXPECT_EQ(out, "untouched");
}

TEST(Hex, RoundTripAllBytes) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    const std::string hex = to_hex(reinterpret_cast<const unsigned char*>(all.data()), all.size());
    std::string back;
    ASSERT_TRUE(from_hex(hex, &back));
    EXPECT_EQ(back, all);
}

TEST(ConstantTimeEqual, Compares) {
    EXPECT_TRUE(constant_time_equal("abc", "abc", 3));
    EXPECT_FALSE(constant_time_equal("abc", "abd", 3));
    EXPECT_TRUE(constant_time_equal("abc", "abd", 2));
    EXPECT_TRUE(constant_time_equal("x", "y", 0));
}
