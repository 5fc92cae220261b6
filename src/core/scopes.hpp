// API scopes and which scope may call what (the scope matrix of docs/security.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

enum class Scope : uint8_t { Sender = 1, Support = 2, Admin = 4, Worker = 8 };

// A set of scopes, e.g. kBusinessWrite = Sender | Admin.
using ScopeSet = uint8_t;
constexpr ScopeSet operator|(Scope a, Scope b) { return static_cast<ScopeSet>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b)); }
constexpr ScopeSet operator|(ScopeSet a, Scope b) { return static_cast<ScopeSet>(a | static_cast<uint8_t>(b)); }
constexpr ScopeSet only(Scope s) { return static_cast<ScopeSet>(s); }
constexpr bool allows(ScopeSet set, Scope s) { return (set & static_cast<uint8_t>(s)) != 0; }

// Who may call what. Admin may do everything; support reads; sender does business; worker hands
// payouts to the PSP (claim_payouts and its reports) and nothing else.
constexpr ScopeSet kBusinessWrite = Scope::Sender | Scope::Admin;
constexpr ScopeSet kBusinessRead = Scope::Sender | Scope::Support | Scope::Admin;
constexpr ScopeSet kAdminOnly = only(Scope::Admin);
constexpr ScopeSet kPayoutWorker = Scope::Worker | Scope::Admin;

// "sender", "support", "admin", "worker" (the enum kobatela.api_scope).
std::string_view scope_name(Scope scope) noexcept;
std::optional<Scope> parse_scope(std::string_view name) noexcept;

// The scopes of a set, strongest last: "sender or admin", "support or admin", "admin", "worker or admin".
std::string scope_set_names(ScopeSet set);
// The HINT of PostgreSQL's error for a value that is not a kobatela.api_scope (pg/enum_input_hint).
inline constexpr char kUnknownScopeHint[] = "The valid scopes are: sender, support, admin, worker.";

}  // namespace koba::core
