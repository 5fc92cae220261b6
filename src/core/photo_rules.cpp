#include "core/photo_rules.hpp"

#include "core/errors.hpp"
#include "core/geo.hpp"
#include "core/json_writer.hpp"
#include "core/text_rules.hpp"
#include "core/timestamps.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace koba::core {

namespace {

// Absent, blank, "app" or "camera" (trimmed, any case).
bool trusted_source(const std::optional<std::string>& source) {
    if (!source) return true;
    const std::string lower = lower_ascii(trim_ascii(*source));
    return lower.empty() || lower == "app" || lower == "camera";
}

void add_review_reason(PhotoVerdict& verdict, std::string_view code) {
    if (verdict.review_reasons.empty()) verdict.review_reason = code;
    verdict.review_reasons.push_back(lower_ascii(code));
}

std::string minutes_text(int64_t minutes) {
    return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

// Rounded up, so a duration beyond a limit never reads as equal to it.
int64_t ceil_minutes(int64_t micros) { return (micros + kMicrosPerMinute - 1) / kMicrosPerMinute; }

void check_timestamp(const PhotoMetadata& metadata, const PhotoLimits& limits) {
    if (!metadata.exif_timestamp) {
        throw Error(ErrorCode::MISSING_EXIF_TIMESTAMP, "The photo's metadata has no exif_timestamp string.");
    }
    const std::optional<int64_t> taken = parse_iso8601_micros(*metadata.exif_timestamp);
    if (!taken) {
        throw Error(ErrorCode::MISSING_EXIF_TIMESTAMP,
                    "exif_timestamp \"" + excerpt(*metadata.exif_timestamp, 40) +
                        "\" is not an ISO-8601 timestamp.");
    }
    const int64_t age = limits.now_micros - *taken;
    if (age > limits.max_age_min * kMicrosPerMinute) {
        throw Error(ErrorCode::STALE_TIMESTAMP, "The photo was taken " + minutes_text(ceil_minutes(age)) +
                                                    " ago; the limit is " +
                                                    minutes_text(limits.max_age_min) + ".");
    }
    if (-age > limits.future_tolerance_min * kMicrosPerMinute) {
        throw Error(ErrorCode::FUTURE_TIMESTAMP, "The photo is dated " + minutes_text(ceil_minutes(-age)) +
                                                     " in the future; the tolerance is " +
                                                     minutes_text(limits.future_tolerance_min) + ".");
    }
}

void check_geofence(const PhotoMetadata& metadata, const Geofence& fence, double tolerance_m) {
    if (!metadata.gps_lat || !metadata.gps_lng) {
        throw Error(ErrorCode::MISSING_GPS,
                    "The milestone has a geofence, but the photo's metadata has no numeric gps_lat "
                    "and gps_lng.");
    }
    const double lat = *metadata.gps_lat;
    const double lng = *metadata.gps_lng;
    if (!valid_lat(lat) || !valid_lng(lng)) {
        throw Error(ErrorCode::MISSING_GPS, "The photo's gps_lat/gps_lng is not a valid position.");
    }
    if (!within_geofence(lat, lng, fence.lat, fence.lng, fence.radius_m, tolerance_m)) {
        // Distance rounded up and limit rounded down, so the two never read as equal.
        const double distance = std::ceil(haversine_m(fence.lat, fence.lng, lat, lng));
        const double limit = std::floor(fence.radius_m + tolerance_m);
        char detail[160];
        std::snprintf(detail, sizeof detail,
                      "The photo was taken %.0f m from the site; the limit is %.0f m.", distance, limit);
        throw Error(ErrorCode::GEOFENCE_VIOLATION, detail);
    }
}

}  // namespace

PhotoVerdict validate_photo(const PhotoMetadata& metadata, const std::optional<Geofence>& fence,
                            const PhotoLimits& limits) {
    PhotoVerdict verdict;
    if (!metadata.present) {
        add_review_reason(verdict, "MISSING_METADATA");
        return verdict;
    }
    check_timestamp(metadata, limits);
    if (fence) check_geofence(metadata, *fence, limits.tolerance_m);
    if (!trusted_source(metadata.source)) add_review_reason(verdict, "UNTRUSTED_SOURCE");
    verdict.auto_approve = verdict.review_reasons.empty();
    return verdict;
}

std::string review_keys_json(const PhotoVerdict& verdict) {
    if (verdict.review_reasons.empty()) return "{}";
    std::string reasons = "[";
    for (const std::string& reason : verdict.review_reasons) {
        if (reasons.size() > 1) reasons += ',';
        append_json_string(reasons, reason);
    }
    reasons += ']';
    return JsonObject().add("review_reason", verdict.review_reason).add_raw("review_reasons", reasons).str();
}

std::string normalize_proof_digest(std::string_view sha256) {
    const std::string_view digest = trim_ascii(sha256);
    require_text(digest, "sha256", 128);
    const bool hex64 = digest.size() == 64 && digest.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
    return hex64 ? lower_ascii(digest) : std::string(digest);
}

}  // namespace koba::core
