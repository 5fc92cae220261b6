// Kobatela's maintenance jobs for pg_cron: what each runs, where, and what it is called. Pure (no
// PostgreSQL), so the naming rules are unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace koba::core {

// The database a job runs in: Kobatela's (the business jobs) or pg_cron's own (the purge of
// pg_cron's run history, a table that exists only there).
enum class JobDatabase : uint8_t { Kobatela, Cron };

struct MaintenanceJob {
    std::string_view purpose;  // part of the job's name
    std::string_view command;  // what pg_cron runs; "{days}" stands for the history's retention
    JobDatabase database;      // where it runs
    std::string_view schedule; // its own schedule; empty: schedule_maintenance's argument
};

// Every job schedule_maintenance() registers, in the order it returns their ids. The purge is
// what pg_cron's README advises against its ever-growing cron.job_run_details; it runs daily at
// 03:17 whatever the business jobs' schedule (it is not urgent, and the history it trims is small).
inline constexpr MaintenanceJob kMaintenanceJobs[] = {
    {"expire-mandates", "SELECT kobatela.expire_mandates()", JobDatabase::Kobatela, ""},
    {"escrow-deadlines", "SELECT kobatela.release_overdue_escrows()", JobDatabase::Kobatela, ""},
    {"purge-cron-history", "DELETE FROM cron.job_run_details WHERE end_time < now() - interval '{days} days'",
     JobDatabase::Cron, "17 3 * * *"},
};

// The pg_cron job name of `job` for Kobatela in `database`: "kobatela:<purpose>:<database>".
// pg_cron keys jobs by (name, owner), so re-scheduling updates the job instead of adding one, and
// each database that has Kobatela gets its own jobs. pg_cron stores names as `name` (63 bytes,
// longer ones silently cut, which could make two databases share a job): a database name that
// does not fit is replaced by "oid<database oid>", which does.
std::string cron_job_name(const MaintenanceJob& job, std::string_view database, uint32_t database_oid);

// What pg_cron runs for `job`: its command, with the run history's retention (whole days, as
// kobatela.cron_history_retention_days bounds it) in place of "{days}".
std::string cron_job_command(const MaintenanceJob& job, int retention_days);

// The schedule of `job`: its own, else `requested` (schedule_maintenance's argument).
std::string_view cron_job_schedule(const MaintenanceJob& job, std::string_view requested);

// `value` as one libpq conninfo value: single-quoted, with \ and ' escaped.
std::string conninfo_value(std::string_view value);

}  // namespace koba::core
