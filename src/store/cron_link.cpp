#include "store/cron_link.hpp"

#include "core/errors.hpp"
#include "core/read_only.hpp"
#include "core/text_rules.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/subtransaction.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace koba::store {

namespace {

constexpr const char* kEnableHint =
    "Add pg_cron to shared_preload_libraries, set cron.database_name, restart the server, and run "
    "CREATE EXTENSION pg_cron in that database (see the README, section pg_cron).";

// The same SQL runs through SPI here or through libpq in the cron database, so every argument is
// text and cast in the statement. Times are written in UTC, alike on both paths.
pg::Statement g_schedule{"SELECT cron.schedule_in_database($1::text, $2::text, $3::text, $4::text)",
                         {TEXTOID, TEXTOID, TEXTOID, TEXTOID}};
pg::Statement g_unschedule{"SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1::text", {TEXTOID}};
// The last run: pg_cron 1.4 indexes cron.job_run_details by runid only, so this reads the job's
// runs, which the purge job bounds (kobatela.cron_history_retention_days).
pg::Statement g_job_state{
    "SELECT j.jobid, j.schedule, j.active, r.status, "
    "       to_char(r.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       to_char(r.end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       CASE WHEN r.start_time IS NOT NULL "
    "            THEN greatest(floor(extract(epoch FROM now() - r.start_time)), 0)::int8 END "
    "FROM cron.job j LEFT JOIN LATERAL ("
    "    SELECT status, start_time, end_time FROM cron.job_run_details d WHERE d.jobid = j.jobid "
    "    ORDER BY start_time DESC NULLS LAST LIMIT 1) r ON true "
    "WHERE j.jobname = $1::text",
    {TEXTOID}};
// Asked of the cron database only (here it is one of facts' columns).
constexpr const char* kCronInstalled = "SELECT to_regclass('cron.job') IS NOT NULL";

// The first socket directory the server listens on, else TCP on localhost.
std::string local_host(const std::string& socket_directories) {
    std::string first = socket_directories.substr(0, socket_directories.find(','));
    first.erase(0, first.find_first_not_of(' '));
    first.erase(first.find_last_not_of(' ') + 1);
    return first.empty() ? "localhost" : first;
}

constexpr const char* kLinkHint =
    "Check kobatela.cron_conninfo (a connection that logs in with a password, for anyone but a superuser) and "
    "kobatela.cron_timeout_s; docs/pg_cron.md, section Who may schedule.";

// pg_cron's errors as Kobatela's: a rejected schedule (class 22, data exception) is bad input;
// a write refused on a hot standby (or in a READ ONLY transaction) is READ_ONLY, as everywhere;
// anything else means pg_cron cannot serve.
[[noreturn]] void raise_cron_error(const std::string& sqlstate, const std::string& message) {
    if (core::is_read_only_sqlstate(sqlstate))
        throw core::read_only_error(core::read_only_cause(pg::pg_call([] { return RecoveryInProgress(); })));
    if (sqlstate.rfind("22", 0) == 0) throw Error(ErrorCode::INVALID_ARGUMENT, "pg_cron: " + message);
    throw Error(ErrorCode::PG_CRON_UNAVAILABLE, "pg_cron: " + message, kLinkHint);
}

}  // namespace

CronLink::CronLink(pg::Spi& spi) : spi_(spi) {
    static pg::Statement facts{
        "SELECT current_setting('cron.database_name', true), current_database()::text, "
        "       (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())::int8, "
        "       to_regclass('cron.job') IS NOT NULL, "
        "       (SELECT r.rolname::text FROM pg_catalog.pg_extension e "
        "          JOIN pg_catalog.pg_roles r ON r.oid = e.extowner WHERE e.extname = 'kobatela'), "
        "       current_setting('unix_socket_directories'), current_setting('port')",
        {}};
    const pg::Result r = spi_.run(facts);
    const std::optional<std::string> cron_database = r.opt_text(0, 1);
    if (!cron_database || cron_database->empty())
        throw Error(ErrorCode::PG_CRON_UNAVAILABLE, std::string("pg_cron is not loaded. ") + kEnableHint);
    cron_database_ = *cron_database;
    database_ = r.text(0, 2);
    database_oid_ = static_cast<uint32_t>(r.int8(0, 3));

    if (cron_database_ == database_) {
        if (!r.boolean(0, 4))
            throw Error(ErrorCode::PG_CRON_UNAVAILABLE,
                        "pg_cron is loaded but has no extension in this database. " + std::string(kEnableHint));
        return;
    }
    // Who may open the link (as dblink decides for non-superusers): a superuser caller (the outer
    // role, which SECURITY DEFINER does not change), over any connection; anyone else only with a
    // kobatela.cron_conninfo whose connection the server authenticates by password. The default
    // connection (the local socket, as the extension's owner, usually trusted) is the superuser's.
    const bool superuser_caller = pg::pg_call([] { return superuser_arg(GetOuterUserId()); });
    std::string conninfo(pg::settings::cron_conninfo());
    if (conninfo.empty()) {
        if (!superuser_caller)
            throw Error(ErrorCode::PG_CRON_UNAVAILABLE,
                        "pg_cron lives in database " + cron_database_ +
                            "; reaching it as the extension's owner without a password is for superusers only.",
                        "Set kobatela.cron_conninfo to a connection that logs in with a password from a passfile "
                        "(docs/pg_cron.md), or schedule as a superuser.");
        conninfo = "host=" + core::conninfo_value(local_host(r.text(0, 6))) +
                   " port=" + core::conninfo_value(r.text(0, 7)) +
                   " dbname=" + core::conninfo_value(cron_database_) +
                   " user=" + core::conninfo_value(r.text(0, 5)) +
                   " application_name='kobatela maintenance'";
    }
    try {
        remote_ = std::make_unique<pg::RemoteSession>(conninfo, pg::settings::cron_timeout_s(), !superuser_caller);
        const Rows installed = remote_->query(kCronInstalled, {});
        if (installed.empty() || installed[0][0] != std::optional<std::string>("t"))
            throw Error(ErrorCode::PG_CRON_UNAVAILABLE,
                        "pg_cron is loaded but has no extension in database " + cron_database_ + ". " + kEnableHint);
    } catch (const pg::RemoteError& e) {
        throw Error(ErrorCode::PG_CRON_UNAVAILABLE, "Cannot reach pg_cron's database " + cron_database_ + " (" + e.what() + ").",
                    kLinkHint);
    }
}

