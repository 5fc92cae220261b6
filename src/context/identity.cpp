#include "context/identity.hpp"

#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/subtransaction.hpp"
#include "pg/postgres.hpp"

#include <vector>

extern "C" {
#include "utils/acl.h"
}

namespace koba::context {

namespace {

// The API keys authenticated in the current transaction, the current one last. Backend memory on
// purpose: no GUC, so no SQL (not even SET) can forge it. A key authenticated in a subtransaction
// that rolls back is forgotten and the one before it is the identity again (authenticate(A);
// SAVEPOINT s; authenticate(B); ROLLBACK TO s: A); everything is forgotten at transaction end.
struct KeyIdentity {
    AuthenticatedKey key;
    SubTransactionId set_in;                // the subtransaction that authenticated
    SubTransactionId use_recorded_in;       // the one that recorded its use; Invalid: not yet
};
std::vector<KeyIdentity> g_keys;

// current_actor() without an API key, for the transaction: recomputed only when the outer role or
// the JWT's claims change (the audit trigger asks for every change it captures).
struct RoleActor {
    bool valid = false;
    Oid role = InvalidOid;
    std::string claims;
    std::string actor;
};
RoleActor g_role_actor;

const KeyIdentity* current_key() { return g_keys.empty() ? nullptr : &g_keys.back(); }

// Judged at the moment of the call, not at the transaction's start.
bool key_expired(const KeyIdentity& identity) {
    return identity.key.expires_at && pg::clock_micros() >= *identity.key.expires_at;
}

constexpr const char* kNoIdentityHint =
    "An identity lasts one transaction: call kobatela.authenticate(api_key) inside BEGIN ... COMMIT, "
    "in the same transaction as the calls it authorises (PostgREST does so for every request through "
    "kobatela.pre_request and the X-API-Key header).";

// PostgreSQL calls these from C: they must not throw (clear, pop_back and assignments do not).
void on_transaction_end(XactEvent event, void* /*arg*/) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            g_keys.clear();
            g_role_actor.valid = false;
            break;
        default:
            break;
    }
}

void on_subtransaction_end(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void* /*arg*/) {
    if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB) return;
    const bool aborted = event == SUBXACT_EVENT_ABORT_SUB;
    // Keys set in the ending subtransaction are the last ones (subtransactions nest).
    while (aborted && !g_keys.empty() && g_keys.back().set_in == sub) g_keys.pop_back();
    for (KeyIdentity& identity : g_keys) {
        if (identity.set_in == sub) identity.set_in = parent;  // released: the parent has it
        if (identity.use_recorded_in == sub)  // the record of a key's use goes with its subtransaction
            identity.use_recorded_in = aborted ? InvalidSubTransactionId : parent;
    }
}

struct RoleScope {
    const char* role;
    core::Scope scope;
};
// Most privileged first: a role that is a member of several gets the strongest scope.
constexpr RoleScope kRoleScopes[] = {{"kobatela_admin", core::Scope::Admin},
                                     {"kobatela_sender", core::Scope::Sender},
                                     {"kobatela_support", core::Scope::Support},
                                     {"kobatela_worker", core::Scope::Worker}};

// The scope of the outer role: the one set by login or SET ROLE, which SECURITY DEFINER does
// not change (GetOuterUserId, not GetUserId). Superusers are members of every role: admin.
std::optional<core::Scope> role_scope() {
    for (const RoleScope& candidate : kRoleScopes) {
        const char* name = candidate.role;
        const bool member = pg::pg_call([&] {
            const Oid role = get_role_oid(name, true);
            return OidIsValid(role) && is_member_of_role(GetOuterUserId(), role);
        });
        if (member) return candidate.scope;
    }
    return std::nullopt;
}

// request.jwt.claims, the JWT's claims PostgREST verified; NULL when unset or empty. Valid until
// the setting changes: read it at once.
const char* jwt_claims() {
    return pg::pg_call([]() -> const char* {
        const char* claims = GetConfigOption("request.jwt.claims", true, false);
        return claims == nullptr || claims[0] == '\0' ? nullptr : claims;
    });
}

// The kobatela_user_id claim of `claims`, as text: a JSON number's digits or a string's content;
// NULL when there is none. In the caller's memory. A PostgreSQL error when `claims` is not JSON.
const char* jwt_user_claim(const char* claims) {
    return pg::pg_call([&]() -> const char* {
        Jsonb* document = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));
        if (!JB_ROOT_IS_OBJECT(document)) return nullptr;
        static const char kClaim[] = "kobatela_user_id";
        JsonbValue* value = getKeyJsonValueFromContainer(&document->root, kClaim, sizeof kClaim - 1, nullptr);
        if (value == nullptr || value->type == jbvNull) return nullptr;
        if (value->type == jbvNumeric)
            return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)));
        if (value->type == jbvString) return pnstrdup(value->val.string.val, value->val.string.len);
        return "";  // any other JSON type: not an id
    });
}

