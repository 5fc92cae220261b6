#include "core/cron_jobs.hpp"

namespace koba::core {

namespace {
constexpr size_t kPgNameMaxBytes = 63;  // NAMEDATALEN - 1
constexpr std::string_view kDaysPlaceholder = "{days}";
}

std::string cron_job_name(const MaintenanceJob& job, std::string_view database, uint32_t database_oid) {
    std::string name = "kobatela:" + std::string(job.purpose) + ":";
    if (name.size() + database.size() <= kPgNameMaxBytes) return name.append(database);
    return name + "oid" + std::to_string(database_oid);
}

std::string cron_job_command(const MaintenanceJob& job, int retention_days) {
    std::string command(job.command);
    const size_t at = command.find(kDaysPlaceholder);
    if (at != std::string::npos) command.replace(at, kDaysPlaceholder.size(), std::to_string(retention_days));
    return command;
}

std::string_view cron_job_schedule(const MaintenanceJob& job, std::string_view requested) {
    return job.schedule.empty() ? requested : job.schedule;
}

std::string conninfo_value(std::string_view value) {
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

}  // namespace koba::core
