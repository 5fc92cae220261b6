// The audit trail, seen from the C++ API functions: the business reason and the actor of the
// changes captured while a call runs.
//
// Every table of schema kobatela (but audit_log) carries the row trigger kobatela.audit_row(),
// which captures each inserted, updated or deleted row; the changes of one API call become one
// hash-chained audit_log record when the call returns (audit.cpp, docs/audit.md). By default a
// change's action is "<TABLE>_<OP>" (USERS_INSERT) and its actor is context::current_actor(); a
// record's action and actor are its first change's. A function that knows *why* it writes names
// the reason for the changes made while the object lives:
//
//   KOBA_FUNCTION(kobatela_create_transaction) {
//       const audit::AuditReason reason("CREATE_TRANSACTION");
//       ... spi.run(insert, ...);   // the record's action: CREATE_TRANSACTION
//   }
//
//   const audit::AuditActor actor("psp");   // changes made meanwhile: actor "psp"
//
// Both nest: the innermost live object wins, and destroying it restores the previous one.
// They are backend memory, not settings, so SQL cannot forge them. They are also forgotten at
// the end of the (sub)transaction they were set in, so that a PostgreSQL error that skipped the
// C++ destructors (a bug in the bridge) cannot leak a reason into later writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::audit {

namespace detail {
// One entry of the reason or actor stack (audit.cpp).
class AuditOverride {
public:
    AuditOverride(const AuditOverride&) = delete;
    AuditOverride& operator=(const AuditOverride&) = delete;

protected:
    // A blank value throws std::invalid_argument, unless `allow_default`: then the entry means "no
    // override" (the default action or actor) while it lives.
    AuditOverride(int which, std::string_view value, bool allow_default = false);
    ~AuditOverride();

private:
    int which_;
    uint64_t token_;
};
}  // namespace detail

// The action of the changes made while this object lives, e.g. "CREATE_TRANSACTION".
class AuditReason : private detail::AuditOverride {
public:
    explicit AuditReason(std::string_view action) : AuditOverride(0, action) {}
};

// The actor of the changes made while this object lives, e.g. "psp", instead of
// context::current_actor().
class AuditActor : private detail::AuditOverride {
public:
    explicit AuditActor(std::string_view actor) : AuditOverride(1, actor) {}
};

// The default action and actor for the changes made while this object lives, whatever reason or
// actor an enclosing call set: for changes made on the side of a call, on their own behalf (the
// record of an API key's use).
class AuditDefaults {
public:
    AuditDefaults() : reason_(0), actor_(1) {}

private:
    class Default : private detail::AuditOverride {
    public:
        explicit Default(int which) : AuditOverride(which, {}, true) {}
    };
    Default reason_;
    Default actor_;
};

// Records a change that is no row change (op "EVENT") in the current record, as the trigger
// records row changes: e.g. audit_event("API_KEY_USED", "api_keys", key_id, R"({"scope":"admin"})").
// The actor is the live AuditActor, else current_actor(). `data_json` must be one JSON object,
// written by Kobatela (it is stored and hashed as it is).
void audit_event(std::string_view action, std::string_view entity, std::optional<int64_t> entity_id,
                 std::string_view data_json);

// While this object lives, the changes captured (a key's use: API_KEY_USED and its last_used_at
// stamp) are held for the next record the transaction writes, whose first changes they become;
// when no record follows, they are a record of their own at COMMIT (core/audit_record.hpp).
class HoldForNextRecord {
public:
    HoldForNextRecord();
    ~HoldForNextRecord();
    HoldForNextRecord(const HoldForNextRecord&) = delete;
    HoldForNextRecord& operator=(const HoldForNextRecord&) = delete;
};

}  // namespace koba::audit
