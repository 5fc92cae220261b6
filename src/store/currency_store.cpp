#include "store/currency_store.hpp"

#include "audit/audit.hpp"
#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "pg/icu_currencies.hpp"

#include <optional>

extern "C" {
#include "utils/inval.h"
}

namespace koba::store {

namespace {

std::optional<core::CurrencyCatalogue> g_catalogue;  // this backend's cache, valid while
uint64_t g_read_at = 0;                               // ... g_generation is still the one it was read at
uint64_t g_generation = 1;                            // bumped by every invalidation
Oid g_table = InvalidOid;                             // kobatela.currencies, once read

// Called from C by the relcache invalidation: must not throw (it only counts).
void forget(Datum /*arg*/, Oid relid) {
    if (relid == InvalidOid || relid == g_table) ++g_generation;
}

std::vector<core::CurrencyUnits> default_currencies() {
    std::vector<core::CurrencyUnits> defaults;
    for (const char* code : core::kDefaultCurrencies) defaults.push_back({code, pg::icu::minor_units(code)});
    return defaults;
}

}  // namespace

const core::CurrencyCatalogue& currency_catalogue() {
    static bool registered = false;
    if (!registered) {
        pg::pg_call([] { CacheRegisterRelcacheCallback(forget, Datum(0)); });
        registered = true;
    }
    if (g_catalogue && g_read_at == g_generation) return *g_catalogue;
    // An invalidation that arrives while the table is read (the query takes its lock) leaves the
    // catalogue read here for this call, and has the next call read the table again.
    const uint64_t generation = g_generation;
    static pg::Statement select{
        "SELECT 'kobatela.currencies'::regclass::oid::int8 AS relid, c.code, c.minor_units::int4 AS minor_units, c.enabled "
        "FROM (SELECT) AS one LEFT JOIN kobatela.currencies c ON true ORDER BY c.code",
        {}};
    std::vector<core::CurrencyRow> rows;
    Oid table = InvalidOid;
    {
        pg::Spi spi;
        const pg::Result r = spi.run(select);
        const int relid = r.column("relid"), code = r.column("code"), minor = r.column("minor_units"),
                  enabled = r.column("enabled");
        for (uint64_t i = 0; i < r.size(); ++i) {
            table = static_cast<Oid>(r.int8(i, relid));
            if (r.is_null(i, code)) continue;
            rows.push_back({r.text(i, code), r.int4(i, minor), r.boolean(i, enabled)});
        }
    }
    g_table = table;
    g_catalogue = core::build_currency_catalogue(default_currencies(), rows);
    g_read_at = generation;
    return *g_catalogue;
}

int currency_minor_units(std::string_view code) {
    if (const core::CurrencyUnits* known = currency_catalogue().find_known(code)) return known->minor_units;
    return pg::icu::minor_units(code);
}

Datum set_currency(pg::Spi& spi, const std::string& code, int minor_units, bool enabled, FunctionCallInfo fcinfo) {
    // Writes only a change; the row as it is otherwise.
    static pg::Statement upsert{
        "INSERT INTO kobatela.currencies AS c (code, minor_units, enabled) VALUES ($1, $2::int2, $3) "
        "ON CONFLICT (code) DO UPDATE SET minor_units = excluded.minor_units, enabled = excluded.enabled "
        "WHERE (c.minor_units, c.enabled) IS DISTINCT FROM (excluded.minor_units, excluded.enabled) RETURNING *",
        {TEXTOID, INT4OID, BOOLOID}};
    static pg::Statement current{"SELECT * FROM kobatela.currencies WHERE code = $1", {TEXTOID}};
    pg::Result row = [&] {
        const audit::AuditReason reason(enabled ? "CURRENCY_ENABLED" : "CURRENCY_DISABLED");
        return spi.run(upsert, pg::Params().text(code).int4(minor_units).boolean(enabled));
    }();
    if (row.empty()) row = spi.run(current, pg::Params().text(code), 1);
    return row.composite(0, fcinfo);
}

void append_currencies_to_set(pg::Spi& spi, const core::CurrencyCatalogue& catalogue, FunctionCallInfo fcinfo) {
    std::string rows = "[";
    for (const core::CurrencyUnits& c : catalogue.known) {
        bool has_row = false;
        for (const core::CurrencyRow& r : catalogue.rows) has_row = has_row || r.code == c.code;
        if (rows.size() > 1) rows += ",";
        rows += core::JsonObject()
                    .add("code", c.code)
                    .add_int("minor_units", c.minor_units)
                    .add_bool("enabled", catalogue.find_accepted(c.code) != nullptr)
                    .add("source", has_row ? "admin" : "default")
                    .str();
    }
    rows += "]";
    static pg::Statement list{
        "SELECT x.code, x.minor_units, x.enabled, x.source "
        "FROM jsonb_to_recordset($1) AS x(code text, minor_units integer, enabled boolean, source text) ORDER BY x.code",
        {JSONBOID}};
    spi.run(list, pg::Params().own_jsonb(rows)).append_to_set(fcinfo);
}

}  // namespace koba::store
