// Who is calling, for this transaction: the API key authenticated with kobatela.authenticate(),
// kept in backend memory (no SQL can forge it; cleared at transaction end), else the membership
// of the outer role (the session's role as set by SET ROLE, not the SECURITY DEFINER owner) in
// kobatela_admin / kobatela_sender / kobatela_support.
#pragma once

#include "core/escrow_state.hpp"
#include "core/scopes.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace koba::context {

struct Principal {
    core::Scope scope;
    std::optional<int64_t> key_id;   // set when an API key was authenticated
    std::optional<int64_t> user_id;  // the user a key is bound to: it may act only as a party
};

// The caller's identity, or none. A key that expired after it was authenticated in this
// transaction is no identity at all (and never falls back to the role's scope).
std::optional<Principal> current_principal();

// The audit log's actor: "apikey:<id>" for a key, else "role:<outer role name>".
std::string current_actor();

// The calling function needs one of `allowed`: UNAUTHORIZED without any scope (with a HINT on how
// an identity is set up), INSUFFICIENT_SCOPE naming the scopes needed with another one. Returns
// the principal for party checks.
Principal require_scope(core::ScopeSet allowed);

// A principal bound to a user may act on an object only if that user is one of the object's
// `parties` (client, provider, sender, receiver, beneficiary, owner): NOT_A_PARTY otherwise.
// Unbound principals pass.
void require_party(const Principal& principal, std::initializer_list<int64_t> parties);
// The party of an escrow a call acts as: a key bound to a user acts on an escrow only as the
// party the call needs (NOT_A_PARTY otherwise).
enum class EscrowParty { Client, Provider, Either };
void require_escrow_party(const Principal& caller, const core::EscrowState& escrow, EscrowParty party);
// Calls that act for the platform, not for one user (certifying accounts, the merchant catalogue):
// a principal bound to a user gets INSUFFICIENT_SCOPE, with `why` as the detail.
void require_unbound(const Principal& principal, const char* why);

// An API key verified by authenticate(), as the identity functions keep it.
struct AuthenticatedKey {
    int64_t key_id;
    core::Scope scope;
    std::optional<int64_t> user_id;
    std::optional<int64_t> expires_at;  // Unix microseconds; none: never
};

// Makes `key` this transaction's identity (the same key again changes nothing). A savepoint
// rolled back after it restores the identity that came before it, or none.
void adopt_authenticated_key(const AuthenticatedKey& key);

// Key uses not yet in the audit trail. A use is recorded (API_KEY_USED, last_used_at) when the
// key is authenticated, unless the transaction is read-only then (PostgREST's GET, or a function
// with SET transaction_read_only): such a use is recorded before the first audit row the key's
// transaction writes, so that no write is ever made by an unrecorded key use.
bool key_use_pending();
void mark_key_use_recorded();
// The key this transaction currently acts with, expired or not.
std::optional<AuthenticatedKey> authenticated_key();

// Called once from _PG_init: forgets the key when its transaction or subtransaction ends.
void register_identity_callbacks();

}  // namespace koba::context
