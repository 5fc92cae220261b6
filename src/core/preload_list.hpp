// Which libraries a shared_preload_libraries value names. Pure, unit-tested.
#pragma once

#include <string_view>

namespace koba::core {

// Whether `list` (the setting's text: comma-separated, items optionally double-quoted, with or
// without a directory such as $libdir/ and the ".so" suffix) names `library` ("pg_cron").
bool preload_list_has(std::string_view list, std::string_view library);

}  // namespace koba::core
