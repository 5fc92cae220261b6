#include "core/preload_list.hpp"

#include "core/text_rules.hpp"

namespace koba::core {

namespace {

// "$libdir/pg_cron.so" -> "pg_cron"
std::string_view library_name(std::string_view item) {
    item = trim_ascii(item);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
    const size_t slash = item.find_last_of('/');
    if (slash != std::string_view::npos) item.remove_prefix(slash + 1);
    constexpr std::string_view kSuffix = ".so";
    if (item.size() > kSuffix.size() && item.substr(item.size() - kSuffix.size()) == kSuffix)
        item.remove_suffix(kSuffix.size());
    return item;
}

}  // namespace

bool preload_list_has(std::string_view list, std::string_view library) {
    while (!list.empty()) {
        const size_t comma = list.find(',');
        if (library_name(list.substr(0, comma)) == library) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace koba::core
