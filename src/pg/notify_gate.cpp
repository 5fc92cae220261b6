#include "pg/notify_gate.hpp"

#include "core/notify_throttle.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace koba::pg {

namespace {

// One database's last notification. A slot is taken for good by the first database that
// notifies (a dropped database's slot stays taken: 64 databases with Kobatela in one cluster is
// far beyond what a slot table this size is for; past it, notifications are simply not coalesced).
struct Slot {
    pg_atomic_uint32 database;  // InvalidOid: free
    pg_atomic_uint64 last_micros;
};
constexpr int kSlots = 64;

Slot* g_slots = nullptr;
shmem_request_hook_type g_previous_request = nullptr;
shmem_startup_hook_type g_previous_startup = nullptr;

const char* g_channel = nullptr;  // this transaction's request; nullptr: none
bool g_callback_registered = false;

// Plain C hooks: no C++ object lives here, so an error PostgreSQL raises (out of shared memory)
// unwinds nothing of ours.
void request_memory() {
    if (g_previous_request) g_previous_request();
    RequestAddinShmemSpace(sizeof(Slot) * kSlots);
}

void attach_memory() {
    if (g_previous_startup) g_previous_startup();
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    g_slots = static_cast<Slot*>(ShmemInitStruct("kobatela notify gate", sizeof(Slot) * kSlots, &found));
    if (!found) {
        for (int i = 0; i < kSlots; i++) {
            pg_atomic_init_u32(&g_slots[i].database, InvalidOid);
            pg_atomic_init_u64(&g_slots[i].last_micros, 0);
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

Slot* slot_of(Oid database) {
    for (int i = 0; i < kSlots; i++) {
        uint32 held = pg_atomic_read_u32(&g_slots[i].database);
        if (held == database) return &g_slots[i];
        if (held == InvalidOid) {
            uint32 expected = InvalidOid;
            if (pg_atomic_compare_exchange_u32(&g_slots[i].database, &expected, database) || expected == database)
                return &g_slots[i];
        }
    }
    return nullptr;
}

// Whether this transaction sends the database's notification: it takes the slot's turn when the
// interval has passed (compare-and-swap: of the transactions committing at once, one wins).
bool take_turn() {
    if (g_slots == nullptr) return true;
    Slot* slot = slot_of(MyDatabaseId);
    if (slot == nullptr) return true;
    const int64 now = GetCurrentTimestamp();
    uint64 last = pg_atomic_read_u64(&slot->last_micros);
    while (core::notify_due(static_cast<int64_t>(last), now)) {
        if (pg_atomic_compare_exchange_u64(&slot->last_micros, &last, static_cast<uint64>(now))) return true;
    }
    return false;
}

// At PRE_COMMIT, before PreCommit_Notify takes its lock: the notification is queued (or not) now,
// when the transaction can no longer write another event. Async_Notify raises only on a channel
// name too long (ours is not) or out of memory.
void on_transaction_event(XactEvent event, void* /*arg*/) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (g_channel != nullptr && take_turn()) Async_Notify(g_channel, "");
            g_channel = nullptr;
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PREPARE:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_PARALLEL_ABORT:
            g_channel = nullptr;
            break;
        default:
            break;
    }
}

}  // namespace

void request_notify_gate_memory() {
    g_previous_request = shmem_request_hook;
    shmem_request_hook = request_memory;
    g_previous_startup = shmem_startup_hook;
    shmem_startup_hook = attach_memory;
}

void notify_at_commit(const char* channel) {
    if (!g_callback_registered) {
        pg_call([] { RegisterXactCallback(on_transaction_event, nullptr); });
        g_callback_registered = true;
    }
    g_channel = channel;
}

}  // namespace koba::pg
