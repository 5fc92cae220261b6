// Runs what follows as a table's owner, row-level security not forced, like PostgreSQL's own
// foreign-key triggers: the writers that a trigger drives (the audit writer, src/audit/audit.cpp;
// the event writer, src/audit/event_trigger.cpp) write their table whoever the caller is, and no
// policy hides from them the rows they read. Restored on every exit (an error also restores it,
// through the (sub)transaction abort).
#pragma once

#include "pg/guard.hpp"
#include "pg/postgres.hpp"

namespace koba::pg {

class AsTableOwner {
public:
    explicit AsTableOwner(Oid owner) {
        Oid* user = &saved_user_;
        int* context = &saved_context_;
        pg_call([&] {
            GetUserIdAndSecContext(user, context);
            SetUserIdAndSecContext(owner, *context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
        });
    }
    ~AsTableOwner() { SetUserIdAndSecContext(saved_user_, saved_context_); }  // cannot raise
    AsTableOwner(const AsTableOwner&) = delete;
    AsTableOwner& operator=(const AsTableOwner&) = delete;

private:
    Oid saved_user_ = InvalidOid;
    int saved_context_ = 0;
};

}  // namespace koba::pg
