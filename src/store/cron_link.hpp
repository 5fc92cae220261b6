// pg_cron, wherever it lives in the cluster. pg_cron keeps its jobs in one database
// (cron.database_name); Kobatela may live in that one or in another. In the same database the
// cron functions are called through SPI, inside the caller's transaction; from another one through
// a libpq connection to the cron database (kobatela.cron_conninfo, by default the local socket as
// the extension's owner), whose statements commit on their own.
#pragma once

#include "core/cron_jobs.hpp"
#include "core/ops_figures.hpp"
#include "pg/remote_session.hpp"
#include "pg/spi.hpp"

#include <memory>
#include <string>
#include <vector>

namespace koba::store {

class CronLink {
public:
    using Rows = std::vector<pg::RemoteSession::Row>;

    // Finds pg_cron; PG_CRON_UNAVAILABLE, saying how to enable it, when it is not loaded, has no
    // extension in cron.database_name, or that database cannot be reached.
    explicit CronLink(pg::Spi& spi);
    ~CronLink();

    const std::string& cron_database() const { return cron_database_; }
    bool local() const { return !remote_; }
    // The name of `job` for Kobatela in this database (the database the job runs in).
    std::string job_name(const core::MaintenanceJob& job) const;

    // pg_cron's calls Kobatela makes, each with text arguments; rows as text.
    // One row: the job id. `schedule` is schedule_maintenance's (a job with its own keeps it);
    // `retention_days` goes into the purge job's command.
    Rows schedule(const core::MaintenanceJob& job, const std::string& schedule, int retention_days);
    Rows unschedule(const core::MaintenanceJob& job);  // a row per job removed
    // The job as pg_cron has it, with its last run.
    core::CronJobState job_state(const core::MaintenanceJob& job);

private:
    void refuse_remote_write_if_read_only() const;
    Rows run(pg::Statement& statement, const std::vector<std::string>& params);

    pg::Spi& spi_;
    std::string database_;
    uint32_t database_oid_ = 0;
    std::string cron_database_;
    std::unique_ptr<pg::RemoteSession> remote_;  // null when pg_cron is in this database
};

}  // namespace koba::store
