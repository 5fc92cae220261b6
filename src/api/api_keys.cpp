// API key management, admin only: create (the plaintext is returned once), read, revoke.
#include "audit/audit.hpp"
#include "context/identity.hpp"
#include "store/lookups.hpp"
#include "core/api_keys.hpp"
#include "core/errors.hpp"
#include "core/timestamps.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {
// The columns of kobatela.api_key_info: the key row without its hash.
constexpr const char* kKeyInfoColumns =
    "id, name, prefix, scope, user_id, is_active, expires_at, last_used_at, created_at, updated_at";
}  // namespace

// create_api_key(name text, scope api_scope, user_id bigint DEFAULT NULL,
//                expires_at timestamptz DEFAULT NULL, OUT id bigint, OUT prefix text, OUT api_key text)
KOBA_FUNCTION(kobatela_create_api_key) {
    context::require_scope(core::kAdminOnly);
    const pg::Args args(fcinfo);
    const std::string name = args.text(0, "name");
    const std::string scope = args.enum_label(1, "scope");
    const std::optional<int64_t> user_id = args.opt_int8(2);
    const std::optional<pg::UnixMicros> expires_at = args.opt_timestamptz(3);
    if (expires_at) core::require_within_horizon(*expires_at, pg::clock_micros(), "expires_at");
    core::require_text(name, "name", 100);
    const std::string_view pepper =
        pg::settings::require_secret(pg::settings::api_key_pepper(), ErrorCode::APIKEY_PEPPER_MISSING);
    // An expires_at already past is allowed: the key is born expired and never authenticates (the
    // spec sets no rule; a test of expiry, or a key issued for a window that is over, needs it).

    static pg::Statement insert{
        "INSERT INTO kobatela.api_keys (name, prefix, key_hash, scope, user_id, expires_at) "
        "VALUES ($1, $2, $3, $4::kobatela.api_scope, $5, $6) ON CONFLICT (prefix) DO NOTHING RETURNING id",
        {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID}};
    pg::Spi spi;
    if (user_id) store::require_user(spi, *user_id);
    const audit::AuditReason reason("API_KEY_CREATED");
    // The 6-hex-digit prefix is random: on the rare collision with an existing key, draw again.
    for (int attempt = 0; attempt < 8; attempt++) {
        const core::NewApiKey key = core::generate_api_key();
        const pg::Result row = spi.run(insert, pg::Params()
                                                   .text(name)
                                                   .text(key.prefix)
                                                   .text(core::api_key_hash(pepper, key.key))
                                                   .text(scope)
                                                   .opt_int8(user_id)
                                                   .opt_timestamptz(expires_at));
        if (!row.empty())
            return pg::record_datum(fcinfo, {Int64GetDatum(row.int8(0, 1)), pg::text_datum(key.prefix),
                                             pg::text_datum(key.key)});
    }
    throw Error(ErrorCode::INTERNAL_ERROR, "Could not draw an unused API key prefix.");
}

// get_api_key(id bigint) RETURNS api_key_info
KOBA_FUNCTION(kobatela_get_api_key) {
    context::require_scope(core::kAdminOnly);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    static const std::string sql = std::string("SELECT ") + kKeyInfoColumns + " FROM kobatela.api_keys WHERE id = $1";
    static pg::Statement select{sql.c_str(), {INT8OID}};
    pg::Spi spi;
    const pg::Result row = spi.run(select, pg::Params().int8(id));
    if (row.empty()) throw Error(ErrorCode::APIKEY_NOT_FOUND);
    return row.composite(0, fcinfo);
}

// revoke_api_key(id bigint) RETURNS void: every later use of the key fails; revoking twice is a
// no-op.
KOBA_FUNCTION(kobatela_revoke_api_key) {
    context::require_scope(core::kAdminOnly);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    static pg::Statement revoke{
        "UPDATE kobatela.api_keys SET is_active = false WHERE id = $1 AND is_active RETURNING id", {INT8OID}};
    static pg::Statement exists{"SELECT 1 FROM kobatela.api_keys WHERE id = $1", {INT8OID}};
    pg::Spi spi;
    const audit::AuditReason reason("API_KEY_REVOKED");
    if (spi.run(revoke, pg::Params().int8(id)).empty() && spi.run(exists, pg::Params().int8(id)).empty())
        throw Error(ErrorCode::APIKEY_NOT_FOUND);
    PG_RETURN_VOID();
}
