#include "pg/remote_session.hpp"

#include "pg/guard.hpp"
#include "pg/postgres.hpp"

#include <libpq-fe.h>

#include <memory>

extern "C" {
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/wait_event.h"
}

namespace koba::pg {

namespace {

// libpq's messages end with a newline; PostgreSQL's error text should not.
std::string trimmed(const char* message) {
    std::string text = message == nullptr ? "" : message;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

int64_t now_timestamp() {
    return pg_call([] { return GetCurrentTimestamp(); });
}

}  // namespace

// Neither can raise a PostgreSQL error.
RemoteSession::ExternalFd::~ExternalFd() {
    if (held) ReleaseExternalFD();
}
void RemoteSession::Finish::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }

RemoteSession::RemoteSession(const std::string& conninfo, int timeout_s, bool require_password)
    : timeout_s_(timeout_s) {
    // One more file descriptor than PostgreSQL's own pool knows about: ask for it first.
    fd_.held = pg_call([] { return AcquireExternalFD(); });
    if (!fd_.held) throw RemoteError("", "out of file descriptors for a connection to pg_cron's database");
    deadline_ = now_timestamp() + int64_t{timeout_s_} * USECS_PER_SEC;
    conn_.reset(PQconnectStart(conninfo.c_str()));
    if (!conn_) throw RemoteError("", "out of memory");
    if (PQstatus(conn_.get()) == CONNECTION_BAD) throw RemoteError("", trimmed(PQerrorMessage(conn_.get())));
    for (PostgresPollingStatusType status = PGRES_POLLING_WRITING; status != PGRES_POLLING_OK;) {
        // libpq's messages name the server and the role, never a password.
        if (status == PGRES_POLLING_FAILED) throw RemoteError("", trimmed(PQerrorMessage(conn_.get())));
        wait_for_socket(status == PGRES_POLLING_WRITING);
        status = PQconnectPoll(conn_.get());
    }
    if (require_password && !PQconnectionUsedPassword(conn_.get()))
        throw RemoteError("28000", "the cron database let the connection in without a password; only a superuser may "
                                   "use such a connection (kobatela.cron_conninfo must carry credentials: passfile=)");
}

RemoteSession::~RemoteSession() = default;

void RemoteSession::wait_for_socket(bool writable) {
    const int64_t left_us = deadline_ - now_timestamp();
    if (left_us <= 0)
        throw RemoteError("57014", "pg_cron's database did not answer within " + std::to_string(timeout_s_) +
                                       " s (kobatela.cron_timeout_s)");
    const int socket = PQsocket(conn_.get());
    const int events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | WL_TIMEOUT | (writable ? WL_SOCKET_WRITEABLE : WL_SOCKET_READABLE);
    const long timeout_ms = static_cast<long>((left_us + 999) / 1000);
    pg_call([&] {
        const int rc = WaitLatchOrSocket(MyLatch, events, socket, timeout_ms, PG_WAIT_EXTENSION);
        if (rc & WL_LATCH_SET) ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();  // a cancel or termination ends the wait here, as an error
    });
}

std::vector<RemoteSession::Row> RemoteSession::query(const char* sql, const std::vector<std::string>& params) {
    deadline_ = now_timestamp() + int64_t{timeout_s_} * USECS_PER_SEC;
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    if (!PQsendQueryParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0))
        throw RemoteError("", trimmed(PQerrorMessage(conn_.get())));
    for (int pending = 1; pending != 0;) {  // send what libpq buffered
        pending = PQflush(conn_.get());
        if (pending < 0) throw RemoteError("", trimmed(PQerrorMessage(conn_.get())));
        if (pending > 0) wait_for_socket(true);
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> kept(nullptr, &PQclear);
    for (;;) {
        while (PQisBusy(conn_.get())) {
            wait_for_socket(false);
            if (!PQconsumeInput(conn_.get())) throw RemoteError("", trimmed(PQerrorMessage(conn_.get())));
        }
        PGresult* next = PQgetResult(conn_.get());
        if (next == nullptr) break;
        kept.reset(next);  // one statement: its (last) result
    }
    const ExecStatusType status = kept ? PQresultStatus(kept.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const char* sqlstate = kept ? PQresultErrorField(kept.get(), PG_DIAG_SQLSTATE) : nullptr;
        const char* message = kept ? PQresultErrorField(kept.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        throw RemoteError(sqlstate ? sqlstate : "", message ? message : trimmed(PQerrorMessage(conn_.get())));
    }
    std::vector<Row> rows;
    for (int r = 0; r < PQntuples(kept.get()); ++r) {
        Row row;
        for (int c = 0; c < PQnfields(kept.get()); ++c) {
            if (PQgetisnull(kept.get(), r, c)) row.emplace_back(std::nullopt);
            else row.emplace_back(std::string(PQgetvalue(kept.get(), r, c)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace koba::pg
