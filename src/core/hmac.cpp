#include "core/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <stdexcept>
#include <utility>

namespace koba::core {

namespace {

// A default-constructed string_view has a null data(); OpenSSL wants a valid pointer even for
// zero-length input.
const unsigned char* bytes_of(std::string_view s) {
    static const unsigned char kEmpty = 0;
    return s.data() ? reinterpret_cast<const unsigned char*>(s.data()) : &kEmpty;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes hex.size() / 2 bytes into out; hex.size() must be even. False on a non-hex character.
bool decode_hex(std::string_view hex, unsigned char* out) {
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]);
        const int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

}  // namespace

std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view message) {
    std::array<unsigned char, 32> mac{};
    unsigned int mac_len = 0;
    // HMAC() is the one-shot API; unlike HMAC_CTX_* it is not deprecated in OpenSSL 3.
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(message),
             message.size(), mac.data(), &mac_len) == nullptr ||
        mac_len != mac.size()) {
        throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
    }
    return mac;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n * 2, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 0x0F];
    }
    return out;
}

bool from_hex(std::string_view hex, std::string* out_bytes) noexcept {
    if (hex.size() % 2 != 0) return false;
    try {
        std::string bytes(hex.size() / 2, '\0');
        if (!decode_hex(hex, reinterpret_cast<unsigned char*>(bytes.data()))) return false;
        *out_bytes = std::move(bytes);
        return true;
    } catch (...) {  // std::bad_alloc on absurd input
        return false;
    }
}

bool constant_time_equal(const void* a, const void* b, std::size_t n) noexcept {
    return CRYPTO_memcmp(a, b, n) == 0;
}

bool verify_hmac_sha256_hex(std::string_view key, std::string_view message,
                            std::string_view signature_hex) noexcept {
    std::array<unsigned char, 32> given{};
    if (signature_hex.size() != 2 * given.size() || !decode_hex(signature_hex, given.data())) {
        return false;
    }
    try {
        const std::array<unsigned char, 32> expected = hmac_sha256(key, message);
        return constant_time_equal(expected.data(), given.data(), given.size());
    } catch (...) {
        return false;
    }
}

}  // namespace koba::core
