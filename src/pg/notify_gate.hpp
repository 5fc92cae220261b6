// Coalesced notifications (core/notify_throttle.hpp has the why): notify_at_commit(channel) asks
// for a NOTIFY on `channel`, sent at this transaction's commit only if no other transaction of
// this database sent one in the last interval. The per-database time of the last notification
// lives in shared memory (a few slots, one per database that sends notifications), requested
// when the library is preloaded; without it (not preloaded: Kobatela then serves nothing) every
// request is sent.
#pragma once

namespace koba::pg {

// From _PG_init while shared_preload_libraries is being processed: asks for the shared slots.
void request_notify_gate_memory();

// Asks for the notification on `channel` (a string literal: kept as is) at this transaction's
// commit; nothing on rollback. Several requests in one transaction are one.
void notify_at_commit(const char* channel);

}  // namespace koba::pg
