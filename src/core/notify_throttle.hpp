// How often a database's event notifications may be sent (docs/events.md, "Notifications").
//
// PostgreSQL serialises the commits of every transaction that sent a NOTIFY: PreCommit_Notify
// takes one lock, cluster-wide, and holds it until the commit record is flushed, so that
// notifications are queued in commit order. One notification per transaction that wrote events
// made every such commit wait for the others' flushes: measured with 8 clients, spend fell from
// 0.67-0.78 of its PL/pgSQL peer to 0.43-0.52. A notification only says "there is something new",
// so they are coalesced: per database, at most one transaction in each interval sends it, and the
// others commit without taking the lock.
#pragma once

#include <cstdint>

namespace koba::core {

constexpr int64_t kEventNotifyIntervalMicros = 100 * 1000;

// Whether a transaction committing at `now_micros` sends the notification, when the database's
// last one was sent at `last_micros` (0: never): once the interval has passed since it, or when
// the clock went back (a notification too many is harmless; one too few delays a waiting consumer
// until its timeout).
bool notify_due(int64_t last_micros, int64_t now_micros) noexcept;

}  // namespace koba::core
