#include "core/certification.hpp"

#include "core/errors.hpp"
#include "core/text_rules.hpp"


namespace koba::core {

std::string normalize_certification_level(std::string_view level) {
    const std::string upper = upper_ascii(trim_ascii(level));
    if (upper != "BASIC" && upper != "GOLD") throw Error(ErrorCode::INVALID_LEVEL);
    return upper;
}

}  // namespace koba::core
