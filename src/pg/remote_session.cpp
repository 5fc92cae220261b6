#include "pg/remote_session.hpp"

#include <libpq-fe.h>

#include <memory>

namespace koba::pg {

namespace {

// libpq's messages end with a newline; PostgreSQL's error text should not.
std::string trimmed(const char* message) {
    std::string text = message == nullptr ? "" : message;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

RemoteSession::RemoteSession(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (conn_ == nullptr) throw RemoteError("", "out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
        // libpq's message names the server and the role, never the password.
        const std::string message = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        throw RemoteError("", message);
    }
}

RemoteSession::~RemoteSession() { PQfinish(conn_); }

std::vector<RemoteSession::Row> RemoteSession::query(const char* sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    std::unique_ptr<PGresult, decltype(&PQclear)> result(
        PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
        &PQclear);
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const char* sqlstate = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
        const char* message = result ? PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        throw RemoteError(sqlstate ? sqlstate : "", message ? message : trimmed(PQerrorMessage(conn_)));
    }
    std::vector<Row> rows;
    for (int r = 0; r < PQntuples(result.get()); ++r) {
        Row row;
        for (int c = 0; c < PQnfields(result.get()); ++c) {
            if (PQgetisnull(result.get(), r, c)) row.emplace_back(std::nullopt);
            else row.emplace_back(std::string(PQgetvalue(result.get(), r, c)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace koba::pg
