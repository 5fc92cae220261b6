#include "core/notify_throttle.hpp"

#include <gtest/gtest.h>

using namespace koba::core;

TEST(NotifyThrottle, FirstNotificationIsSent) { EXPECT_TRUE(notify_due(0, 5)); }

TEST(NotifyThrottle, AtMostOneInAnInterval) {
    const int64_t last = 1'000'000'000;
    EXPECT_FALSE(notify_due(last, last));
    EXPECT_FALSE(notify_due(last, last + kEventNotifyIntervalMicros - 1));
    EXPECT_TRUE(notify_due(last, last + kEventNotifyIntervalMicros));
    EXPECT_TRUE(notify_due(last, last + 10 * kEventNotifyIntervalMicros));
}

TEST(NotifyThrottle, ClockGoingBackSends) { EXPECT_TRUE(notify_due(1'000'000'000, 999'999'999)); }
