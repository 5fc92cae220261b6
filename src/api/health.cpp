// health(): what a load balancer or an operator asks first. Needs no scope and reveals no secret.
#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;

KOBA_FUNCTION(kobatela_health) {
    static pg::Statement facts{
        "SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'kobatela'), "
        "       current_database()::text, to_regclass('cron.job') IS NOT NULL",
        {}};
    pg::Spi spi;
    const pg::Result r = spi.run(facts);
    const bool cron_installed = r.boolean(0, 3);

    core::JsonObject cron;
    cron.add_bool("installed", cron_installed);
    if (cron_installed) {
        // cron.job exists only in the database pg_cron lives in: looked up by name at run time.
        const pg::Result jobs = spi.run_text(
            "SELECT count(*) FROM cron.job WHERE jobname LIKE 'kobatela%' AND database = current_database()");
        cron.add_int("jobs", jobs.int8(0, 1));
    }
    const std::string json = core::JsonObject()
                                 .add("status", "ok")
                                 .add("version", r.text(0, 1))
                                 .add("database", r.text(0, 2))
                                 .add_bool("psp_secret_configured", !pg::settings::psp_webhook_secret().empty())
                                 .add_raw("pg_cron", cron.str())
                                 .str();
    return pg::jsonb_datum(json);
}
