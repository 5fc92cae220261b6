// What a call into core refuses with, for tests of the plans.
#pragma once

#include "core/errors.hpp"

#include <functional>
#include <optional>

namespace koba::test {

// The code of the core::Error `call` throws, or nullopt when it throws nothing.
inline std::optional<core::ErrorCode> error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const core::Error& e) {
        return e.code();
    }
    return std::nullopt;
}

}  // namespace koba::test
