#include "core/references.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

using Random = std::array<unsigned char, kUuidRandomBytes>;

Random filled(unsigned char byte) {
    Random r;
    r.fill(byte);
    return r;
}

// 8-4-4-4-12 lower-case hex, version 7, variant 10 (8, 9, a or b).
bool is_uuid_v7(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); i++) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = s[i];
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return s[14] == '7' && std::string("89ab").find(s[19]) != std::string::npos;
}

}  // namespace

TEST(UuidV7, TimestampFirstThenVersionAndVariant) {
    // 2023-11-14T22:13:20Z = 1700000000000 ms = 0x018bcfe56800
    EXPECT_EQ(uuid_v7(1700000000000, filled(0x00)), "018bcfe5-6800-7000-8000-000000000000");
    EXPECT_EQ(uuid_v7(1700000000000, filled(0xff)), "018bcfe5-6800-7fff-bfff-ffffffffffff");
    EXPECT_TRUE(is_uuid_v7(uuid_v7(1700000000000, filled(0x5a))));
    EXPECT_FALSE(is_uuid_v7("018bcfe5-6800-4000-8000-000000000000"));  // a version 4
}

TEST(UuidV7, LaterMillisecondsSortAfterWhateverTheRandomBits) {
    EXPECT_LT(uuid_v7(1700000000000, filled(0xff)), uuid_v7(1700000000001, filled(0x00)));
    EXPECT_LT(uuid_v7(255, filled(0xff)), uuid_v7(256, filled(0x00)));  // a carry into the next byte
    EXPECT_LT(uuid_v7(0, filled(0x00)), uuid_v7(1, filled(0x00)));
}

TEST(UuidV7, MillisecondsClampedTo48Bits) {
    EXPECT_EQ(uuid_v7(-1, filled(0x00)), uuid_v7(0, filled(0x00)));
    EXPECT_EQ(uuid_v7(int64_t{1} << 50, filled(0x00)).substr(0, 13), "ffffffff-ffff");
}

TEST(PspRef, PrefixedTimeOrderedAndRandom) {
    const std::string a = new_psp_ref(1700000000000);
    const std::string b = new_psp_ref(1700000000000);
    ASSERT_EQ(a.substr(0, 4), "PSP-");
    EXPECT_TRUE(is_uuid_v7(a.substr(4))) << a;
    EXPECT_EQ(a.substr(0, 17), "PSP-018bcfe5-6800");
    EXPECT_NE(a, b);  // 74 random bits
    EXPECT_LT(b, new_psp_ref(1700000000001));
}
