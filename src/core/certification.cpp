#include "core/certification.hpp"

#include "core/errors.hpp"

#include <cctype>

namespace koba::core {

std::string normalize_certification_level(std::string_view level) {
    while (!level.empty() && std::isspace(static_cast<unsigned char>(level.front()))) level.remove_prefix(1);
    while (!level.empty() && std::isspace(static_cast<unsigned char>(level.back()))) level.remove_suffix(1);
    std::string upper;
    for (const char c : level) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "BASIC" && upper != "GOLD") throw Error(ErrorCode::INVALID_LEVEL);
    return upper;
}

}  // namespace koba::core
