// libFuzzer target: from_hex must never crash, and decoded bytes must re-encode to the input.
#include "core/hmac.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view hex(reinterpret_cast<const char*>(data), size);
    std::string bytes;
    if (from_hex(hex, &bytes)) {
        std::string lower(hex);
        for (char& c : lower) c = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
        if (to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != lower) {
            std::abort();
        }
    }
    (void)verify_hmac_sha256_hex("key", "message", hex);
    return 0;
}
