#include "core/photo_rules.hpp"

#include "core/errors.hpp"
#include "core/geo.hpp"
#include "core/timestamps.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

// 2025-11-13T12:00:00Z; the defaults of spec section 9.
const PhotoLimits kLimits{*parse_iso8601_micros("2025-11-13T12:00:00Z"), 120, 2, 15};

PhotoMetadata photo(std::optional<std::string> taken, std::optional<double> lat = std::nullopt,
                    std::optional<double> lng = std::nullopt,
                    std::optional<std::string> source = std::nullopt) {
    PhotoMetadata m;
    m.exif_timestamp = std::move(taken);
    m.gps_lat = lat;
    m.gps_lng = lng;
    m.source = std::move(source);
    return m;
}

// The error validate_photo throws, as "CODE: detail"; "" when it returns.
std::string failure(const PhotoMetadata& m, const std::optional<Geofence>& fence = std::nullopt,
                    const PhotoLimits& limits = kLimits) {
    try {
        validate_photo(m, fence, limits);
    } catch (const Error& e) {
        return std::string(e.what()) + ": " + e.detail();
    }
    return "";
}

std::string code_of(const PhotoMetadata& m, const std::optional<Geofence>& fence = std::nullopt) {
    const std::string f = failure(m, fence);
    return f.substr(0, f.find(':'));
}

}  // namespace

TEST(PhotoRules, FreshTrustedPhotoIsAutoApproved) {
    const PhotoVerdict v = validate_photo(photo("2025-11-13T11:59:00Z", 5.0, -4.0, "app"), std::nullopt, kLimits);
    EXPECT_TRUE(v.auto_approve);
    EXPECT_TRUE(v.review_reasons.empty());
    EXPECT_EQ(v.review_reason, "");
    EXPECT_EQ(review_keys_json(v), "{}");
}

TEST(PhotoRules, MissingMetadataGoesToReviewWithoutFurtherChecks) {
    PhotoMetadata m;
    m.present = false;
    for (const std::optional<Geofence>& fence : {std::optional<Geofence>{}, std::optional<Geofence>{Geofence{5.0, -4.0, 10}}}) {
        const PhotoVerdict v = validate_photo(m, fence, kLimits);
        EXPECT_FALSE(v.auto_approve);
        EXPECT_EQ(v.review_reason, "MISSING_METADATA");
        EXPECT_EQ(v.review_reasons, std::vector<std::string>{"missing_metadata"});
        EXPECT_EQ(review_keys_json(v), R"({"review_reason":"MISSING_METADATA","review_reasons":["missing_metadata"]})");
    }
}

TEST(PhotoRules, MissingOrUnreadableTimestamp) {
    EXPECT_EQ(failure(PhotoMetadata{}),
              "MISSING_EXIF_TIMESTAMP: The photo's metadata has no exif_timestamp string.");
    EXPECT_EQ(failure(photo("yesterday")),
              "MISSING_EXIF_TIMESTAMP: exif_timestamp \"yesterday\" is not an ISO-8601 timestamp.");
    EXPECT_EQ(code_of(photo("")), "MISSING_EXIF_TIMESTAMP");
    EXPECT_EQ(code_of(photo("2026-02-30T10:00:00Z")), "MISSING_EXIF_TIMESTAMP");
    EXPECT_EQ(code_of(photo("1763035200")), "MISSING_EXIF_TIMESTAMP");
    // The echoed input is bounded and stripped of control characters.
    EXPECT_EQ(failure(photo(std::string(100, 'x') + "\n")),
              "MISSING_EXIF_TIMESTAMP: exif_timestamp \"" + std::string(40, 'x') +
                  "...\" is not an ISO-8601 timestamp.");
}

