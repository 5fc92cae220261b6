// Currencies and their minor units (issue 14): which codes Kobatela accepts, and whether an amount
// fits its currency. Pure: the minor units come from ICU's CLDR data through src/pg/icu_currencies,
// the admins' choices from kobatela.currencies through src/store/currency_store, both as plain values.
//
// The accepted set is Kobatela's built-in default (kDefaultCurrencies, USD and EUR) with the admins'
// choices on top: a row of kobatela.currencies enables or disables its code, whatever the default
// says. No row: the default applies (CREATE EXTENSION writes no row; docs/reference.md, "Currencies").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

// Accepted without a row of kobatela.currencies (until a row disables them), in this order.
inline constexpr std::array<const char*, 2> kDefaultCurrencies{"USD", "EUR"};

// Money is numeric(18,2): a currency with more minor units cannot be held exactly.
inline constexpr int kMaxMinorUnits = 2;

struct CurrencyUnits {
    std::string code;  // ISO 4217 alphabetic code, upper case
    int minor_units;   // decimals of the currency (0, 1 or 2 for an accepted one)
};

// One row of kobatela.currencies: an admin's choice.
struct CurrencyRow {
    std::string code;
    int minor_units;
    bool enabled;
};

// What a backend caches: the accepted currencies (defaults first, in kDefaultCurrencies' order,
// then the enabled rows in the rows' order) and every code whose minor units are known (accepted or
// disabled), for amounts of existing escrows.
struct CurrencyCatalogue {
    std::vector<CurrencyUnits> accepted;
    std::vector<CurrencyUnits> known;
    std::vector<CurrencyRow> rows;  // the admins' choices it was built from
    const CurrencyUnits* find_accepted(std::string_view code) const noexcept;
    const CurrencyUnits* find_known(std::string_view code) const noexcept;
};

// `defaults`: kDefaultCurrencies with their minor units; `rows`: the table, ordered by code.
CurrencyCatalogue build_currency_catalogue(const std::vector<CurrencyUnits>& defaults,
                                           const std::vector<CurrencyRow>& rows);

// The code of `input`, trimmed and upper-cased; INVALID_CURRENCY unless it is 3 letters A-Z.
std::string currency_code(std::string_view input);

// The accepted currency `input` names (trimmed, case-insensitive); INVALID_CURRENCY naming the
// accepted codes otherwise.
const CurrencyUnits& accepted_currency(std::string_view input, const CurrencyCatalogue& catalogue);

// FRACTIONAL_AMOUNT when `cents` (hundredths) has more decimals than `minor_units` allow, e.g.
// 1500.50 XOF (0 minor units). minor_units >= 2 accepts every numeric(18,2) amount.
void require_minor_units(int64_t cents, int minor_units, std::string_view currency);

// The minor units with which `code` may be enabled, from ICU's (nullopt: ICU does not list it as a
// current currency); CURRENCY_NOT_SUPPORTED when it is unknown or has more than kMaxMinorUnits.
int plan_enable_currency(std::string_view code, std::optional<int> icu_minor_units);

// What disable_currency writes: nothing when the code is not accepted and has no row (INVALID_CURRENCY:
// there is nothing to disable), nor when it is the only accepted currency (INVALID_ARGUMENT);
// otherwise a disabled row.
void require_disablable(std::string_view code, const CurrencyCatalogue& catalogue, bool has_row);

}  // namespace koba::core
