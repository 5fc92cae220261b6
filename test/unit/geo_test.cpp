#include "core/geo.hpp"

#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace koba::core;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kHalfCircumference = 20015086.796020572;  // pi * kEarthRadiusM

void expect_invalid(double lat, double lng, double clat, double clng, double radius, double tol) {
    try {
        within_geofence(lat, lng, clat, clng, radius, tol);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_COORDINATES);
    }
}
}  // namespace

TEST(Haversine, ReferenceGeofenceCase) {
    // Spec section 10: centre 5.3210/-4.0123, photo 5.3240/-4.0200, radius 200 (+15 tolerance).
    const double d = haversine_m(5.3210, -4.0123, 5.3240, -4.0200);
    EXPECT_NEAR(d, 915.451, 1.0);
    EXPECT_GT(d, 215.0);
    EXPECT_FALSE(within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 200, 15));
    EXPECT_TRUE(within_geofence(5.3240, -4.0200, 5.3210, -4.0123, 900, 16));
}

TEST(Haversine, IdenticalPointsAndSymmetry) {
    EXPECT_EQ(haversine_m(5.3210, -4.0123, 5.3210, -4.0123), 0.0);
    EXPECT_NEAR(haversine_m(90, 0, 90, 123), 0.0, 1e-6);  // a pole is one point, any longitude
    EXPECT_DOUBLE_EQ(haversine_m(1, 2, 3, 4), haversine_m(3, 4, 1, 2));
}

TEST(Haversine, Antipodes) {
    EXPECT_NEAR(haversine_m(0, 0, 0, 180), kHalfCircumference, 0.1);
    EXPECT_NEAR(haversine_m(90, 0, -90, 0), kHalfCircumference, 0.1);
    EXPECT_NEAR(haversine_m(45, 10, -45, -170), kHalfCircumference, 0.1);
    EXPECT_NEAR(haversine_m(0, 0, 0, 180), 20015086.8, 0.1);
}

TEST(Haversine, KnownDistances) {
    // One degree of latitude along a meridian: pi * R / 180.
    EXPECT_NEAR(haversine_m(0, 0, 1, 0), kHalfCircumference / 180, 1e-6);
    EXPECT_NEAR(haversine_m(0, 0, 90, 0), kHalfCircumference / 2, 1e-6);
    EXPECT_NEAR(haversine_m(89.9, 0, 89.9, 180), 22238.985, 0.01);  // across the north pole
}

TEST(Haversine, DatelineIsShort) {
    EXPECT_NEAR(haversine_m(0, 179.9, 0, -179.9), 22238.985, 0.01);
    EXPECT_TRUE(within_geofence(0, -179.9, 0, 179.9, 22000, 300));
    EXPECT_NEAR(haversine_m(10, 180, 10, -180), 0.0, 1e-6);  // the same meridian
}

TEST(Haversine, NaNPropagates) {
    EXPECT_TRUE(std::isnan(haversine_m(kNaN, 0, 0, 0)));
}

TEST(Coordinates, Validity) {
    EXPECT_TRUE(valid_lat(-90));
    EXPECT_TRUE(valid_lat(90));
    EXPECT_TRUE(valid_lat(0));
    EXPECT_FALSE(valid_lat(90.0000001));
    EXPECT_FALSE(valid_lat(-90.0000001));
    EXPECT_FALSE(valid_lat(kNaN));
    EXPECT_FALSE(valid_lat(kInf));
    EXPECT_TRUE(valid_lng(-180));
    EXPECT_TRUE(valid_lng(180));
    EXPECT_FALSE(valid_lng(180.0000001));
    EXPECT_FALSE(valid_lng(-kInf));
    EXPECT_FALSE(valid_lng(kNaN));
}

TEST(Coordinates, RequireThrows) {
    EXPECT_NO_THROW(require_coordinates(5.321, -4.0123));
    EXPECT_THROW(require_coordinates(91, 0), Error);
    EXPECT_THROW(require_coordinates(0, 181), Error);
    EXPECT_THROW(require_coordinates(kNaN, 0), Error);
    try {
        require_coordinates(0, kInf);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::INVALID_COORDINATES);
        EXPECT_STREQ(e.detail(), "longitude must be a number between -180 and 180.");
    }
}

TEST(Geofence, BoundaryIsInclusive) {
    const double d = haversine_m(0, 0, 0, 0.001);
    EXPECT_TRUE(within_geofence(0, 0.001, 0, 0, d, 0));
    EXPECT_TRUE(within_geofence(0, 0.001, 0, 0, d - 5, 5));
    EXPECT_FALSE(within_geofence(0, 0.001, 0, 0, d - 0.01, 0));
    EXPECT_TRUE(within_geofence(0, 0, 0, 0, 1e-9, 0));
}

TEST(Geofence, RejectsInvalidInput) {
    expect_invalid(91, 0, 0, 0, 100, 15);
    expect_invalid(0, 0, 0, -181, 100, 15);
    expect_invalid(kNaN, 0, 0, 0, 100, 15);
    expect_invalid(0, 0, 0, 0, 0, 15);
    expect_invalid(0, 0, 0, 0, -1, 15);
    expect_invalid(0, 0, 0, 0, kInf, 15);
    expect_invalid(0, 0, 0, 0, kNaN, 15);
    expect_invalid(0, 0, 0, 0, 100, -0.1);
    expect_invalid(0, 0, 0, 0, 100, kInf);
    expect_invalid(0, 0, 0, 0, 100, kNaN);
}
