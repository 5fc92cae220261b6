// References Kobatela makes itself for rows written on hot paths (payments.psp_ref), under a
// unique index: time-ordered, so that each insert lands at the right edge of the index's B-tree
// instead of on a random leaf (a random key dirties, and logs as a full-page image after each
// checkpoint, a different leaf per insert: WAL that grows with the table; docs/performance.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace koba::core {

constexpr std::size_t kUuidRandomBytes = 10;

// A UUID version 7 (RFC 9562) as lower-case 8-4-4-4-12 hex: the 48-bit Unix time in milliseconds
// (clamped to 0 .. 2^48 - 1), the version 7, the variant 10, and 74 bits of `random`. Later
// milliseconds sort after earlier ones, as text and as bytes; within one millisecond, by `random`.
std::string uuid_v7(int64_t unix_millis, const std::array<unsigned char, kUuidRandomBytes>& random);

// A payment's reference at the PSP: "PSP-" then uuid_v7 of `unix_millis` and fresh random bytes
// (core/random.hpp): as unguessable as the random UUID it replaced (74 random bits), and
// time-ordered. Throws std::runtime_error if OpenSSL fails.
std::string new_psp_ref(int64_t unix_millis);

}  // namespace koba::core
