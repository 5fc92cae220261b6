#include "core/notify_throttle.hpp"

namespace koba::core {

bool notify_due(int64_t last_micros, int64_t now_micros) noexcept {
    return last_micros == 0 || now_micros < last_micros || now_micros - last_micros >= kEventNotifyIntervalMicros;
}

}  // namespace koba::core
