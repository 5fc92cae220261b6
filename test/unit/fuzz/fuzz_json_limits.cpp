// libFuzzer target: the JSON depth count and the JSON-number conversion never crash, and agree with
// simple facts: depth is never negative nor above the number of opening brackets; a number text
// converts to a double or to nothing, never to NaN.
#include "core/errors.hpp"
#include "core/json_limits.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const int depth = json_depth(text);
    std::size_t opening = 0;
    for (const char c : text) opening += c == '[' || c == '{';
    if (depth < 0 || static_cast<std::size_t>(depth) > opening) std::abort();
    try {
        require_json_within(text, JsonLimits{64, 4}, "fuzz");
        if (text.size() > 64 || depth > 4) std::abort();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::INVALID_JSON) std::abort();
    }
    if (const std::optional<double> number = json_number_as_double(text); number && std::isnan(*number)) std::abort();
    return 0;
}
