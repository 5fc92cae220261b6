// Timestamps as clients and cameras write them: the exif_timestamp of photo proofs (spec section 4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;

// Microseconds since 1970-01-01T00:00:00Z, or nothing unless `text` is exactly one of
//   YYYY-MM-DD<sep>HH:MM:SS[.fraction][zone]   ISO 8601 / RFC 3339; <sep> is 'T', 't' or ' '
//   YYYY:MM:DD HH:MM:SS                         EXIF DateTimeOriginal, read as UTC
// fraction: 1 to 9 digits, truncated to the microsecond. zone: 'Z', 'z', +HH:MM, +HHMM or +HH
// (or '-'), at most 18:00; no zone means UTC. The written fields must be a real date of years
// 0001-9999, hour 00-23, minute and second 00-59 (no leap second); the UTC instant an offset
// leads to may lie just outside those years. No surrounding spaces.
std::optional<int64_t> parse_iso8601_micros(std::string_view text) noexcept;

// How far ahead a caller may date a deadline or an expiry (escrow deadline_at, mandate and API
// key expires_at): 3653 days, the longest ten calendar years (now() + interval '10 years' always
// fits). Later dates are refused (INVALID_ARGUMENT): no business waits that long, and a date in
// year 10000 is a typing error or a probe.
constexpr int64_t kHorizonMicros = int64_t{3653} * 24 * 60 * kMicrosPerMinute;
// INVALID_ARGUMENT naming `name` when `at` lies beyond now + kHorizonMicros.
void require_within_horizon(int64_t at, int64_t now, const char* name);

}  // namespace koba::core
