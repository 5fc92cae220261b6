// Who is calling, for this transaction: the API key authenticated with kobatela.authenticate(),
// kept in backend memory (no SQL can forge it; cleared at transaction end), else the membership
// of the outer role (the session's role as set by SET ROLE, not the SECURITY DEFINER owner) in
// kobatela_admin / kobatela_sender / kobatela_support.
#pragma once

#include "core/scopes.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace koba::api {

struct Principal {
    core::Scope scope;
    std::optional<int64_t> key_id;   // set when an API key was authenticated
    std::optional<int64_t> user_id;  // the user a key is bound to: it may act only as a party
};

std::optional<Principal> current_principal();

// The audit log's actor: "apikey:<id>" for a key, else "role:<outer role name>".
std::string current_actor();

// The calling function needs one of `allowed`: UNAUTHORIZED without any scope, INSUFFICIENT_SCOPE
// with another one. Returns the principal for party checks.
Principal require_scope(core::ScopeSet allowed);

// A principal bound to a user may act on an object only if that user is one of the object's
// `parties` (client, provider, sender, receiver, beneficiary, owner): NOT_A_PARTY otherwise.
// Unbound principals pass.
void require_party(const Principal& principal, std::initializer_list<int64_t> parties);
// Calls that act for the platform, not for one user (certifying accounts, the merchant catalogue):
// a principal bound to a user gets INSUFFICIENT_SCOPE, with `why` as the detail.
void require_unbound(const Principal& principal, const char* why);

// Remembers `key` as this transaction's identity (from authenticate()).
void set_authenticated_key(int64_t key_id, core::Scope scope, std::optional<int64_t> user_id);

// Called once from _PG_init: forgets the key when its transaction or subtransaction ends.
void register_identity_callbacks();

}  // namespace koba::api
