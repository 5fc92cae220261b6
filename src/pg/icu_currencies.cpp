#include "pg/icu_currencies.hpp"

#include <unicode/ucurr.h>
#include <unicode/uenum.h>

#include <cstring>
#include <set>
#include <string>

namespace koba::pg::icu {

namespace {

bool to_uchars(std::string_view code, UChar (&out)[4]) {
    if (code.size() != 3) return false;
    for (int i = 0; i < 3; ++i) out[i] = static_cast<UChar>(static_cast<unsigned char>(code[i]));
    out[3] = 0;
    return true;
}

// ICU's current currencies, read once per backend.
const std::set<std::string>& current_codes() {
    static const std::set<std::string> codes = [] {
        std::set<std::string> found;
        UErrorCode status = U_ZERO_ERROR;
        UEnumeration* all = ucurr_openISOCurrencies(UCURR_COMMON | UCURR_NON_DEPRECATED, &status);
        if (U_FAILURE(status) || all == nullptr) return found;
        const char* code = nullptr;
        while ((code = uenum_next(all, nullptr, &status)) != nullptr && U_SUCCESS(status)) found.insert(code);
        uenum_close(all);
        return found;
    }();
    return codes;
}

}  // namespace

int minor_units(std::string_view code) {
    UChar uchars[4];
    if (!to_uchars(code, uchars)) return 2;
    UErrorCode status = U_ZERO_ERROR;
    const int32_t digits = ucurr_getDefaultFractionDigitsForUsage(uchars, UCURR_USAGE_STANDARD, &status);
    return U_FAILURE(status) ? 2 : static_cast<int>(digits);
}

std::optional<int> current_currency_minor_units(std::string_view code) {
    if (current_codes().count(std::string(code)) == 0) return std::nullopt;
    return minor_units(code);
}

}  // namespace koba::pg::icu
