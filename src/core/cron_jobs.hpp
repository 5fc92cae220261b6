// Kobatela's maintenance jobs for pg_cron: what each runs and what it is called. Pure (no
// PostgreSQL), so the naming rules are unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace koba::core {

struct MaintenanceJob {
    std::string_view purpose;  // part of the job's name
    std::string_view command;  // what pg_cron runs, in Kobatela's database
};

// Every job schedule_maintenance() registers, in the order it returns their ids.
inline constexpr MaintenanceJob kMaintenanceJobs[] = {
    {"expire-mandates", "SELECT kobatela.expire_mandates()"},
    {"escrow-deadlines", "SELECT kobatela.release_overdue_escrows()"},
};

// The pg_cron job name of `job` for Kobatela in `database`: "kobatela:<purpose>:<database>".
// pg_cron keys jobs by (name, owner), so re-scheduling updates the job instead of adding one, and
// each database that has Kobatela gets its own jobs. pg_cron stores names as `name` (63 bytes,
// longer ones silently cut, which could make two databases share a job): a database name that
// does not fit is replaced by "oid<database oid>", which does.
std::string cron_job_name(const MaintenanceJob& job, std::string_view database, uint32_t database_oid);

// `value` as one libpq conninfo value: single-quoted, with \ and ' escaped.
std::string conninfo_value(std::string_view value);

}  // namespace koba::core
