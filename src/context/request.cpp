#include "context/request.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "core/text_rules.hpp"
#include "pg/datum.hpp"

namespace koba::context {

namespace {

// Lower case, as PostgREST passes them; in the order of Header.
constexpr std::array<std::string_view, kHeaderCount> kHeaderNames{
    "x-api-key", "authorization", "idempotency-key", "x-psp-signature", "x-psp-timestamp", "x-psp-event-id", "x-psp-ref"};

// request.headers as it is now; nullptr when unset or empty. Valid until the setting changes: copy it at once.
const char* headers_setting() {
    return pg::pg_call([]() -> const char* {
        const char* headers = GetConfigOption("request.headers", true, false);
        return headers == nullptr || headers[0] == '\0' ? nullptr : headers;
    });
}

// Every header Kobatela reads, out of the setting's text: parsed once, with jsonb (in a
// subtransaction, so that a setting that is not JSON is rolled back before it becomes Kobatela's
// error). A JSON value that is not an object has no headers, as ->> finds none in it.
RequestHeaders parse_headers(const std::string& text) {
    const std::optional<Datum> document = pg::try_jsonb_datum(text);
    // Set by PostgREST as JSON; by anything else, maybe not (any session can set it).
    if (!document)
        throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "The request.headers setting is not a JSON object.");
    RequestHeaders headers;
    for (std::size_t i = 0; i < kHeaderCount; ++i) headers.values[i] = pg::jsonb_field(*document, kHeaderNames[i]).as_text();
    return headers;
}

// The last setting parsed in this backend, and its headers: a pure function of the text, so valid
// in any later transaction that has the same text.
struct ParsedHeaders {
    std::string text;
    RequestHeaders headers;
};
std::optional<ParsedHeaders> g_last_parsed;

}  // namespace

RequestHeaders request_headers() {
    const char* setting = headers_setting();
    if (setting == nullptr) return RequestHeaders{};
    if (g_last_parsed && g_last_parsed->text == setting) return g_last_parsed->headers;
    std::string text(setting);
    RequestHeaders headers = parse_headers(text);
    g_last_parsed = ParsedHeaders{std::move(text), headers};
    return headers;
}

void set_http_response(pg::Spi& spi, int status, const char* header, const char* value) {
    static pg::Statement respond{
        "SELECT set_config('response.status', $1, true), set_config('response.headers', $2, true) "
        "WHERE coalesce(current_setting('request.method', true), '') <> ''",
        {TEXTOID, TEXTOID}};
    const std::string headers = "[" + core::JsonObject().add(header, value).str() + "]";
    spi.run(respond, pg::Params().text(std::to_string(status)).text(headers));
}

std::optional<IdempotencyKey> idempotency_key(std::optional<std::string> argument, const Principal& caller) {
    std::optional<std::string> key = argument ? std::move(argument) : request_headers()[Header::IdempotencyKey];
    if (!key) return std::nullopt;
    core::require_text(*key, "idempotency_key", 64);
    return IdempotencyKey{std::move(*key), caller.user_id};
}

pg::Params& add_idempotency_key(pg::Params& params, const std::optional<IdempotencyKey>& key) {
    return key ? params.text(key->key).opt_int8(key->owner) : params.null().null();
}

}  // namespace koba::context
