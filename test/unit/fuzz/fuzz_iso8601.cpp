// libFuzzer target: parse_iso8601_micros must never crash, and an accepted instant inside years
// 1-9999 must come back unchanged from its canonical UTC form.
#include "core/timestamps.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::optional<int64_t> micros =
        parse_iso8601_micros(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!micros) return 0;
    // Year 1 minus 18 h .. year 9999 plus 18 h.
    if (*micros < -62135661600LL * kMicrosPerSecond || *micros > 253402365599LL * kMicrosPerSecond + 999999)
        std::abort();
    int64_t seconds = *micros / kMicrosPerSecond;
    int64_t fraction = *micros % kMicrosPerSecond;
    if (fraction < 0) {
        fraction += kMicrosPerSecond;
        --seconds;
    }
    const time_t t = static_cast<time_t>(seconds);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) std::abort();
    const int year = tm.tm_year + 1900;
    if (year < 1 || year > 9999) return 0;
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", year, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(fraction));
    const std::optional<int64_t> again = parse_iso8601_micros(text);
    if (!again || *again != *micros) std::abort();
    return 0;
}