CronLink::~CronLink() = default;

std::string CronLink::job_name(const core::MaintenanceJob& job) const {
    return core::cron_job_name(job, database_, database_oid_);
}

CronLink::Rows CronLink::schedule(const core::MaintenanceJob& job, const std::string& schedule, int retention_days) {
    refuse_remote_write_if_read_only();
    const std::string& runs_in = job.database == core::JobDatabase::Cron ? cron_database_ : database_;
    return run(g_schedule, {job_name(job), std::string(core::cron_job_schedule(job, schedule)),
                            core::cron_job_command(job, retention_days), runs_in});
}

CronLink::Rows CronLink::unschedule(const core::MaintenanceJob& job) {
    refuse_remote_write_if_read_only();
    return run(g_unschedule, {job_name(job)});
}

// Through SPI PostgreSQL refuses the write itself; the link's own connection is read-write, so a
// READ ONLY transaction (or a standby) is checked here, before anything is sent.
void CronLink::refuse_remote_write_if_read_only() const {
    if (!remote_) return;
    const bool in_recovery = pg::pg_call([] { return RecoveryInProgress(); });
    if (const std::optional<Error> refused = core::refuse_write_elsewhere(XactReadOnly, in_recovery)) throw *refused;
}

core::CronJobState CronLink::job_state(const core::MaintenanceJob& job) {
    core::CronJobState state;
    state.name = job_name(job);
    const Rows rows = run(g_job_state, {state.name});
    state.scheduled = !rows.empty();
    if (rows.empty()) return state;
    const pg::RemoteSession::Row& row = rows[0];
    state.jobid = core::parse_row_id(row[0].value_or("")).value_or(0);
    state.schedule = row[1];
    state.active = row[2] == std::optional<std::string>("t");
    state.last_status = row[3];
    state.last_start = row[4];
    state.last_end = row[5];
    // (whole seconds, at least 0: parse_row_id reads 1 and up)
    if (row[6]) state.last_start_age_s = *row[6] == "0" ? std::optional<int64_t>(0) : core::parse_row_id(*row[6]);
    return state;
}

CronLink::Rows CronLink::run(pg::Statement& statement, const std::vector<std::string>& params) {
    if (remote_) {
        try {
            return remote_->query(statement.sql(), params);
        } catch (const pg::RemoteError& e) {
            raise_cron_error(e.sqlstate, e.what());
        }
    }
    pg::Params values;
    for (const std::string& p : params) values.text(p);
    // In a subtransaction: pg_cron's refusal is rolled back before it becomes Kobatela's error.
    const pg::Recovered<Rows> done = pg::recoverable([&] {
        const pg::Result r = spi_.run(statement, std::move(values));
        Rows rows;
        for (uint64_t i = 0; i < r.size(); ++i) {
            pg::RemoteSession::Row row;
            for (int c = 1; c <= r.columns(); ++c) row.push_back(r.opt_text(i, c));
            rows.push_back(std::move(row));
        }
        return rows;
    });
    if (!done.ok()) {
        // A cancel, a shutdown or a timeout (class 57, operator intervention) is the caller's, not
        // pg_cron's answer: it goes on as itself.
        if (done.error().sqlstate().rfind("57", 0) == 0) done.error().raise();
        raise_cron_error(done.error().sqlstate(), done.error().message());
    }
    return done.value();
}

}  // namespace koba::store
