// Minor units of currencies from ICU's copy of Unicode CLDR's currency data (the libicu the server
// links), so that no list of minor units is typed by hand. docs/reference.md, "Currencies", lists
// where CLDR differs from ISO 4217. ICU calls raise no PostgreSQL error: no pg_call needed.
#pragma once

#include <optional>
#include <string_view>

namespace koba::pg::icu {

// The standard (not cash) fraction digits of `code` when ICU lists it as a current (common,
// non-deprecated) ISO 4217 currency; nullopt otherwise (XXX, XAU, a withdrawn code, "ABC").
std::optional<int> current_currency_minor_units(std::string_view code);

// ICU's fraction digits for any code (its default, 2, for a code it does not know): the minor units
// of an existing escrow's currency that is neither accepted nor disabled by a row.
int minor_units(std::string_view code);

}  // namespace koba::pg::icu
