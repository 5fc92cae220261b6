// API keys: koba_<prefix>.<secret>, where <prefix> is 6 lower-case hex digits and <secret> 32
// random bytes in URL-safe base64 without padding (43 characters) — 55 characters in all.
// Only HMAC-SHA256(pepper, key) is stored, looked up by the public prefix "koba_<6 hex>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

constexpr std::size_t kApiKeyLength = 55;

struct NewApiKey {
    std::string prefix;  // "koba_3fa9c1": public, stored, unique
    std::string key;     // the whole key: shown once, never stored
};

// A new key from OpenSSL's CSPRNG (throws std::runtime_error if it fails).
NewApiKey generate_api_key();

// The prefix of a well-formed key, or nothing when `key` does not have the key's shape.
std::optional<std::string> api_key_prefix(std::string_view key) noexcept;

// Lower-case hex HMAC-SHA256(pepper, key): what api_keys.key_hash stores.
std::string api_key_hash(std::string_view pepper, std::string_view key);

// URL-safe base64 without padding (RFC 4648 section 5).
std::string base64url(const unsigned char* bytes, std::size_t n);

}  // namespace koba::core
