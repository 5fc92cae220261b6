// Certification levels of a receiving account.
#pragma once

#include <string>
#include <string_view>

namespace koba::core {

// "gold", " Gold " -> "GOLD"; anything but BASIC or GOLD -> Error(INVALID_LEVEL).
std::string normalize_certification_level(std::string_view level);

}  // namespace koba::core
