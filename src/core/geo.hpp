// Great-circle distance and the geofence rule for photo proofs (spec section 4).
#pragma once

namespace koba::core {

constexpr double kEarthRadiusM = 6371000.0;

// Haversine distance in metres on a sphere of radius kEarthRadiusM. Inputs in degrees; NaN in,
// NaN out (callers validate first).
double haversine_m(double lat1, double lng1, double lat2, double lng2) noexcept;

// Finite and within [-90, 90] / [-180, 180].
bool valid_lat(double lat) noexcept;
bool valid_lng(double lng) noexcept;

// Throws Error(INVALID_COORDINATES) unless valid_lat(lat) && valid_lng(lng).
void require_coordinates(double lat, double lng);

// True when the point lies within radius_m + tolerance_m of the centre. Throws
// Error(INVALID_COORDINATES) for an invalid point or centre, a radius that is not finite or <= 0,
// or a tolerance that is not finite or < 0.
bool within_geofence(double lat, double lng, double center_lat, double center_lng, double radius_m,
                     double tolerance_m);

}  // namespace koba::core
