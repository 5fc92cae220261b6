#include "core/cron_jobs.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace koba::core;

TEST(CronJobs, NamesCarryPurposeAndDatabase) {
    EXPECT_EQ(cron_job_name(kMaintenanceJobs[0], "shop", 16384), "kobatela:expire-mandates:shop");
    EXPECT_EQ(cron_job_name(kMaintenanceJobs[1], "shop", 16384), "kobatela:escrow-deadlines:shop");
}

TEST(CronJobs, EveryJobHasItsOwnNameInOneDatabase) {
    std::set<std::string> names;
    for (const MaintenanceJob& job : kMaintenanceJobs) names.insert(cron_job_name(job, "db", 1));
    EXPECT_EQ(names.size(), std::size(kMaintenanceJobs));
}

TEST(CronJobs, LongDatabaseNamesFallBackToTheOidAndStayWithinNameLength) {
    const std::string fits(63 - std::string("kobatela:escrow-deadlines:").size(), 'a');
    EXPECT_EQ(cron_job_name(kMaintenanceJobs[1], fits, 7), "kobatela:escrow-deadlines:" + fits);
    const std::string too_long = fits + "b";
    const std::string name = cron_job_name(kMaintenanceJobs[1], too_long, 4294967295u);
    EXPECT_EQ(name, "kobatela:escrow-deadlines:oid4294967295");
    EXPECT_LE(name.size(), 63u);
    // Two long names differing only past the cut do not share a job.
    EXPECT_NE(cron_job_name(kMaintenanceJobs[1], too_long + "x", 1), cron_job_name(kMaintenanceJobs[1], too_long + "y", 2));
}

TEST(CronJobs, ConninfoValuesAreQuotedAndEscaped) {
    EXPECT_EQ(conninfo_value("postgres"), "'postgres'");
    EXPECT_EQ(conninfo_value("/var/run/my socket"), "'/var/run/my socket'");
    EXPECT_EQ(conninfo_value("a'b\\c"), "'a\\'b\\\\c'");
    EXPECT_EQ(conninfo_value(""), "''");
}

TEST(CronJobs, ThePurgeRunsInTheCronDatabaseDailyAndKeepsTheRetention) {
    const MaintenanceJob& purge = kMaintenanceJobs[2];
    EXPECT_EQ(cron_job_name(purge, "shop", 1), "kobatela:purge-cron-history:shop");
    EXPECT_EQ(purge.database, JobDatabase::Cron);
    EXPECT_EQ(cron_job_command(purge, 7), "DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'");
    EXPECT_EQ(cron_job_command(purge, 30), "DELETE FROM cron.job_run_details WHERE end_time < now() - interval '30 days'");
    EXPECT_EQ(cron_job_schedule(purge, "* * * * *"), "17 3 * * *");
}

TEST(CronJobs, TheBusinessJobsRunInKobatelasDatabaseOnTheRequestedSchedule) {
    for (const MaintenanceJob& job : {kMaintenanceJobs[0], kMaintenanceJobs[1]}) {
        EXPECT_EQ(job.database, JobDatabase::Kobatela);
        EXPECT_EQ(cron_job_schedule(job, "*/5 * * * *"), "*/5 * * * *");
        EXPECT_EQ(cron_job_command(job, 7), std::string(job.command));  // no retention in them
    }
}
