#include "core/currencies.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"
#include "core/text_rules.hpp"

namespace koba::core {

namespace {

const CurrencyUnits* find(const std::vector<CurrencyUnits>& list, std::string_view code) noexcept {
    for (const CurrencyUnits& c : list)
        if (c.code == code) return &c;
    return nullptr;
}

const CurrencyRow* find_row(const std::vector<CurrencyRow>& rows, std::string_view code) noexcept {
    for (const CurrencyRow& r : rows)
        if (r.code == code) return &r;
    return nullptr;
}

std::string shown(std::string_view code) { return code.empty() ? std::string("(empty)") : excerpt(code, 10); }

}  // namespace

const CurrencyUnits* CurrencyCatalogue::find_accepted(std::string_view code) const noexcept {
    return find(accepted, code);
}
const CurrencyUnits* CurrencyCatalogue::find_known(std::string_view code) const noexcept { return find(known, code); }

CurrencyCatalogue build_currency_catalogue(const std::vector<CurrencyUnits>& defaults,
                                           const std::vector<CurrencyRow>& rows) {
    CurrencyCatalogue catalogue;
    catalogue.rows = rows;
    for (const CurrencyUnits& d : defaults) {
        const CurrencyRow* row = find_row(rows, d.code);
        if (row == nullptr) catalogue.accepted.push_back(d);
        else if (row->enabled) catalogue.accepted.push_back({row->code, row->minor_units});
    }
    for (const CurrencyRow& r : rows)
        if (r.enabled && find(catalogue.accepted, r.code) == nullptr) catalogue.accepted.push_back({r.code, r.minor_units});
    catalogue.known = catalogue.accepted;
    for (const CurrencyRow& r : rows)
        if (find(catalogue.known, r.code) == nullptr) catalogue.known.push_back({r.code, r.minor_units});
    return catalogue;
}

std::string currency_code(std::string_view input) {
    std::string code = upper_ascii(trim_ascii(input));
    if (!is_currency_code(code))
        throw Error(ErrorCode::INVALID_CURRENCY, "currency " + shown(code) + " is not a 3-letter code.");
    return code;
}

const CurrencyUnits& accepted_currency(std::string_view input, const CurrencyCatalogue& catalogue) {
    const std::string code = upper_ascii(trim_ascii(input));
    if (is_currency_code(code)) {
        if (const CurrencyUnits* c = catalogue.find_accepted(code)) return *c;
    }
    std::string listed;
    for (const CurrencyUnits& c : catalogue.accepted) listed += (listed.empty() ? "" : ",") + c.code;
    throw Error(ErrorCode::INVALID_CURRENCY, "currency " + shown(code) + " is not accepted (accepted: " +
                                                 (listed.empty() ? std::string("none") : listed) + ").",
                "An admin enables a currency with kobatela.enable_currency(code).");
}

void require_minor_units(int64_t cents, int minor_units, std::string_view currency) {
    if (minor_units >= kMaxMinorUnits) return;
    int64_t step = 1;
    for (int i = minor_units; i < kMaxMinorUnits; ++i) step *= 10;
    if (cents % step == 0) return;
    const std::string units = minor_units == 0 ? "no minor unit (0 decimals)"
                                               : std::to_string(minor_units) + " decimal" + (minor_units == 1 ? "" : "s");
    throw Error(ErrorCode::FRACTIONAL_AMOUNT,
                "amount " + format_cents(cents) + " is not a whole number of " + std::string(currency) +
                    " minor units: " + std::string(currency) + " has " + units + ".",
                "Round the amount to the currency's minor unit.");
}

int plan_enable_currency(std::string_view code, std::optional<int> icu_minor_units) {
    if (!icu_minor_units)
        throw Error(ErrorCode::CURRENCY_NOT_SUPPORTED,
                    "currency " + std::string(code) + " is not a current ISO 4217 currency in ICU's CLDR data.");
    if (*icu_minor_units < 0 || *icu_minor_units > kMaxMinorUnits)
        throw Error(ErrorCode::CURRENCY_NOT_SUPPORTED,
                    "currency " + std::string(code) + " has " + std::to_string(*icu_minor_units) +
                        " decimals; Kobatela's amounts are numeric(18,2), at most 2 decimals.");
    return *icu_minor_units;
}

void require_disablable(std::string_view code, const CurrencyCatalogue& catalogue, bool has_row) {
    const bool accepted = catalogue.find_accepted(code) != nullptr;
    if (!has_row && !accepted)
        throw Error(ErrorCode::INVALID_CURRENCY, "currency " + std::string(code) + " is not enabled: nothing to disable.");
    // Without an accepted currency no call that moves money could be made at all.
    if (accepted && catalogue.accepted.size() == 1)
        throw Error(ErrorCode::INVALID_ARGUMENT, "currency " + std::string(code) +
                                                     " is the only accepted currency: enable another one before "
                                                     "disabling it.");
}

}  // namespace koba::core
