// The maintenance jobs pg_cron runs for Kobatela: expire_mandates() and
// release_overdue_escrows() in Kobatela's database, and the purge of pg_cron's run history in the
// cron database, registered once per database that has Kobatela (see cron_link.hpp for how the
// cron database is reached). Both business jobs are safe to run twice at once, so a manual run
// beside the scheduled one, or a job that overruns its minute, never expires or releases twice;
// the purge is a DELETE by age, which a second run finds done.
#include "store/cron_link.hpp"
#include "context/identity.hpp"
#include "core/cron_jobs.hpp"
#include "core/errors.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;

// schedule_maintenance(schedule text DEFAULT '*/5 * * * *') RETURNS SETOF bigint: the job ids
// (the business jobs on `schedule`, the purge daily, keeping kobatela.cron_history_retention_days).
// pg_cron keys named jobs by (name, owner), so running it again changes the schedule of the same
// jobs instead of adding new ones. The jobs belong to the extension's owner (a superuser), which
// is what makes them run with the admin scope.
KOBA_FUNCTION(kobatela_schedule_maintenance) {
    context::require_scope(core::kAdminOnly);
    const std::string schedule = pg::Args(fcinfo).text(0, "schedule");
    core::require_text(schedule, "schedule", 100);
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    store::CronLink cron(spi);
    for (const core::MaintenanceJob& job : core::kMaintenanceJobs) {
        const store::CronLink::Rows rows = cron.schedule(job, schedule, pg::settings::cron_history_retention_days());
        const std::optional<int64_t> id = rows.size() == 1 && rows[0][0] ? core::parse_row_id(*rows[0][0]) : std::nullopt;
        if (!id) throw core::Error(core::ErrorCode::INTERNAL_ERROR, "pg_cron returned no job id.");
        pg::append_int8_to_set(fcinfo, *id);
    }
    return Datum(0);
}

// unschedule_maintenance() RETURNS integer: how many of this database's Kobatela jobs were
// removed (0 when none was scheduled).
KOBA_FUNCTION(kobatela_unschedule_maintenance) {
    context::require_scope(core::kAdminOnly);
    pg::Spi spi;
    store::CronLink cron(spi);
    size_t removed = 0;
    for (const core::MaintenanceJob& job : core::kMaintenanceJobs) removed += cron.unschedule(job).size();
    return Int32GetDatum(static_cast<int32_t>(removed));
}
