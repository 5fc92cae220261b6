// libFuzzer target: parse_amount must never crash, and an Ok result must round-trip.
#include "core/money.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ParsedAmount parsed = parse_amount(text);
    if (parsed.status == AmountParse::Ok) {
        if (parsed.cents > kMaxCents || parsed.cents < -kMaxCents) std::abort();
        const ParsedAmount again = parse_amount(format_cents(parsed.cents));
        if (again.status != AmountParse::Ok || again.cents != parsed.cents) std::abort();
    }
    return 0;
}
