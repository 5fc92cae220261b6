#include "store/identity_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "store/new_row.hpp"

namespace koba::store {

using core::Error;
using core::ErrorCode;

namespace {

// The columns of kobatela.api_key_info: the key row without its hash.
#define KOBA_KEY_INFO_COLUMNS \
    "id, name, prefix, scope, user_id, is_active, expires_at, last_used_at, created_at, updated_at"

}  // namespace

void require_user(pg::Spi& spi, int64_t user_id) {
    static pg::Statement find{"SELECT 1 FROM kobatela.users WHERE id = $1", {INT8OID}};
    if (spi.run(find, pg::Params().int8(user_id), 1).empty())
        throw Error(ErrorCode::USER_NOT_FOUND, "User " + std::to_string(user_id) + " not found.");
}

Datum insert_user(pg::Spi& spi, const NewUser& user, FunctionCallInfo fcinfo) {
    static pg::Statement insert{
        "INSERT INTO kobatela.users (username, email, is_active, metadata) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING RETURNING *",
        {TEXTOID, TEXTOID, BOOLOID, JSONBOID}};
    return insert_new_row(
        spi, insert,
        pg::Params().text(user.username).text(user.email).boolean(user.is_active).own_jsonb(user.metadata),
        "USER_CREATED", ErrorCode::USER_EXISTS, fcinfo);
}

Datum user_row(pg::Spi& spi, int64_t user_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.users WHERE id = $1", {INT8OID}};
    const pg::Result row = spi.run(select, pg::Params().int8(user_id));
    if (row.empty()) throw Error(ErrorCode::USER_NOT_FOUND);
    return row.composite(0, fcinfo);
}

bool insert_allowlist_entry(pg::Spi& spi, int64_t owner_id, int64_t recipient_id) {
    static pg::Statement insert{
        "INSERT INTO kobatela.allowed_recipients (owner_id, recipient_id) VALUES ($1, $2) "
        "ON CONFLICT (owner_id, recipient_id) DO NOTHING RETURNING id",
        {INT8OID, INT8OID}};
    const audit::AuditReason reason("ALLOWLIST_ADDED");
    return !spi.run(insert, pg::Params().int8(owner_id).int8(recipient_id)).empty();
}

bool set_certification(pg::Spi& spi, int64_t user_id, const std::string& level) {
    static pg::Statement upsert{
        "INSERT INTO kobatela.certified_accounts (user_id, level, certified_at) "
        "VALUES ($1, $2::kobatela.certification_level, now()) "
        "ON CONFLICT (user_id) DO UPDATE SET level = EXCLUDED.level, certified_at = now() "
        "RETURNING (xmax = 0) AS inserted",
        {INT8OID, TEXTOID}};
    const audit::AuditReason reason("CERTIFICATION_SET");
    const pg::Result r = spi.run(upsert, pg::Params().int8(user_id).text(level));
    return r.boolean(0, r.column("inserted"));
}

std::optional<int64_t> insert_api_key(pg::Spi& spi, const NewApiKeyRow& key) {
    static pg::Statement insert{
        "INSERT INTO kobatela.api_keys (name, prefix, key_hash, scope, user_id, expires_at) "
        "VALUES ($1, $2, $3, $4::kobatela.api_scope, $5, $6) ON CONFLICT (prefix) DO NOTHING RETURNING id",
        {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID}};
    const audit::AuditReason reason("API_KEY_CREATED");
    const pg::Result row = spi.run(insert, pg::Params()
                                               .text(key.name)
                                               .text(key.prefix)
                                               .text(key.key_hash)
                                               .text(key.scope)
                                               .opt_int8(key.user_id)
                                               .opt_timestamptz(key.expires_at));
    if (row.empty()) return std::nullopt;
    return row.int8(0, row.column("id"));
}

Datum api_key_info_row(pg::Spi& spi, int64_t key_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT " KOBA_KEY_INFO_COLUMNS " FROM kobatela.api_keys WHERE id = $1", {INT8OID}};
    const pg::Result row = spi.run(select, pg::Params().int8(key_id));
    if (row.empty()) throw Error(ErrorCode::APIKEY_NOT_FOUND);
    return row.composite(0, fcinfo);
}

void revoke_api_key(pg::Spi& spi, int64_t key_id) {
    static pg::Statement revoke{
        "UPDATE kobatela.api_keys SET is_active = false WHERE id = $1 AND is_active RETURNING id", {INT8OID}};
    static pg::Statement exists{"SELECT 1 FROM kobatela.api_keys WHERE id = $1", {INT8OID}};
    const audit::AuditReason reason("API_KEY_REVOKED");
    if (spi.run(revoke, pg::Params().int8(key_id)).empty() && spi.run(exists, pg::Params().int8(key_id)).empty())
        throw Error(ErrorCode::APIKEY_NOT_FOUND);
}

std::optional<core::StoredApiKey> api_key_by_prefix(pg::Spi& spi, const std::string& prefix) {
    static pg::Statement find{
        "SELECT id, key_hash, scope::text AS scope, user_id, is_active, expires_at FROM kobatela.api_keys "
        "WHERE prefix = $1",
        {TEXTOID}};
    const pg::Result r = spi.run(find, pg::Params().text(prefix));
    if (r.empty()) return std::nullopt;
    core::StoredApiKey k;
    k.id = r.int8(0, r.column("id"));
    k.key_hash = r.text(0, r.column("key_hash"));
    k.scope = core::parse_scope(r.text(0, r.column("scope"))).value();
    k.user_id = r.opt_int8(0, r.column("user_id"));
    k.is_active = r.boolean(0, r.column("is_active"));
    const int expires_at = r.column("expires_at");
    if (!r.is_null(0, expires_at)) k.expires_at = r.timestamptz(0, expires_at);
    return k;
}

void record_key_use(pg::Spi& spi, int64_t key_id, core::Scope scope, pg::UnixMicros stamp_due_before) {
    // Its own changes: not labelled with the reason or actor of a call it may be made inside, and
    // held for the record of the call the key authenticates (or one of its own at COMMIT).
    const audit::AuditDefaults defaults;
    const audit::HoldForNextRecord hold;
    // The use first, then its stamp: the record reads in that order.
    audit::audit_event("API_KEY_USED", "api_keys", key_id,
                       core::JsonObject().add("scope", core::scope_name(scope)).str());
    static pg::Statement stamp{
        "UPDATE kobatela.api_keys SET last_used_at = clock_timestamp() WHERE id = ("
        "    SELECT id FROM kobatela.api_keys WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2) "
        "    FOR UPDATE SKIP LOCKED)",
        {INT8OID, TIMESTAMPTZOID}};
    spi.run(stamp, pg::Params().int8(key_id).timestamptz(stamp_due_before));
}

}  // namespace koba::store