TEST(PhotoRules, AgeBoundaries) {
    EXPECT_EQ(failure(photo("2025-11-13T10:00:00Z")), "");           // exactly 120 min old
    EXPECT_EQ(failure(photo("2025-11-13T11:00:00+01:00")), "");      // the same instant
    EXPECT_EQ(failure(photo("2025-11-13T09:59:59.999999Z")),
              "STALE_TIMESTAMP: The photo was taken 121 minutes ago; the limit is 120 minutes.");
    EXPECT_EQ(failure(photo("2025-11-12T12:00:00Z")),
              "STALE_TIMESTAMP: The photo was taken 1440 minutes ago; the limit is 120 minutes.");
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z")), "");           // now
    EXPECT_EQ(failure(photo("2025-11-13T12:02:00Z")), "");           // exactly 2 min ahead
    EXPECT_EQ(failure(photo("2025-11-13T12:02:00.000001Z")),
              "FUTURE_TIMESTAMP: The photo is dated 3 minutes in the future; the tolerance is 2 minutes.");
    EXPECT_EQ(code_of(photo("2025-11-13 12:00:00-01:00")), "FUTURE_TIMESTAMP");  // 13:00Z
    EXPECT_EQ(failure(photo("2025:11:13 11:30:00")), "");             // EXIF form, UTC
}

TEST(PhotoRules, LimitsComeFromSettings) {
    const PhotoLimits strict{kLimits.now_micros, 1, 0, 0};
    EXPECT_EQ(failure(photo("2025-11-13T11:58:00Z"), std::nullopt, strict),
              "STALE_TIMESTAMP: The photo was taken 2 minutes ago; the limit is 1 minute.");
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00.000001Z"), std::nullopt, strict),
              "FUTURE_TIMESTAMP: The photo is dated 1 minute in the future; the tolerance is 0 minutes.");
}

TEST(PhotoRules, ReferenceGeofenceViolation) {
    // Spec section 10: centre 5.3210/-4.0123, radius 200, photo at 5.3240/-4.0200 (~915.45 m).
    const Geofence fence{5.3210, -4.0123, 200};
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.3240, -4.0200, "camera"), fence),
              "GEOFENCE_VIOLATION: The photo was taken 916 m from the site; the limit is 215 m.");
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.3211, -4.0122, "app"), fence), "");  // ~15.7 m
}

TEST(PhotoRules, ReferenceUntrustedSource) {
    // Spec section 10: source "unknown", 30 min old, ~78 m inside a 500 m fence -> manual review.
    const PhotoVerdict v = validate_photo(photo("2025-11-13T11:30:00Z", 5.0005, -4.0005, "unknown"),
                                          Geofence{5.0, -4.0, 500}, kLimits);
    EXPECT_FALSE(v.auto_approve);
    EXPECT_EQ(v.review_reason, "UNTRUSTED_SOURCE");
    EXPECT_EQ(v.review_reasons, std::vector<std::string>{"untrusted_source"});
    EXPECT_EQ(review_keys_json(v), R"({"review_reason":"UNTRUSTED_SOURCE","review_reasons":["untrusted_source"]})");
}

TEST(PhotoRules, GeofenceBoundaryIsRadiusPlusTolerance) {
    const double d = haversine_m(5.0, -4.0, 5.001, -4.0);
    const double radius = d - 15;
    ASSERT_EQ(radius + 15, d);
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.001, -4.0), Geofence{5.0, -4.0, radius}), "");
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", 5.001, -4.0), Geofence{5.0, -4.0, radius - 1e-6}),
              "GEOFENCE_VIOLATION");
    const PhotoLimits no_tolerance{kLimits.now_micros, 120, 2, 0};
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.001, -4.0), Geofence{5.0, -4.0, d}, no_tolerance), "");
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.001, -4.0), Geofence{5.0, -4.0, d - 0.5}, no_tolerance),
              "GEOFENCE_VIOLATION: The photo was taken 112 m from the site; the limit is 110 m.");
}

TEST(PhotoRules, GeofenceNeedsNumericValidGps) {
    const Geofence fence{5.0, -4.0, 500};
    const std::string missing =
        "MISSING_GPS: The milestone has a geofence, but the photo's metadata has no numeric gps_lat and gps_lng.";
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z"), fence), missing);
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 5.0), fence), missing);
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", std::nullopt, -4.0), fence), missing);
    EXPECT_EQ(failure(photo("2025-11-13T12:00:00Z", 95.0, -4.0), fence),
              "MISSING_GPS: The photo's gps_lat/gps_lng is not a valid position.");
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", 5.0, 181.0), fence), "MISSING_GPS");
    // Without a geofence, GPS is not required.
    EXPECT_TRUE(validate_photo(photo("2025-11-13T12:00:00Z"), std::nullopt, kLimits).auto_approve);
}

