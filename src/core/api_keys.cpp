#include "core/api_keys.hpp"

#include "core/errors.hpp"
#include "core/hmac.hpp"
#include "core/random.hpp"

#include <array>

namespace koba::core {

namespace {

constexpr std::string_view kKeyStart = "koba_";
constexpr std::size_t kPrefixHexDigits = 6;
constexpr std::size_t kPrefixLength = kKeyStart.size() + kPrefixHexDigits;  // "koba_" + 6 hex
constexpr std::size_t kSecretBytes = 32;
constexpr int64_t kKeyUseStampInterval = 60'000'000;  // one minute, in microseconds

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_base64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string base64url(const unsigned char* bytes, std::size_t n) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((n * 4 + 2) / 3);
    for (std::size_t i = 0; i < n; i += 3) {
        const uint32_t chunk = (uint32_t{bytes[i]} << 16) | (i + 1 < n ? uint32_t{bytes[i + 1]} << 8 : 0) |
                               (i + 2 < n ? uint32_t{bytes[i + 2]} : 0);
        const std::size_t chars = n - i >= 3 ? 4 : n - i + 1;  // no padding
        for (std::size_t j = 0; j < chars; j++) out += kAlphabet[(chunk >> (18 - 6 * j)) & 0x3f];
    }
    return out;
}

NewApiKey generate_api_key() {
    std::array<unsigned char, kPrefixHexDigits / 2> prefix_bytes{};
    std::array<unsigned char, kSecretBytes> secret{};
    random_bytes(prefix_bytes.data(), prefix_bytes.size());
    random_bytes(secret.data(), secret.size());
    NewApiKey key;
    key.prefix = std::string(kKeyStart) + to_hex(prefix_bytes.data(), prefix_bytes.size());
    key.key = key.prefix + "." + base64url(secret.data(), secret.size());
    return key;
}

std::optional<std::string> api_key_prefix(std::string_view key) noexcept {
    if (key.size() != kApiKeyLength || key.substr(0, kKeyStart.size()) != kKeyStart || key[kPrefixLength] != '.')
        return std::nullopt;
    for (std::size_t i = kKeyStart.size(); i < kPrefixLength; i++)
        if (!is_lower_hex(key[i])) return std::nullopt;
    for (std::size_t i = kPrefixLength + 1; i < key.size(); i++)
        if (!is_base64url(key[i])) return std::nullopt;
    try {
        return std::string(key.substr(0, kPrefixLength));
    } catch (...) {
        return std::nullopt;
    }
}

std::string api_key_hash(std::string_view pepper, std::string_view key) {
    const std::array<unsigned char, 32> mac = hmac_sha256(pepper, key);
    return to_hex(mac.data(), mac.size());
}

void require_key_accepted(const std::optional<StoredApiKey>& stored, std::string_view hash, int64_t now) {
    const std::string stand_in(hash.size(), '0');
    const std::string_view compared = stored ? std::string_view(stored->key_hash) : std::string_view(stand_in);
    const bool hash_matches =
        compared.size() == hash.size() && constant_time_equal(compared.data(), hash.data(), hash.size());
    const bool valid = stored && stored->is_active && (!stored->expires_at || *stored->expires_at > now);
    if (!hash_matches || !valid) throw Error(ErrorCode::UNAUTHORIZED, {}, kRefusedKeyHint);
}

int64_t key_use_stamp_due_before(int64_t now) { return now - kKeyUseStampInterval; }

}  // namespace koba::core
