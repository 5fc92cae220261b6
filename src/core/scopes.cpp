#include "core/scopes.hpp"

namespace koba::core {

std::string_view scope_name(Scope scope) noexcept {
    switch (scope) {
        case Scope::Sender: return "sender";
        case Scope::Support: return "support";
        case Scope::Admin: return "admin";
        case Scope::Worker: return "worker";
    }
    return "unknown";
}

std::optional<Scope> parse_scope(std::string_view name) noexcept {
    for (const Scope s : {Scope::Sender, Scope::Support, Scope::Admin, Scope::Worker})
        if (scope_name(s) == name) return s;
    return std::nullopt;
}

std::string scope_set_names(ScopeSet set) {
    std::string names;
    for (const Scope s : {Scope::Sender, Scope::Support, Scope::Worker, Scope::Admin}) {
        if (!allows(set, s)) continue;
        if (!names.empty()) names += " or ";
        names += scope_name(s);
    }
    return names;
}

}  // namespace koba::core
