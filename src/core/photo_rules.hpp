// Validation of a PHOTO proof's metadata (spec section 4, submit_proof step 2): hard failures are
// thrown, soft ones route the proof to manual review.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace koba::core {

// The fields of the proof's metadata jsonb, as the bridge found them.
struct PhotoMetadata {
    bool present = true;                        // false: metadata is SQL NULL or JSON null
    std::optional<std::string> exif_timestamp;  // set only when the key holds a JSON string
    std::optional<double> gps_lat;              // set only when the key holds a JSON number
    std::optional<double> gps_lng;
    // A JSON string's value; for any other non-null JSON value its JSON text (which is never a
    // trusted source). Unset when the key is absent or null.
    std::optional<std::string> source;
};

struct Geofence {
    double lat;
    double lng;
    double radius_m;
};

struct PhotoLimits {
    int64_t now_micros;        // Unix microseconds
    int max_age_min;           // kobatela.proof_max_age_min
    int future_tolerance_min;  // kobatela.proof_future_tolerance_min
    double tolerance_m;        // kobatela.geofence_tolerance_m
};

struct PhotoVerdict {
    bool auto_approve = false;
    std::vector<std::string> review_reasons;  // lower-case codes: "missing_metadata", ...
    std::string review_reason;                // the first reason, upper-case; empty when approved
};

// Checks, in the spec's order, and throws the first hard failure as Error with a sentence naming
// the measured value: MISSING_EXIF_TIMESTAMP, STALE_TIMESTAMP (older than max_age),
// FUTURE_TIMESTAMP (ahead by more than the tolerance), then, with a geofence, MISSING_GPS and
// GEOFENCE_VIOLATION (farther than radius + tolerance). The boundaries themselves pass.
// Soft failures: metadata absent -> MISSING_METADATA alone (nothing else can be checked, not even
// the geofence: a person reviews the proof); a non-empty source other than app/camera (trimmed,
// any case) -> UNTRUSTED_SOURCE. No failure: auto_approve.
// A geofence must be valid (valid_lat/valid_lng, radius > 0; Error(INVALID_COORDINATES) otherwise).
PhotoVerdict validate_photo(const PhotoMetadata& metadata, const std::optional<Geofence>& fence,
                            const PhotoLimits& limits);

// {"review_reason":"UNTRUSTED_SOURCE","review_reasons":["untrusted_source"]} — what submit_proof
// merges into the stored metadata; "{}" for an approved verdict.
std::string review_keys_json(const PhotoVerdict& verdict);

// A proof's file digest as stored (spec.md section 1: `sha256` up to 128 characters, its format not
// prescribed): trimmed, 1 to 128 characters (Error(INVALID_ARGUMENT) otherwise); a 64-digit hex
// SHA-256 in any case is lower-cased, so that "AB12..." and "ab12..." are one file; anything else
// (an upload service's own digest or id) is kept as given.
std::string normalize_proof_digest(std::string_view sha256);

}  // namespace koba::core
