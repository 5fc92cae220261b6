// Currencies (issue 14): admins enable and disable ISO 4217 codes, with the minor units ICU's CLDR
// data gives; everyone with a scope lists them. The accepted set and the amount rules are
// core/currencies.hpp's; the per-backend cache and its invalidation store/currency_store.hpp's.
#include "audit/extension_tables.hpp"
#include "context/identity.hpp"
#include "core/currencies.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/icu_currencies.hpp"
#include "pg/spi.hpp"
#include "store/currency_store.hpp"

#include <stdexcept>

extern "C" {
#include "utils/inval.h"
}

using namespace koba;

// enable_currency(code text) RETURNS currencies: accepted from now on, in every session.
KOBA_FUNCTION(kobatela_enable_currency) {
    context::require_scope(core::kAdminOnly);
    const std::string code = core::currency_code(pg::Args(fcinfo).text(0, "code"));
    const int minor_units = core::plan_enable_currency(code, pg::icu::current_currency_minor_units(code));
    pg::Spi spi;
    return store::set_currency(spi, code, minor_units, true, fcinfo);
}

// disable_currency(code text) RETURNS currencies: refused from now on for new objects; existing
// escrows and mandates in it carry on.
KOBA_FUNCTION(kobatela_disable_currency) {
    context::require_scope(core::kAdminOnly);
    const std::string code = core::currency_code(pg::Args(fcinfo).text(0, "code"));
    const core::CurrencyCatalogue& catalogue = store::currency_catalogue();
    const core::CurrencyRow* row = nullptr;
    for (const core::CurrencyRow& r : catalogue.rows)
        if (r.code == code) row = &r;
    core::require_disablable(code, catalogue, row != nullptr);
    const int minor_units = row != nullptr ? row->minor_units : store::currency_minor_units(code);
    pg::Spi spi;
    return store::set_currency(spi, code, minor_units, false, fcinfo);
}

// list_currencies() RETURNS TABLE (code text, minor_units integer, enabled boolean, source text):
// the accepted currencies and the disabled ones, by code; source 'default' (no row) or 'admin'.
KOBA_FUNCTION(kobatela_list_currencies) {
    context::require_scope(core::kBusinessRead);
    pg::prepare_set_result(fcinfo);
    const core::CurrencyCatalogue catalogue = store::currency_catalogue();
    pg::Spi spi;
    store::append_currencies_to_set(spi, catalogue, fcinfo);
    return Datum(0);
}

// currencies_changed() RETURNS trigger: AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH
// STATEMENT on kobatela.currencies. Row changes send no relcache invalidation by themselves: this
// one drops every backend's cache of the table (its own at once, the others' at commit).
KOBA_FUNCTION(kobatela_currencies_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo)) throw std::logic_error("currencies_changed: not called as a trigger");
    audit::require_extension_table(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_relation, "currencies_changed");
    pg::pg_call([&] {
        auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
        if (!TRIGGER_FIRED_AFTER(trigger->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event))
            elog(ERROR, "currencies_changed: must be an AFTER ... FOR EACH STATEMENT trigger");
        CacheInvalidateRelcache(trigger->tg_relation);
    });
    return PointerGetDatum(nullptr);
}
