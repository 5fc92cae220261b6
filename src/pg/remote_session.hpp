// A libpq connection from this backend to another database of the same cluster, for the few
// statements that can only run there (pg_cron's functions exist only in cron.database_name).
//
// libpq never raises PostgreSQL errors, but waiting for it must not make the backend deaf: every
// wait is asynchronous libpq (PQconnectPoll, PQsendQueryParams, PQconsumeInput) on the backend's
// latch and the connection's socket, with CHECK_FOR_INTERRUPTS after each wake-up, so that a
// cancel, statement_timeout or pg_terminate_backend ends it at once; and every wait has a deadline.
// The socket is counted against the backend's file descriptors (AcquireExternalFD). A failure is
// thrown as RemoteError (a PostgreSQL interrupt as pg::PgError); the destructor closes the
// connection on every path. The remote statements commit on their own: they are not part of the
// calling transaction.
#pragma once

#include <cstdint>
#include <memory>
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

    // Connects within `timeout_s` seconds (each later query gets as long again). With
    // `require_password`, a connection the server let in without asking for a password is
    // refused, as dblink refuses it to non-superusers: it would act as whatever role the
    // conninfo names, on the strength of the server's own trust.
    RemoteSession(const std::string& conninfo, int timeout_s, bool require_password);
    ~RemoteSession();
    RemoteSession(const RemoteSession&) = delete;
    RemoteSession& operator=(const RemoteSession&) = delete;

    // One statement with text parameters ($1, $2, ...; cast them in the SQL); its rows as text.
    std::vector<Row> query(const char* sql, const std::vector<std::string>& params);

private:
    // Waits until the socket is readable (or writable), the deadline passes (RemoteError), or an
    // interrupt is pending (pg::PgError from CHECK_FOR_INTERRUPTS).
    void wait_for_socket(bool writable);

    // Members, not destructor code: a constructor that throws halfway destroys the members it
    // built (the connection first, then the file descriptor), but runs no destructor body.
    struct ExternalFd {
        bool held = false;
        ~ExternalFd();
    };
    struct Finish {
        void operator()(pg_conn* conn) const noexcept;
    };
    ExternalFd fd_;
    std::unique_ptr<pg_conn, Finish> conn_;
    int timeout_s_;
    int64_t deadline_ = 0;  // PostgreSQL TimestampTz of the current wait's end
};

}  // namespace koba::pg
