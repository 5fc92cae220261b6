// API key management, admin only: create (the plaintext is returned once), read, revoke.
#include "context/identity.hpp"
#include "core/api_keys.hpp"
#include "core/errors.hpp"
#include "core/timestamps.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/identity_store.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

// create_api_key(name text, scope api_scope, user_id bigint DEFAULT NULL,
//                expires_at timestamptz DEFAULT NULL, OUT id bigint, OUT prefix text, OUT api_key text)
KOBA_FUNCTION(kobatela_create_api_key) {
    context::require_scope(core::kAdminOnly);
    const pg::Args args(fcinfo);
    store::NewApiKeyRow row{args.text(0, "name"), {}, {}, args.enum_label(1, "scope"), args.opt_int8(2),
                            args.opt_timestamptz(3)};
    if (row.expires_at) core::require_within_horizon(*row.expires_at, pg::clock_micros(), "expires_at");
    core::require_text(row.name, "name", 100);
    const std::string_view pepper =
        pg::settings::require_secret(pg::settings::api_key_pepper(), ErrorCode::APIKEY_PEPPER_MISSING);
    // An expires_at already past is allowed: the key is born expired and never authenticates (the
    // spec sets no rule; a test of expiry, or a key issued for a window that is over, needs it).

    pg::Spi spi;
    if (row.user_id) store::require_user(spi, *row.user_id);
    // The 6-hex-digit prefix is random: on the rare collision with an existing key, draw again.
    for (int attempt = 0; attempt < 8; attempt++) {
        const core::NewApiKey key = core::generate_api_key();
        row.prefix = key.prefix;
        row.key_hash = core::api_key_hash(pepper, key.key);
        if (const std::optional<int64_t> id = store::insert_api_key(spi, row))
            return pg::record_datum(fcinfo, {Int64GetDatum(*id), pg::text_datum(key.prefix), pg::text_datum(key.key)});
    }
    throw Error(ErrorCode::INTERNAL_ERROR, "Could not draw an unused API key prefix.");
}

// get_api_key(id bigint) RETURNS api_key_info
KOBA_FUNCTION(kobatela_get_api_key) {
    context::require_scope(core::kAdminOnly);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    pg::Spi spi;
    return store::api_key_info_row(spi, id, fcinfo);
}

// revoke_api_key(id bigint) RETURNS void: every later use of the key fails; revoking twice is a
// no-op.
KOBA_FUNCTION(kobatela_revoke_api_key) {
    context::require_scope(core::kAdminOnly);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    pg::Spi spi;
    store::revoke_api_key(spi, id);
    PG_RETURN_VOID();
}
