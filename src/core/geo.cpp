#include "core/geo.hpp"

#include "core/errors.hpp"

#include <algorithm>
#include <cmath>

namespace koba::core {

namespace {
constexpr double kPi = 3.14159265358979323846;
double radians(double degrees) { return degrees * kPi / 180.0; }
}  // namespace

double haversine_m(double lat1, double lng1, double lat2, double lng2) noexcept {
    const double dlat = radians(lat2 - lat1);
    const double dlng = radians(lng2 - lng1);
    const double s_lat = std::sin(dlat / 2);
    const double s_lng = std::sin(dlng / 2);
    const double h = s_lat * s_lat + std::cos(radians(lat1)) * std::cos(radians(lat2)) * s_lng * s_lng;
    // Rounding can push h slightly outside [0, 1] near antipodes; asin would then return NaN.
    // std::clamp keeps NaN as NaN, so invalid input still yields NaN.
    return 2 * kEarthRadiusM * std::asin(std::sqrt(std::clamp(h, 0.0, 1.0)));
}

bool valid_lat(double lat) noexcept { return std::isfinite(lat) && lat >= -90.0 && lat <= 90.0; }

bool valid_lng(double lng) noexcept { return std::isfinite(lng) && lng >= -180.0 && lng <= 180.0; }

void require_coordinates(double lat, double lng) {
    if (!valid_lat(lat)) {
        throw Error(ErrorCode::INVALID_COORDINATES, "latitude must be a number between -90 and 90.");
    }
    if (!valid_lng(lng)) {
        throw Error(ErrorCode::INVALID_COORDINATES,
                    "longitude must be a number between -180 and 180.");
    }
}

bool within_geofence(double lat, double lng, double center_lat, double center_lng, double radius_m,
                     double tolerance_m) {
    require_coordinates(lat, lng);
    require_coordinates(center_lat, center_lng);
    if (!std::isfinite(radius_m) || radius_m <= 0) {
        throw Error(ErrorCode::INVALID_COORDINATES, "radius must be a number greater than 0.");
    }
    if (!std::isfinite(tolerance_m) || tolerance_m < 0) {
        throw Error(ErrorCode::INVALID_COORDINATES, "tolerance must be a number >= 0.");
    }
    return haversine_m(center_lat, center_lng, lat, lng) <= radius_m + tolerance_m;
}

}  // namespace koba::core
