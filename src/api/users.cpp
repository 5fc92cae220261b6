// Users, the recipient allowlist and certification levels.
#include "audit/audit.hpp"
#include "context/identity.hpp"
#include "store/lookups.hpp"
#include "core/certification.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

// create_user(username text, email text, is_active boolean DEFAULT true) RETURNS users
// A platform call: a key bound to a user would learn from USER_EXISTS whether any address is
// registered, and could take the names and addresses of users yet to come.
KOBA_FUNCTION(kobatela_create_user) {
    context::require_unbound(context::require_scope(core::kBusinessWrite),
                         "Users are created by the platform: a key bound to a user may not create users.");
    const pg::Args args(fcinfo);
    const std::string username = args.text(0, "username");
    const std::string email = args.text(1, "email");
    const bool is_active = args.boolean(2, "is_active");  // omitted: the SQL default, true
    core::require_text(username, "username", 100);
    if (!core::looks_like_email(email)) throw Error(ErrorCode::INVALID_EMAIL);

    // Uniqueness (case-insensitive username and e-mail) is decided by the unique indexes, so two
    // concurrent calls cannot both create the same user.
    static pg::Statement insert{
        "INSERT INTO kobatela.users (username, email, is_active) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING *",
        {TEXTOID, TEXTOID, BOOLOID}};
    pg::Spi spi;
    const audit::AuditReason reason("USER_CREATED");
    const pg::Result row = spi.run(insert, pg::Params().text(username).text(email).boolean(is_active));
    if (row.empty()) throw Error(ErrorCode::USER_EXISTS);
    return row.composite(0, fcinfo);
}

// get_user(id bigint) RETURNS users
KOBA_FUNCTION(kobatela_get_user) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    context::require_party(caller, {id});
    static pg::Statement select{"SELECT * FROM kobatela.users WHERE id = $1", {INT8OID}};
    pg::Spi spi;
    const pg::Result row = spi.run(select, pg::Params().int8(id));
    if (row.empty()) throw Error(ErrorCode::USER_NOT_FOUND);
    return row.composite(0, fcinfo);
}

// add_to_allowlist(owner_id bigint, recipient_id bigint) RETURNS text: 'added' or 'exists'
KOBA_FUNCTION(kobatela_add_to_allowlist) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t owner_id = args.int8(0, "owner_id");
    const int64_t recipient_id = args.int8(1, "recipient_id");
    context::require_party(caller, {owner_id});
    static pg::Statement insert{
        "INSERT INTO kobatela.allowed_recipients (owner_id, recipient_id) VALUES ($1, $2) "
        "ON CONFLICT (owner_id, recipient_id) DO NOTHING RETURNING id",
        {INT8OID, INT8OID}};
    pg::Spi spi;
    store::require_user(spi, owner_id);
    store::require_user(spi, recipient_id);
    const audit::AuditReason reason("ALLOWLIST_ADDED");
    const bool added = !spi.run(insert, pg::Params().int8(owner_id).int8(recipient_id)).empty();
    return pg::text_datum(added ? "added" : "exists");
}

// add_certification(user_id bigint, level text) RETURNS text: 'certified' or 'updated'
// Certification vouches for a receiver, so a key bound to a user (an end user's key) may not
// grant it, not even to its own user: only admin keys and unbound sender keys (the platform).
KOBA_FUNCTION(kobatela_add_certification) {
    context::require_unbound(context::require_scope(core::kBusinessWrite), "A key bound to a user may not certify accounts.");
    const pg::Args args(fcinfo);
    const int64_t user_id = args.int8(0, "user_id");
    const std::string level = core::normalize_certification_level(args.text(1, "level"));
    static pg::Statement upsert{
        "INSERT INTO kobatela.certified_accounts (user_id, level, certified_at) "
        "VALUES ($1, $2::kobatela.certification_level, now()) "
        "ON CONFLICT (user_id) DO UPDATE SET level = EXCLUDED.level, certified_at = now() "
        "RETURNING (xmax = 0) AS inserted",
        {INT8OID, TEXTOID}};
    pg::Spi spi;
    store::require_user(spi, user_id);
    const audit::AuditReason reason("CERTIFICATION_SET");
    const bool inserted = spi.run(upsert, pg::Params().int8(user_id).text(level)).boolean(0, 1);
    return pg::text_datum(inserted ? "certified" : "updated");
}
