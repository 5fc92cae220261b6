// The HTTP request around a call made through PostgREST, read from and written to the GUCs
// PostgREST sets per request (request.headers, request.method; response.status/headers).
// Outside PostgREST (psql, pg_cron, an application's own connection) they are empty.
#pragma once

#include "context/identity.hpp"
#include "pg/spi.hpp"

namespace koba::context {

// A request header (name in lower case, as PostgREST passes them), if there is one.
std::optional<std::string> request_header(pg::Spi& spi, const char* lower_case_name);

// Under PostgREST only: answer with `status` and one extra response header.
void set_http_response(pg::Spi& spi, int status, const char* header, const char* value);

// A caller's idempotency key and the namespace it lives in. Keys are unique per owner: the caller
// that chose them, i.e. the user its API key (or JWT claim) is bound to, or the platform (NULL)
// for unbound keys and roles. So no caller's key can collide with another party's request, or
// tell it whether a key was used (docs/reference.md, "Idempotency"). Kobatela's own payout keys
// live in a column of their own (payments.payout_key), outside every caller's namespace.
struct IdempotencyKey {
    std::string key;
    std::optional<int64_t> owner;
};

// The idempotency key of a call: the argument when given, else the Idempotency-Key header, in
// `caller`'s namespace. Validated: 1 to 64 characters, no control characters.
std::optional<IdempotencyKey> idempotency_key(pg::Spi& spi, std::optional<std::string> argument,
                                              const Principal& caller);

// Two parameters: the key and its owner (both NULL without a key), as the idempotency_key and
// idempotency_owner columns take them.
pg::Params& add_idempotency_key(pg::Params& params, const std::optional<IdempotencyKey>& key);

}  // namespace koba::context
