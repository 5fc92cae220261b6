// Authentication: kobatela.authenticate(api_key), PostgREST's pre-request hook, and the
// identity functions RLS policies and applications read (current_scope, current_actor,
// current_user_id).
#include "context/identity.hpp"
#include "context/key_use.hpp"
#include "context/readiness.hpp"
#include "context/request.hpp"
#include "core/api_keys.hpp"
#include "core/errors.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/identity_store.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

// A key is 55 characters (koba_<6 hex>.<43 base64url>): anything longer is refused unread.
constexpr std::size_t kMaxKeyBytes = 256;

// Records a key's use (store::record_key_use): API_KEY_USED and, at most once a minute,
// last_used_at.
void record_key_use(pg::Spi& spi, int64_t key_id, core::Scope scope) {
    context::mark_key_use_recorded();  // first: the rows written below are this use's own
    store::record_key_use(spi, key_id, scope, core::key_use_stamp_due_before(pg::clock_micros()));
}

// Verifies `key` and makes it this transaction's identity. Every failure is the same
// UNAUTHORIZED, and takes about the same time: the HMAC is computed and the key looked up even
// for a key whose shape or prefix is wrong (core::require_key_accepted compares in constant time).
// Validity is judged at the moment of the call (the clock, not the transaction's start).
core::Scope authenticate_key(pg::Spi& spi, std::string_view key) {
    if (key.size() > kMaxKeyBytes) throw Error(ErrorCode::UNAUTHORIZED, {}, core::kRefusedKeyHint);  // never a key
    const std::string_view pepper =
        pg::settings::require_secret(pg::settings::api_key_pepper(), ErrorCode::APIKEY_PEPPER_MISSING);
    const std::optional<std::string> prefix = core::api_key_prefix(key);
    const std::string hash = core::api_key_hash(pepper, key);

    const std::optional<core::StoredApiKey> stored = store::api_key_by_prefix(spi, prefix.value_or(""));
    core::require_key_accepted(stored, hash, pg::clock_micros());

    const context::AuthenticatedKey verified{stored->id, stored->scope, stored->user_id, stored->expires_at};
    context::adopt_authenticated_key(verified);
    // A read-only transaction (PostgREST's GET) cannot write the record now: it is written before
    // the first audit row of the transaction instead (context::key_use_pending).
    if (context::key_use_pending() && !pg::pg_call([] { return XactReadOnly; }))
        record_key_use(spi, verified.key_id, verified.scope);
    return verified.scope;
}

}  // namespace

namespace koba::context {

void record_pending_key_use() {
    if (!key_use_pending()) return;
    const std::optional<AuthenticatedKey> key = authenticated_key();
    pg::Spi spi;
    record_key_use(spi, key->key_id, key->scope);
}

}  // namespace koba::context

// authenticate(api_key text) RETURNS api_scope
KOBA_FUNCTION(kobatela_authenticate) {
    const pg::Args args(fcinfo);
    if (args.is_null(0)) throw Error(ErrorCode::UNAUTHORIZED, {}, "Give the API key (koba_<prefix>.<secret>).");
    if (args.larger_than(0, kMaxKeyBytes)) throw Error(ErrorCode::UNAUTHORIZED, {}, core::kRefusedKeyHint);
    const std::string key = args.text(0, "api_key");
    const Oid scope_type = pg::pg_call([&] { return get_fn_expr_rettype(fcinfo->flinfo); });
    pg::Spi spi;
    const core::Scope scope = authenticate_key(spi, key);
    return pg::enum_datum(scope_type, std::string(core::scope_name(scope)).c_str());
}

// pre_request() RETURNS void: PostgREST's db-pre-request. Authenticates the X-API-Key header, or
// an "Authorization: Bearer koba_..." header; a Bearer token that is not a Kobatela key is a JWT,
// which PostgREST itself has verified (it chose the role), so it is left alone. No header: the
// request stays anonymous and only functions that need no scope will answer. (PostgREST 12 parses
// every Bearer token as a JWT itself and rejects a Kobatela key before this runs: under plain
// PostgREST only X-API-Key reaches here; the Bearer form serves proxies that pass it through.)
//
// Ungated: PostgREST runs it before every request, health() included. When Kobatela cannot serve
// (not preloaded, or the library and the database's scripts differ), it authenticates nothing, so
// that /rpc/health still answers with the problem and every other call refuses with it.
KOBA_FUNCTION_UNGATED(kobatela_pre_request) {
    if (context::readiness_problem()) PG_RETURN_VOID();
    const context::RequestHeaders headers = context::request_headers();
    std::optional<std::string> key = headers[context::Header::ApiKey];
    if (!key) {
        const std::optional<std::string>& authorization = headers[context::Header::Authorization];
        constexpr std::string_view kBearer = "Bearer ";
        if (authorization && authorization->compare(0, kBearer.size(), kBearer) == 0) {
            std::string token = authorization->substr(kBearer.size());
            if (token.compare(0, 5, "koba_") == 0) key = std::move(token);
        }
    }
    if (key) {
        const size_t first = key->find_first_not_of(' ');
        const size_t last = key->find_last_not_of(' ');
        pg::Spi spi;
        authenticate_key(spi, first == std::string::npos ? "" : key->substr(first, last - first + 1));
    }
    PG_RETURN_VOID();
}

// current_scope() RETURNS api_scope, NULL without any
KOBA_FUNCTION(kobatela_current_scope) {
    const std::optional<context::Principal> principal = context::current_principal();
    if (!principal) PG_RETURN_NULL();
    const Oid scope_type = pg::pg_call([&] { return get_fn_expr_rettype(fcinfo->flinfo); });
    return pg::enum_datum(scope_type, std::string(core::scope_name(principal->scope)).c_str());
}

// current_user_id() RETURNS bigint: the user the authenticated key is bound to, else NULL
KOBA_FUNCTION(kobatela_current_user_id) {
    const std::optional<context::Principal> principal = context::current_principal();
    if (!principal || !principal->user_id) PG_RETURN_NULL();
    return Int64GetDatum(*principal->user_id);
}

// current_actor() RETURNS text: what the audit log records
KOBA_FUNCTION(kobatela_current_actor) { return pg::text_datum(context::current_actor()); }
