// Which relations are Kobatela's own: the tables its install and upgrade scripts created, members
// of the extension (pg_depend), whatever their name or schema. Kobatela's trigger functions run
// only for those: attached to any other table (a TEMP table of an attacker's, say) they refuse,
// so that nobody can write audit rows, or have rows stamped, on behalf of the extension.
#pragma once

#include "pg/postgres.hpp"

namespace koba::audit {

// TRIGGER_NOT_ALLOWED unless the trigger's table is a member of extension kobatela;
// `trigger_function` names the function in the error. Membership is cached per backend; a
// relation's entry is dropped when its relcache entry is invalidated.
void require_extension_table(Relation relation, const char* trigger_function);

}  // namespace koba::audit
