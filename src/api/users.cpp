// Users, the recipient allowlist and certification levels.
#include "context/identity.hpp"
#include "core/certification.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/identity_store.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

// create_user(username text, email text, is_active boolean DEFAULT true, metadata jsonb DEFAULT NULL)
//   RETURNS users
// A platform call: a key bound to a user would learn from USER_EXISTS whether any address is
// registered, and could take the names and addresses of users yet to come.
KOBA_FUNCTION(kobatela_create_user) {
    context::require_unbound(context::require_scope(core::kBusinessWrite),
                         "Users are created by the platform: a key bound to a user may not create users.");
    const pg::Args args(fcinfo);
    const store::NewUser user{args.text(0, "username"), args.text(1, "email"),
                              args.boolean(2, "is_active"),  // is_active omitted: the SQL default, true
                              args.metadata(3)};
    core::require_text(user.username, "username", 100);
    if (!core::looks_like_email(user.email)) throw Error(ErrorCode::INVALID_EMAIL);
    pg::Spi spi;
    return store::insert_user(spi, user, fcinfo);
}

// get_user(id bigint) RETURNS users
KOBA_FUNCTION(kobatela_get_user) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    context::require_party(caller, {id});
    pg::Spi spi;
    return store::user_row(spi, id, fcinfo);
}

// add_to_allowlist(owner_id bigint, recipient_id bigint) RETURNS text: 'added' or 'exists'
KOBA_FUNCTION(kobatela_add_to_allowlist) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t owner_id = args.int8(0, "owner_id");
    const int64_t recipient_id = args.int8(1, "recipient_id");
    context::require_party(caller, {owner_id});
    pg::Spi spi;
    store::require_user(spi, owner_id);
    store::require_user(spi, recipient_id);
    return pg::text_datum(store::insert_allowlist_entry(spi, owner_id, recipient_id) ? "added" : "exists");
}

// add_certification(user_id bigint, level text) RETURNS text: 'certified' or 'updated'
// Certification vouches for a receiver, so a key bound to a user (an end user's key) may not
// grant it, not even to its own user: only admin keys and unbound sender keys (the platform).
KOBA_FUNCTION(kobatela_add_certification) {
    context::require_unbound(context::require_scope(core::kBusinessWrite), "A key bound to a user may not certify accounts.");
    const pg::Args args(fcinfo);
    const int64_t user_id = args.int8(0, "user_id");
    const std::string level = core::normalize_certification_level(args.text(1, "level"));
    pg::Spi spi;
    store::require_user(spi, user_id);
    return pg::text_datum(store::set_certification(spi, user_id, level) ? "certified" : "updated");
}
