// API keys: koba_<prefix>.<secret>, where <prefix> is 6 lower-case hex digits and <secret> 32
// random bytes in URL-safe base64 without padding (43 characters) — 55 characters in all.
// Only HMAC-SHA256(pepper, key) is stored, looked up by the public prefix "koba_<6 hex>".
#pragma once

#include "core/scopes.hpp"

#include <cstdint>
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

// An api_keys row as authentication reads it (looked up by prefix).
struct StoredApiKey {
    int64_t id = 0;
    std::string key_hash;
    Scope scope = Scope::Sender;
    std::optional<int64_t> user_id;
    bool is_active = false;
    std::optional<int64_t> expires_at;  // Unix microseconds; none: never
};

// The hint of every refused key, the same for all: nothing about whether it exists.
inline constexpr char kRefusedKeyHint[] = "Check the key: it may be mistyped, revoked or expired.";

// Accepts the key whose api_key_hash is `hash` when it is `stored` (none: no key has its prefix),
// active and unexpired at `now` (Unix microseconds: validity is judged at the moment of the call).
// Every refusal is the same UNAUTHORIZED with kRefusedKeyHint, and takes about the same time: the
// stored hash is compared in constant time, against a stand-in when there is no stored key.
void require_key_accepted(const std::optional<StoredApiKey>& stored, std::string_view hash, int64_t now);

// A key's use is stamped (api_keys.last_used_at) at most once a minute: a stamp is due when the
// last one is older than this (Unix microseconds), or when there is none.
int64_t key_use_stamp_due_before(int64_t now);

// URL-safe base64 without padding (RFC 4648 section 5).
std::string base64url(const unsigned char* bytes, std::size_t n);

}  // namespace koba::core
