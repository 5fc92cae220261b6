// core/currencies: the accepted set (built-in default plus the admins' rows), minor units of
// amounts, and what may be enabled or disabled. Minor units as ICU 72 gives them (docs/reference.md).
#include "core/currencies.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"
#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

const std::vector<CurrencyUnits> kDefaults{{"USD", 2}, {"EUR", 2}};

std::string detail_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return e.detail();
    }
    return "";
}

TEST(Currencies, DefaultsWithoutRows) {
    const CurrencyCatalogue c = build_currency_catalogue(kDefaults, {});
    ASSERT_EQ(c.accepted.size(), 2u);
    EXPECT_EQ(accepted_currency(" usd ", c).code, "USD");
    EXPECT_EQ(accepted_currency("eur", c).minor_units, 2);
    EXPECT_EQ(error_of([&] { accepted_currency("XOF", c); }), ErrorCode::INVALID_CURRENCY);
    EXPECT_EQ(detail_of([&] { accepted_currency("xof", c); }), "currency XOF is not accepted (accepted: USD,EUR).");
    EXPECT_EQ(detail_of([&] { accepted_currency("", c); }), "currency (empty) is not accepted (accepted: USD,EUR).");
    EXPECT_EQ(error_of([&] { accepted_currency("USDX", c); }), ErrorCode::INVALID_CURRENCY);
}

TEST(Currencies, RowsEnableAndDisable) {
    const CurrencyCatalogue c =
        build_currency_catalogue(kDefaults, {{"EUR", 2, false}, {"GHS", 2, true}, {"XAF", 0, false}, {"XOF", 0, true}});
    EXPECT_EQ(detail_of([&] { accepted_currency("EUR", c); }), "currency EUR is not accepted (accepted: USD,GHS,XOF).");
    EXPECT_EQ(accepted_currency("xof", c).minor_units, 0);
    EXPECT_EQ(error_of([&] { accepted_currency("XAF", c); }), ErrorCode::INVALID_CURRENCY);
    // A disabled currency's minor units stay known, for the escrows already in it.
    ASSERT_NE(c.find_known("XAF"), nullptr);
    EXPECT_EQ(c.find_known("XAF")->minor_units, 0);
    EXPECT_EQ(c.find_known("EUR")->minor_units, 2);
    EXPECT_EQ(c.find_known("NGN"), nullptr);
}

TEST(Currencies, NoneAccepted) {
    const CurrencyCatalogue c = build_currency_catalogue(kDefaults, {{"EUR", 2, false}, {"USD", 2, false}});
    EXPECT_EQ(detail_of([&] { accepted_currency("USD", c); }), "currency USD is not accepted (accepted: none).");
}

TEST(Currencies, MinorUnits) {
    // XOF, XAF: no minor unit.
    EXPECT_EQ(error_of([] { require_minor_units(150000, 0, "XOF"); }), std::nullopt);        // 1500
    EXPECT_EQ(error_of([] { require_minor_units(150050, 0, "XOF"); }), ErrorCode::FRACTIONAL_AMOUNT);
    EXPECT_EQ(error_of([] { require_minor_units(150001, 0, "XAF"); }), ErrorCode::FRACTIONAL_AMOUNT);
    EXPECT_EQ(detail_of([] { require_minor_units(150050, 0, "XOF"); }),
              "amount 1500.50 is not a whole number of XOF minor units: XOF has no minor unit (0 decimals).");
    // One decimal.
    EXPECT_EQ(error_of([] { require_minor_units(1050, 1, "MGA"); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_minor_units(1055, 1, "MGA"); }), ErrorCode::FRACTIONAL_AMOUNT);
    // Two: every numeric(18,2) amount.
    for (const char* code : {"EUR", "USD", "GBP", "CAD", "GHS", "NGN", "MAD"})
        EXPECT_EQ(error_of([&] { require_minor_units(1, 2, code); }), std::nullopt) << code;
    EXPECT_EQ(error_of([] { require_minor_units(kMaxCents, 0, "XOF"); }), ErrorCode::FRACTIONAL_AMOUNT);
    EXPECT_EQ(error_of([] { require_minor_units(kMaxCents - 99, 0, "XOF"); }), std::nullopt);
    EXPECT_EQ(error_of([] { require_minor_units(-100, 0, "XOF"); }), std::nullopt);
}

TEST(Currencies, Enabling) {
    EXPECT_EQ(plan_enable_currency("XOF", 0), 0);
    EXPECT_EQ(plan_enable_currency("GHS", 2), 2);
    EXPECT_EQ(error_of([] { plan_enable_currency("KWD", 3); }), ErrorCode::CURRENCY_NOT_SUPPORTED);
    EXPECT_EQ(detail_of([] { plan_enable_currency("KWD", 3); }),
              "currency KWD has 3 decimals; Kobatela's amounts are numeric(18,2), at most 2 decimals.");
    EXPECT_EQ(error_of([] { plan_enable_currency("CLF", 4); }), ErrorCode::CURRENCY_NOT_SUPPORTED);
    EXPECT_EQ(error_of([] { plan_enable_currency("ABC", std::nullopt); }), ErrorCode::CURRENCY_NOT_SUPPORTED);
    EXPECT_EQ(currency_code(" xof "), "XOF");
    EXPECT_EQ(error_of([] { currency_code("XO"); }), ErrorCode::INVALID_CURRENCY);
    EXPECT_EQ(error_of([] { currency_code("X0F"); }), ErrorCode::INVALID_CURRENCY);
}

TEST(Currencies, Disabling) {
    const CurrencyCatalogue c = build_currency_catalogue(kDefaults, {{"XAF", 0, false}});
    EXPECT_EQ(error_of([&] { require_disablable("EUR", c, false); }), std::nullopt);  // a default
    EXPECT_EQ(error_of([&] { require_disablable("XAF", c, true); }), std::nullopt);   // already a row
    EXPECT_EQ(error_of([&] { require_disablable("NGN", c, false); }), ErrorCode::INVALID_CURRENCY);
}

}  // namespace

TEST(Currencies, TheLastAcceptedCurrencyCannotBeDisabled) {
    const CurrencyCatalogue both = build_currency_catalogue({{"USD", 2}, {"EUR", 2}}, {});
    EXPECT_EQ(error_of([&] { require_disablable("EUR", both, false); }), std::nullopt);
    const CurrencyCatalogue one = build_currency_catalogue({{"USD", 2}, {"EUR", 2}}, {{"EUR", 2, false}});
    EXPECT_EQ(error_of([&] { require_disablable("USD", one, false); }), ErrorCode::INVALID_ARGUMENT);
    // Disabling again what a row already disabled is allowed (it writes nothing).
    EXPECT_EQ(error_of([&] { require_disablable("EUR", one, true); }), std::nullopt);
    EXPECT_EQ(error_of([&] { require_disablable("JPY", one, false); }), ErrorCode::INVALID_CURRENCY);
}
