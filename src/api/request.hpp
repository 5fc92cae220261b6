// The HTTP request around a call made through PostgREST, read from and written to the GUCs
// PostgREST sets per request (request.headers, request.method; response.status/headers).
// Outside PostgREST (psql, pg_cron, an application's own connection) they are empty.
#pragma once

#include "pg/spi.hpp"

namespace koba::api {

// A request header (name in lower case, as PostgREST passes them), if there is one.
std::optional<std::string> request_header(pg::Spi& spi, const char* lower_case_name);

// Under PostgREST only: answer with `status` and one extra response header.
void set_http_response(pg::Spi& spi, int status, const char* header, const char* value);

// The idempotency key of a call: the argument when given, else the Idempotency-Key header.
// Validated: 1 to 64 characters, no control characters.
std::optional<std::string> idempotency_key(pg::Spi& spi, std::optional<std::string> argument);

}  // namespace koba::api
