#include "core/certification.hpp"
#include "core/errors.hpp"

#include <gtest/gtest.h>

using koba::core::Error;
using koba::core::ErrorCode;
using koba::core::normalize_certification_level;

TEST(CertificationLevel, IsCaseInsensitiveAndTrimmed) {
    EXPECT_EQ(normalize_certification_level("gold"), "GOLD");
    EXPECT_EQ(normalize_certification_level(" Basic\t"), "BASIC");
    EXPECT_EQ(normalize_certification_level("GOLD"), "GOLD");
}

TEST(CertificationLevel, RejectsAnythingElse) {
    for (const char* level : {"", " ", "platinum", "GOLDEN", "go ld", "B"}) {
        try {
            normalize_certification_level(level);
            ADD_FAILURE() << "accepted " << level;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::INVALID_LEVEL) << level;
        }
    }
}
