// The HTTP request around a call made through PostgREST, read from and written to the GUCs
// PostgREST sets per request (request.headers, request.method; response.status/headers).
// Outside PostgREST (psql, pg_cron, an application's own connection) they are empty.
#pragma once

#include "context/identity.hpp"
#include "pg/spi.hpp"

#include <array>

namespace koba::context {

// The request headers Kobatela reads (PostgREST passes names in lower case).
enum class Header : uint8_t {
    ApiKey,          // x-api-key
    Authorization,   // authorization
    IdempotencyKey,  // idempotency-key
    PspSignature,    // x-psp-signature
    PspTimestamp,    // x-psp-timestamp
    PspEventId,      // x-psp-event-id
    PspRef,          // x-psp-ref
};
constexpr std::size_t kHeaderCount = 7;

// The request's headers that Kobatela reads, each as `request.headers ->> name` gives it.
struct RequestHeaders {
    std::array<std::optional<std::string>, kHeaderCount> values;
    const std::optional<std::string>& operator[](Header header) const {
        return values[static_cast<std::size_t>(header)];
    }
};

// request.headers, read once and parsed once into every header above: a call reads it once and
// asks the result for each header it needs. The parse is kept per backend for the setting's text,
// so the next call of the same request (PostgREST's pre-request, then the function) parses
// nothing. Unset or empty (outside PostgREST): no header, and no parse. A setting that is not
// JSON: INVALID_ARGUMENT (any session can set it).
RequestHeaders request_headers();

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
std::optional<IdempotencyKey> idempotency_key(std::optional<std::string> argument, const Principal& caller);

// Two parameters: the key and its owner (both NULL without a key), as the idempotency_key and
// idempotency_owner columns take them.
pg::Params& add_idempotency_key(pg::Params& params, const std::optional<IdempotencyKey>& key);

}  // namespace koba::context
