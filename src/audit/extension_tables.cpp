#include "audit/extension_tables.hpp"

#include "core/errors.hpp"
#include "pg/guard.hpp"

#include <string>
#include <unordered_map>

extern "C" {
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "utils/inval.h"
}

namespace koba::audit {

namespace {

std::unordered_map<Oid, bool> g_membership;  // relid -> member of kobatela

// Called from C: must not throw (erase and clear do not).
void forget(Datum /*arg*/, Oid relid) {
    if (relid == InvalidOid) g_membership.clear();
    else g_membership.erase(relid);
}

// Whether `relid` is a member of extension kobatela (pg_depend), cached.
bool is_extension_table(Oid relid) {
    static bool registered = false;
    if (!registered) {
        pg::pg_call([] { CacheRegisterRelcacheCallback(forget, Datum(0)); });
        registered = true;
    }
    const auto it = g_membership.find(relid);
    if (it != g_membership.end()) return it->second;
    const bool member = pg::pg_call([&] {
        const Oid extension = get_extension_oid("kobatela", true);
        return OidIsValid(extension) && getExtensionOfObject(RelationRelationId, relid) == extension;
    });
    g_membership.emplace(relid, member);
    return member;
}

}  // namespace

void require_extension_table(Relation relation, const char* trigger_function) {
    if (is_extension_table(RelationGetRelid(relation))) return;
    throw core::Error(core::ErrorCode::TRIGGER_NOT_ALLOWED,
                      std::string(trigger_function) + " runs only for Kobatela's own tables; \"" +
                          RelationGetRelationName(relation) + "\" is not one of them.");
}

}  // namespace koba::audit