TEST(PhotoRules, InvalidGeofenceIsAnInternalInconsistency) {
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", 5.0, -4.0), Geofence{5.0, -4.0, 0}), "INVALID_COORDINATES");
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", 5.0, -4.0), Geofence{91.0, -4.0, 10}), "INVALID_COORDINATES");
}

TEST(PhotoRules, ChecksRunInTheSpecOrder) {
    const Geofence fence{5.3210, -4.0123, 200};
    // Timestamp problems come before the geofence (the reference let the geofence override them).
    EXPECT_EQ(code_of(photo(std::nullopt, 5.3240, -4.0200, "unknown"), fence), "MISSING_EXIF_TIMESTAMP");
    EXPECT_EQ(code_of(photo("2025-11-13T09:00:00Z", 5.3240, -4.0200, "unknown"), fence), "STALE_TIMESTAMP");
    EXPECT_EQ(code_of(photo("2025-11-13T13:00:00Z", std::nullopt, std::nullopt, "unknown"), fence), "FUTURE_TIMESTAMP");
    // Hard geofence failures come before the soft source check.
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", 5.3240, -4.0200, "unknown"), fence), "GEOFENCE_VIOLATION");
    EXPECT_EQ(code_of(photo("2025-11-13T12:00:00Z", std::nullopt, std::nullopt, "unknown"), fence), "MISSING_GPS");
}

TEST(PhotoRules, TrustedSources) {
    for (const char* source : {"app", "camera", "APP", " Camera\t", "\napp ", "", "   "}) {
        EXPECT_TRUE(validate_photo(photo("2025-11-13T12:00:00Z", std::nullopt, std::nullopt, source),
                                   std::nullopt, kLimits)
                        .auto_approve)
            << '"' << source << '"';
    }
    // The bridge passes a non-string JSON value as its JSON text, which is never trusted.
    for (const char* source : {"unknown", "apps", "ap p", "camera2", "gallery", "123", "true", "[]",
                               "\"app\"", "app\x01", "\xc3\xa0pp"}) {
        const PhotoVerdict v = validate_photo(photo("2025-11-13T12:00:00Z", std::nullopt, std::nullopt, source),
                                              std::nullopt, kLimits);
        EXPECT_FALSE(v.auto_approve) << source;
        EXPECT_EQ(v.review_reason, "UNTRUSTED_SOURCE") << source;
    }
}

TEST(PhotoRules, ProofDigest) {
    const std::string hex(64, 'a');
    EXPECT_EQ(normalize_proof_digest(std::string(64, 'A')), hex);          // hex SHA-256: lower-cased
    EXPECT_EQ(normalize_proof_digest(" " + hex + "\t"), hex);              // trimmed
    EXPECT_EQ(normalize_proof_digest("hash-Clean"), "hash-Clean");         // another digest: as given
    EXPECT_EQ(normalize_proof_digest(std::string(63, 'A')), std::string(63, 'A'));  // not 64 digits: as given
    EXPECT_EQ(normalize_proof_digest(std::string(128, 'x')), std::string(128, 'x'));
    // Only exactly 64 hex digits are a SHA-256: a longer hex digest (SHA-512's 128, or 65..127)
    // keeps its case, so that two different files can never be one digest.
    for (const std::size_t n : {65u, 96u, 127u, 128u})
        EXPECT_EQ(normalize_proof_digest(std::string(n, 'A')), std::string(n, 'A')) << n << " digits";
    EXPECT_EQ(normalize_proof_digest(std::string(64, 'A') + "0"), std::string(64, 'A') + "0");
    for (const std::string& bad : {std::string(), std::string("   "), std::string(129, 'x'), std::string("a\x01")}) {
        try {
            normalize_proof_digest(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::INVALID_ARGUMENT);
        }
    }
}
