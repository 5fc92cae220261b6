// error_catalogue(): the catalogue of core/errors.hpp as rows, for applications and tests.
#include "core/errors.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;

KOBA_FUNCTION(kobatela_error_catalogue) {
    pg::prepare_set_result(fcinfo);
    std::size_t count = 0;
    const core::ErrorInfo* rows = core::error_catalogue(&count);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (std::size_t i = 0; i < count; i++) {
        Datum values[4] = {pg::text_datum(rows[i].name), pg::text_datum(rows[i].sqlstate),
                           Int32GetDatum(rows[i].http_status), pg::text_datum(rows[i].detail)};
        pg::pg_call([&] {
            bool nulls[4] = {false, false, false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        });
    }
    return Datum(0);
}
