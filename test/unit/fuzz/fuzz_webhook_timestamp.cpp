// libFuzzer target: the PSP timestamp parser and the signature check must never crash; an accepted
// timestamp is never negative and survives a round trip through its canonical text.
#include "core/timestamps.hpp"
#include "core/webhook.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::optional<int64_t> micros = parse_psp_timestamp_micros(text);
    const VerifyResult result = verify_psp_signature("{}", text, text, "secret", "", 1700000000 * kMicrosPerSecond, 300);
    if (result.ok()) std::abort();  // the fuzzer cannot forge an HMAC
    if (!micros) {
        if (!text.empty() && result.check != SignatureCheck::TimestampInvalid) std::abort();
        return 0;
    }
    if (*micros < 0) std::abort();
    if (*micros == std::numeric_limits<int64_t>::max()) return 0;  // saturated
    char canonical[32];
    std::snprintf(canonical, sizeof canonical, "%lld.%06lld", static_cast<long long>(*micros / kMicrosPerSecond),
                  static_cast<long long>(*micros % kMicrosPerSecond));
    const std::optional<int64_t> again = parse_psp_timestamp_micros(canonical);
    if (!again || *again != *micros) std::abort();
    return 0;
}
