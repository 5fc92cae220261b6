// metric_rows(), the rows of the view kobatela.metrics: health()'s figures as Prometheus counters
// and gauges, for the admin and support scopes. The rows are core/metrics.hpp's.
#include "api/health_report.hpp"
#include "context/identity.hpp"
#include "core/metrics.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/ops_store.hpp"

using namespace koba;

// metric_rows(OUT name text, OUT labels jsonb, OUT value numeric) RETURNS SETOF record
KOBA_FUNCTION(kobatela_metric_rows) {
    context::require_scope(core::Scope::Support | core::Scope::Admin);  // who reads the figures
    pg::prepare_set_result(fcinfo);
    std::vector<core::MetricRow> rows;
    {
        pg::Spi spi;
        api::HealthReport report = api::gather_health_report(spi, true);
        core::MetricsInput input{std::move(report.assessment),
                                 report.kobatela_preloaded,
                                 report.pg_cron_preloaded,
                                 report.psp_secret_configured,
                                 report.api_key_pepper_configured,
                                 std::move(report.cron),
                                 report.ops.value_or(core::OpsFigures{}),
                                 store::read_status_estimates(spi)};
        rows = core::metric_rows(input);
    }
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const core::MetricRow& row : rows) {
        Datum values[3] = {pg::text_datum(row.name), pg::own_jsonb_datum(row.labels), pg::whole_numeric_datum(row.value)};
        pg::pg_call([&] {
            bool nulls[3] = {false, false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        });
    }
    return Datum(0);
}