// Without an API key, a role's scope is bound to a user by the JWT's kobatela_user_id claim, as a
// key's user_id binds it. Any session can SET request.jwt.claims, but a binding only narrows what
// the unbound role may already do (party checks, no platform calls), so a forged claim gains
// nothing. A claim that is not a user id is refused rather than ignored: ignoring it would widen.
std::optional<int64_t> jwt_user_id() {
    const char* claims = jwt_claims();  // (absent outside PostgREST: then no subtransaction)
    if (claims == nullptr) return std::nullopt;
    // In a subtransaction: claims that are not JSON are rolled back before they become Kobatela's error.
    const pg::Recovered<const char*> claim = pg::recoverable([&] { return jwt_user_claim(claims); });
    if (!claim.ok()) {
        // Claims that are not JSON (any session can set request.jwt.claims): no binding can be read,
        // and ignoring them would widen, so they are refused.
        if (!claim.error().is_data_exception()) claim.error().raise();
        throw core::Error(core::ErrorCode::UNAUTHORIZED, "The JWT claims (request.jwt.claims) are not JSON.");
    }
    if (claim.value() == nullptr) return std::nullopt;
    const std::optional<int64_t> id = core::parse_row_id(claim.value());
    if (!id) throw core::Error(core::ErrorCode::UNAUTHORIZED, "The JWT's kobatela_user_id claim is not a user id.");
    return id;
}

}  // namespace

void register_identity_callbacks() {
    RegisterXactCallback(on_transaction_end, nullptr);
    RegisterSubXactCallback(on_subtransaction_end, nullptr);
}

void adopt_authenticated_key(const AuthenticatedKey& key) {
    if (const KeyIdentity* current = current_key(); current && current->key.key_id == key.key_id) return;
    const SubTransactionId sub = pg::pg_call([] { return GetCurrentSubTransactionId(); });
    g_keys.push_back(KeyIdentity{key, sub, InvalidSubTransactionId});
}

std::optional<AuthenticatedKey> authenticated_key() {
    if (const KeyIdentity* current = current_key()) return current->key;
    return std::nullopt;
}

bool key_use_pending() {
    const KeyIdentity* current = current_key();
    return current && current->use_recorded_in == InvalidSubTransactionId;
}

void mark_key_use_recorded() {
    if (!g_keys.empty()) g_keys.back().use_recorded_in = pg::pg_call([] { return GetCurrentSubTransactionId(); });
}

std::optional<Principal> current_principal() {
    if (const KeyIdentity* current = current_key()) {
        if (key_expired(*current)) return std::nullopt;  // never the role's scope instead
        return Principal{current->key.scope, current->key.key_id, current->key.user_id};
    }
    if (const std::optional<core::Scope> scope = role_scope()) return Principal{*scope, std::nullopt, jwt_user_id()};
    return std::nullopt;
}

std::string current_actor() {
    if (const KeyIdentity* current = current_key()) return "apikey:" + std::to_string(current->key.key_id);
    const Oid role = pg::pg_call([] { return GetOuterUserId(); });
    const char* claims = jwt_claims();
    const std::string_view claims_text = claims != nullptr ? claims : "";
    RoleActor& cached = g_role_actor;
    if (cached.valid && cached.role == role && cached.claims == claims_text) return cached.actor;
    const char* name = pg::pg_call([&] { return GetUserNameFromId(role, false); });
    std::string actor = std::string("role:") + name;
    // (The claim first: it is absent outside PostgREST.)
    if (const std::optional<int64_t> user = jwt_user_id(); user && role_scope()) actor += "/user:" + std::to_string(*user);
    cached = RoleActor{true, role, std::string(claims_text), actor};
    return actor;
}

Principal require_scope(core::ScopeSet allowed) {
    const std::optional<Principal> principal = current_principal();
    if (!principal) {
        if (current_key())  // authenticated, then expired while the transaction went on
            throw core::Error(core::ErrorCode::UNAUTHORIZED, "The API key expired during this transaction.",
                              "Use a key that has not expired, in a new transaction.");
        throw core::Error(core::ErrorCode::UNAUTHORIZED, {}, kNoIdentityHint);
    }
    if (!core::allows(allowed, principal->scope))
        throw core::Error(core::ErrorCode::INSUFFICIENT_SCOPE,
                          "This call needs scope " + core::scope_set_names(allowed) + "; the caller has scope " +
                              std::string(core::scope_name(principal->scope)) + ".");
    return *principal;
}

void require_party(const Principal& principal, std::initializer_list<int64_t> parties) {
    if (!principal.user_id) return;
    for (const int64_t party : parties)
        if (party == *principal.user_id) return;
    throw core::Error(core::ErrorCode::NOT_A_PARTY);
}

void require_unbound(const Principal& principal, const char* why) {
    if (principal.user_id) throw core::Error(core::ErrorCode::INSUFFICIENT_SCOPE, why);
}

void require_escrow_party(const Principal& caller, const core::EscrowState& escrow, EscrowParty party) {
    switch (party) {
        case EscrowParty::Client: return require_party(caller, {escrow.client_id});
        case EscrowParty::Provider: return require_party(caller, {escrow.provider_id});
        case EscrowParty::Either: return require_party(caller, {escrow.client_id, escrow.provider_id});
    }
}

}  // namespace koba::context
