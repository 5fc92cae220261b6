#include "core/references.hpp"

#include "core/hmac.hpp"
#include "core/random.hpp"

#include <algorithm>

namespace koba::core {

namespace {
constexpr int64_t kMaxUuidMillis = (int64_t{1} << 48) - 1;
}  // namespace

std::string uuid_v7(int64_t unix_millis, const std::array<unsigned char, kUuidRandomBytes>& random) {
    const uint64_t millis = static_cast<uint64_t>(std::clamp<int64_t>(unix_millis, 0, kMaxUuidMillis));
    std::array<unsigned char, 16> bytes{};
    for (int i = 0; i < 6; i++) bytes[i] = static_cast<unsigned char>(millis >> (40 - 8 * i));  // big-endian
    bytes[6] = static_cast<unsigned char>(0x70 | (random[0] & 0x0f));  // version 7
    bytes[7] = random[1];
    bytes[8] = static_cast<unsigned char>(0x80 | (random[2] & 0x3f));  // variant 10
    std::copy(random.begin() + 3, random.end(), bytes.begin() + 9);
    const std::string hex = to_hex(bytes.data(), bytes.size());
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

std::string new_psp_ref(int64_t unix_millis) {
    std::array<unsigned char, kUuidRandomBytes> random{};
    random_bytes(random.data(), random.size());
    return "PSP-" + uuid_v7(unix_millis, random);
}

}  // namespace koba::core
