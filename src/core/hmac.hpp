// HMAC-SHA256 (OpenSSL libcrypto), hex conversion and constant-time comparison: the primitives of
// PSP webhook verification and API-key hashing.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace koba::core {

// Throws std::runtime_error if OpenSSL fails (the bridge maps it to INTERNAL_ERROR).
std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view message);

// Lower-case hex of n bytes.
std::string to_hex(const unsigned char* p, std::size_t n);

// Decodes hex (either case) into *out_bytes. False, with *out_bytes untouched, on odd length or a
// non-hex character.
bool from_hex(std::string_view hex, std::string* out_bytes) noexcept;

// Compares n bytes in time independent of their content (CRYPTO_memcmp).
bool constant_time_equal(const void* a, const void* b, std::size_t n) noexcept;

// True when signature_hex (either case) is exactly HMAC-SHA256(key, message). Never throws.
bool verify_hmac_sha256_hex(std::string_view key, std::string_view message,
                            std::string_view signature_hex) noexcept;

}  // namespace koba::core
