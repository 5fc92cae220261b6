// The audit trail, seen from the C++ API functions: the business reason and the actor of the
// audit rows written while a call runs.
//
// Every table of schema kobatela (but audit_log) carries the row trigger kobatela.audit_row(),
// which writes one hash-chained audit_log row per inserted, updated or deleted row (audit.cpp,
// docs/audit.md). By default the row's action is "<TABLE>_<OP>" (USERS_INSERT) and its actor is
// context::current_actor(). A function that knows *why* it writes names the reason for the rows
// written while the object lives:
//
//   KOBA_FUNCTION(kobatela_create_transaction) {
//       const audit::AuditReason reason("CREATE_TRANSACTION");
//       ... spi.run(insert, ...);   // audit rows: action CREATE_TRANSACTION
//   }
//
//   const audit::AuditActor actor("psp");   // rows written meanwhile: actor "psp"
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

// The action of the audit rows written while this object lives, e.g. "CREATE_TRANSACTION".
class AuditReason : private detail::AuditOverride {
public:
    explicit AuditReason(std::string_view action) : AuditOverride(0, action) {}
};

// The actor of the audit rows written while this object lives, e.g. "psp", instead of
// context::current_actor().
class AuditActor : private detail::AuditOverride {
public:
    explicit AuditActor(std::string_view actor) : AuditOverride(1, actor) {}
};

// The default action and actor for the rows written while this object lives, whatever reason or
// actor an enclosing call set: for rows written on the side of a call, on their own behalf (the
// record of an API key's use, written just before a call's first row).
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

// Writes one audit_log row that is not a row change, chained like the trigger's rows: e.g.
// audit_event("API_KEY_USED", "api_keys", key_id, R"({"scope":"admin"})"). The actor is the live
// AuditActor, else current_actor(). `data_json` must be one JSON object.
void audit_event(std::string_view action, std::string_view entity, std::optional<int64_t> entity_id,
                 std::string_view data_json);

}  // namespace koba::audit
