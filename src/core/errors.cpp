#include "core/errors.hpp"

#include <iterator>

namespace koba::core {

namespace {
constexpr ErrorInfo kCatalogue[] = {
#define KOBA_ERROR_ROW(name, http, sqlstate, detail) {ErrorCode::name, #name, http, sqlstate, detail},
    KOBA_ERROR_CATALOGUE(KOBA_ERROR_ROW)
#undef KOBA_ERROR_ROW
};
}  // namespace

const ErrorInfo* error_catalogue(std::size_t* count) noexcept {
    *count = std::size(kCatalogue);
    return kCatalogue;
}

const ErrorInfo& error_info(ErrorCode code) noexcept {
    // The enum and the table come from the same X-macro, so the enum value is the index.
    return kCatalogue[static_cast<std::size_t>(code)];
}

bool hides_statement(ErrorCode code) noexcept {
    return code == ErrorCode::UNAUTHORIZED || code == ErrorCode::INVALID_SIGNATURE;
}

const char* Error::detail() const noexcept {
    return detail_.empty() ? error_info(code_).detail : detail_.c_str();
}

const char* Error::what() const noexcept { return error_info(code_).name; }

}  // namespace koba::core
