// A libpq connection from this backend to another database of the same cluster, for the few
// statements that can only run there (pg_cron's functions exist only in cron.database_name).
//
// libpq never raises PostgreSQL errors (no ereport, no longjmp), so this is plain C++: a failure
// is thrown as RemoteError and the destructor closes the connection on every path. The remote
// statements commit on their own: they are not part of the calling transaction.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;

namespace koba::pg {

struct RemoteError : std::runtime_error {
    RemoteError(std::string sqlstate, const std::string& message)
        : std::runtime_error(message), sqlstate(std::move(sqlstate)) {}
    std::string sqlstate;  // the remote error's SQLSTATE; empty when the connection failed
};

class RemoteSession {
public:
    using Row = std::vector<std::optional<std::string>>;

    explicit RemoteSession(const std::string& conninfo);
    ~RemoteSession();
    RemoteSession(const RemoteSession&) = delete;
    RemoteSession& operator=(const RemoteSession&) = delete;

    // One statement with text parameters ($1, $2, ...; cast them in the SQL); its rows as text.
    std::vector<Row> query(const char* sql, const std::vector<std::string>& params);

private:
    pg_conn* conn_;
};

}  // namespace koba::pg
