// kobatela.currencies: the admins' choices of accepted currencies (core/currencies.hpp), and the
// per-backend cache every call that takes an amount reads instead of querying the table.
//
// The cache is built once per backend (one SPI query) and dropped when the table's relcache entry
// is invalidated: the statement trigger currencies_changed() invalidates it on every INSERT,
// UPDATE, DELETE or TRUNCATE, which reaches this backend at once (its own writes) and the other
// backends when the writing transaction commits, at their next transaction start or lock.
#pragma once

#include "core/currencies.hpp"
#include "pg/spi.hpp"

#include <string>
#include <string_view>

namespace koba::store {

// The accepted currencies and their minor units, from the cache (reading the table when it was
// invalidated, through its own SPI connection).
const core::CurrencyCatalogue& currency_catalogue();

// The minor units of an existing object's currency (an escrow's): the catalogue's, else ICU's.
int currency_minor_units(std::string_view code);

// Writes the admin's choice for `code` (audit CURRENCY_ENABLED or CURRENCY_DISABLED) and returns
// the row as the calling function's result; a row already saying so is returned unchanged.
Datum set_currency(pg::Spi& spi, const std::string& code, int minor_units, bool enabled, FunctionCallInfo fcinfo);

// list_currencies(): the catalogue as rows (code, minor_units, enabled, source), by code.
void append_currencies_to_set(pg::Spi& spi, const core::CurrencyCatalogue& catalogue, FunctionCallInfo fcinfo);

}  // namespace koba::store
