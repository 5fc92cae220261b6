#include "core/json_limits.hpp"

#include "core/errors.hpp"

#include <charconv>
#include <limits>
#include <string>

namespace koba::core {

int json_depth(std::string_view json) noexcept {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            if (c == '\\') ++i;  // the escaped character is never a quote that ends the string
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

void require_json_within(std::string_view json, const JsonLimits& limits, std::string_view name) {
    if (json.size() > limits.max_bytes)
        throw Error(ErrorCode::INVALID_JSON, std::string(name) + " is larger than " + std::to_string(limits.max_bytes) +
                                                 " bytes.");
    if (json_depth(json) > limits.max_depth)
        throw Error(ErrorCode::INVALID_JSON, std::string(name) + " is nested deeper than " +
                                                 std::to_string(limits.max_depth) + " levels.");
}

std::optional<double> json_number_as_double(std::string_view text) noexcept {
    // A JSON number starts with a digit or '-' (from_chars alone would also take "inf" and "nan").
    if (text.empty() || !(text.front() == '-' || (text.front() >= '0' && text.front() <= '9'))) return std::nullopt;
    double value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(first, last, value);
    if (end != last) return std::nullopt;
    if (error == std::errc::result_out_of_range) {
        // Too large or too small for a double ("1e400", or jsonb's "1000...0"; "1e-400", or
        // "0.000...01"): +/-infinity or 0, from the exponent, else from the integer part.
        const bool negative = text.front() == '-';
        const std::string_view digits = negative ? text.substr(1) : text;
        const std::size_t e = digits.find_first_of("eE");
        const bool tiny = e != std::string_view::npos ? e + 1 < digits.size() && digits[e + 1] == '-'
                                                      : digits.rfind("0.", 0) == 0 || digits == "0";
        if (tiny) return negative ? -0.0 : 0.0;
        return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    if (error != std::errc()) return std::nullopt;
    return value;
}

}  // namespace koba::core
