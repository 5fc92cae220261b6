#include "api/identity.hpp"

#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "utils/acl.h"
}

namespace koba::api {

namespace {

// The API key authenticated in the current transaction. Backend memory on purpose: no GUC, so
// no SQL (not even SET) can forge it; cleared when the transaction or the subtransaction that
// set it ends without committing.
struct KeyIdentity {
    int64_t key_id;
    core::Scope scope;
    std::optional<int64_t> user_id;
    SubTransactionId set_in;  // the subtransaction that authenticated
};
std::optional<KeyIdentity> g_key;

// PostgreSQL calls these from C: they must not throw (resetting an optional does not).
void on_transaction_end(XactEvent event, void* /*arg*/) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            g_key.reset();
            break;
        default:
            break;
    }
}

void on_subtransaction_end(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void* /*arg*/) {
    if (!g_key || g_key->set_in != sub) return;
    if (event == SUBXACT_EVENT_ABORT_SUB) g_key.reset();             // rolled back: forget the key
    else if (event == SUBXACT_EVENT_COMMIT_SUB) g_key->set_in = parent;  // released: the parent has it
}

struct RoleScope {
    const char* role;
    core::Scope scope;
};
// Most privileged first: a role that is a member of several gets the strongest scope.
constexpr RoleScope kRoleScopes[] = {{"kobatela_admin", core::Scope::Admin},
                                     {"kobatela_sender", core::Scope::Sender},
                                     {"kobatela_support", core::Scope::Support}};

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

// The kobatela_user_id claim of the JWT PostgREST verified (request.jwt.claims), as text: a JSON
// number's digits or a string's content; NULL when there is none. In the caller's memory.
const char* jwt_user_claim() {
    return pg::pg_call([]() -> const char* {
        const char* claims = GetConfigOption("request.jwt.claims", true, false);
        if (claims == nullptr || claims[0] == '\0') return nullptr;
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
    const char* claim = jwt_user_claim();
    if (claim == nullptr) return std::nullopt;
    const std::optional<int64_t> id = core::parse_row_id(claim);
    if (!id) throw core::Error(core::ErrorCode::UNAUTHORIZED, "The JWT's kobatela_user_id claim is not a user id.");
    return id;
}

}  // namespace

void register_identity_callbacks() {
    RegisterXactCallback(on_transaction_end, nullptr);
    RegisterSubXactCallback(on_subtransaction_end, nullptr);
}

void set_authenticated_key(int64_t key_id, core::Scope scope, std::optional<int64_t> user_id) {
    g_key = KeyIdentity{key_id, scope, user_id, GetCurrentSubTransactionId()};
}

std::optional<Principal> current_principal() {
    if (g_key) return Principal{g_key->scope, g_key->key_id, g_key->user_id};
    if (const std::optional<core::Scope> scope = role_scope()) return Principal{*scope, std::nullopt, jwt_user_id()};
    return std::nullopt;
}

std::string current_actor() {
    if (g_key) return "apikey:" + std::to_string(g_key->key_id);
    const char* name = pg::pg_call([] { return GetUserNameFromId(GetOuterUserId(), false); });
    std::string actor = std::string("role:") + name;
    // (The claim first: it is absent outside PostgREST, and this runs for every audit row.)
    if (const std::optional<int64_t> user = jwt_user_id(); user && role_scope()) actor += "/user:" + std::to_string(*user);
    return actor;
}

Principal require_scope(core::ScopeSet allowed) {
    const std::optional<Principal> principal = current_principal();
    if (!principal) throw core::Error(core::ErrorCode::UNAUTHORIZED);
    if (!core::allows(allowed, principal->scope))
        throw core::Error(core::ErrorCode::INSUFFICIENT_SCOPE,
                          "A caller with scope " + std::string(core::scope_name(principal->scope)) +
                              " may not make this call.");
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

}  // namespace koba::api
