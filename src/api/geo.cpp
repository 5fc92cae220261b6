// Geodesy for geofenced proofs, exposed to SQL (the rules themselves live in core/geo).
#include "core/geo.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"

using namespace koba;

// geo_distance_m(lat1, lng1, lat2, lng2 float8) RETURNS float8: haversine, 6 371 000 m sphere
KOBA_FUNCTION(kobatela_geo_distance_m) {
    const pg::Args args(fcinfo);
    const double lat1 = args.float8(0, "lat1"), lng1 = args.float8(1, "lng1");
    const double lat2 = args.float8(2, "lat2"), lng2 = args.float8(3, "lng2");
    core::require_coordinates(lat1, lng1);
    core::require_coordinates(lat2, lng2);
    return Float8GetDatum(core::haversine_m(lat1, lng1, lat2, lng2));
}

// within_geofence(lat, lng, center_lat, center_lng, radius_m float8, tolerance_m float8 DEFAULT 0)
//   RETURNS boolean
KOBA_FUNCTION(kobatela_within_geofence) {
    const pg::Args args(fcinfo);
    return BoolGetDatum(core::within_geofence(
        args.float8(0, "lat"), args.float8(1, "lng"), args.float8(2, "center_lat"),
        args.float8(3, "center_lng"), args.float8(4, "radius_m"),
        args.float8(5, "tolerance_m")));
}
