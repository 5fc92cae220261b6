// The identity area's SQL: users, the recipient allowlist, certification, API keys and the record
// of a key's use. Plain reads and writes: what a key's validity, a transfer's permission or a
// scope allows is decided in src/core and src/context.
#pragma once

#include "core/api_keys.hpp"
#include "core/scopes.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

// --- Users ---
// USER_NOT_FOUND (naming the id) when there is no such user.
void require_user(pg::Spi& spi, int64_t user_id);

struct NewUser {
    std::string username;
    std::string email;
    bool is_active;
    std::string metadata;  // its JSON text (core/metadata.hpp)
};
// Inserts the user (audit USER_CREATED). Uniqueness (case-insensitive username and e-mail) is
// decided by the unique indexes, so two concurrent calls cannot both create the same user:
// USER_EXISTS when one of them already has a user.
Datum insert_user(pg::Spi& spi, const NewUser& user, FunctionCallInfo fcinfo);
// The users row, as the calling function's result; USER_NOT_FOUND.
Datum user_row(pg::Spi& spi, int64_t user_id, FunctionCallInfo fcinfo);

// --- Allowlist and certification ---
// Adds the recipient to the owner's allowlist (audit ALLOWLIST_ADDED); false when it was there.
bool insert_allowlist_entry(pg::Spi& spi, int64_t owner_id, int64_t recipient_id);
// Certifies the user at `level` (a certification_level label), or changes its level (audit
// CERTIFICATION_SET); true when the user was not certified before.
bool set_certification(pg::Spi& spi, int64_t user_id, const std::string& level);

// --- API keys ---
struct NewApiKeyRow {
    std::string name;
    std::string prefix;
    std::string key_hash;
    std::string scope;  // an api_scope label
    std::optional<int64_t> user_id;
    std::optional<pg::UnixMicros> expires_at;
};
// Inserts the key (audit API_KEY_CREATED) and returns its id; none, having written nothing, when
// another key has its prefix.
std::optional<int64_t> insert_api_key(pg::Spi& spi, const NewApiKeyRow& key);
// The key's api_key_info (the row without its hash), as the calling function's result;
// APIKEY_NOT_FOUND.
Datum api_key_info_row(pg::Spi& spi, int64_t key_id, FunctionCallInfo fcinfo);
// Deactivates the key (audit API_KEY_REVOKED); an inactive key stays as it is. APIKEY_NOT_FOUND.
void revoke_api_key(pg::Spi& spi, int64_t key_id);
// The key with this prefix, if any.
std::optional<core::StoredApiKey> api_key_by_prefix(pg::Spi& spi, const std::string& prefix);

// Writes the record of a key's use: API_KEY_USED in the audit trail (whose actor is the key) and
// last_used_at, when the last stamp is older than `stamp_due_before` (Unix microseconds). The
// stamp never waits: a row another transaction holds (a request with the same key still open, a
// revocation) is left unstamped this time, so one idle transaction can never stall the other
// requests made with its key.
void record_key_use(pg::Spi& spi, int64_t key_id, core::Scope scope, pg::UnixMicros stamp_due_before);

}  // namespace koba::store
