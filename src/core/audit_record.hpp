// One audit record per business action, pure C++: the changes waiting to be written, how they are
// grouped into records, and the record's `changes` text (the bytes stored and hashed).
//
// The audit trigger captures every row change (audit.cpp); nothing is written per row. Changes
// wait here in one of three groups, and each group becomes one record when it is written:
//
//  * Call: the changes made while an API call runs (a Kobatela SQL function, outermost): written
//    when the call returns, as one record: "a deposit is one record, not three rows".
//  * Outside: changes made outside any API call (plain SQL, an upgrade script): written at COMMIT
//    as the transaction's record, or just before the next call's record, so that records keep the
//    order of the changes.
//  * Held: a key's use (API_KEY_USED and its last_used_at stamp), captured while authenticate()
//    runs: it joins the record of the next call that changes something, as its first changes, or is
//    written as a record of its own at COMMIT when no change follows.
//
// Every change remembers the (sub)transaction nesting level it was captured at, so a subtransaction
// that rolls back discards its changes (ROLLBACK TO SAVEPOINT, a PL/pgSQL exception block) and one
// that commits hands them to its parent. A group that reaches kMaxRecordChanges changes or
// kMaxRecordBytes bytes is written at once, as one of several chained records of the same action:
// records stay bounded, and so does this backend's memory, whatever a bulk change touches.
//
// The record's actor and action are its first own change's (a held key use leads the record of the
// call it authenticated but does not name it); a change whose own actor or action differs
// (an AuditReason set deeper in the call, the held key use) carries it in its entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

constexpr std::size_t kMaxRecordChanges = 1000;
constexpr std::size_t kMaxRecordBytes = 1 << 20;  // of the changes' data, about the record's size

struct AuditChange {
    std::string actor;   // the actor live when it was captured (context::current_actor, AuditActor)
    std::string action;  // the reason live when it was captured, else <TABLE>_<OP>
    std::string entity;  // the table
    std::optional<int64_t> entity_id;
    std::string_view op;  // "INSERT", "UPDATE", "DELETE", "TRUNCATE" or "EVENT" (static strings)
    std::string data;     // one JSON object: the row, the changed columns {"new", "old"}, an event's data
    int level = 1;        // the nesting level it was captured at
    bool held = false;    // captured for the next record (a key's use): leads it, never heads it
};

enum class ChangeGroup { Call = 0, Outside = 1, Held = 2 };

class PendingChanges {
public:
    void add(ChangeGroup group, AuditChange change);
    bool empty(ChangeGroup group) const { return groups_[index(group)].changes.empty(); }
    bool any() const;
    // True when the group has reached a record's bound: write it now.
    bool full(ChangeGroup group) const;
    // The group's changes captured at `level` or deeper, in capture order; the others stay.
    std::vector<AuditChange> take(ChangeGroup group, int level);
    // A subtransaction ends: its changes go to the parent level, or are discarded.
    void subcommit(int level) noexcept;
    void subabort(int level) noexcept;
    void clear() noexcept;

private:
    struct Group {
        std::vector<AuditChange> changes;
        std::size_t bytes = 0;
    };
    static std::size_t index(ChangeGroup g) { return static_cast<std::size_t>(g); }
    Group groups_[3];
};

// `changes` cut into records of at most kMaxRecordChanges changes and about kMaxRecordBytes each,
// in order (a bulk change, or changes that waited for an extension script to end).
std::vector<std::vector<AuditChange>> bounded_records(std::vector<AuditChange> changes);

// The record's head: the actor and action of its first change that is not held (the call's own),
// else of its first change.
struct RecordHead {
    std::string_view actor;
    std::string_view action;
};
RecordHead record_head(const std::vector<AuditChange>& changes);

// The record's `changes`: a JSON array with one object per change, in capture order,
//   {"op": "UPDATE", "entity": "payments", "entity_id": 7, "action": "...", "actor": "...", "data": {...}}
// ("action" and "actor" only where they differ from the head's; "entity_id": null for none).
// These bytes are stored as they are (a json column keeps its text) and hashed as they are.
std::string record_changes_json(const std::vector<AuditChange>& changes, const RecordHead& head);

// The record's entity keys for the history index, "<entity>:<id>" (or "<entity>" without id),
// each once, in first-seen order.
std::vector<std::string> record_entity_keys(const std::vector<AuditChange>& changes);

}  // namespace koba::core
