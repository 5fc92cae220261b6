#include "context/request.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "pg/subtransaction.hpp"
#include "core/text_rules.hpp"

namespace koba::context {

std::optional<std::string> request_header(pg::Spi& spi, const char* lower_case_name) {
    static pg::Statement header{
        "SELECT nullif(current_setting('request.headers', true), '')::jsonb ->> $1", {TEXTOID}};
    // Unset or empty (outside PostgREST): no header, and no statement or subtransaction to pay for.
    const bool unset = pg::pg_call([] {
        const char* headers = GetConfigOption("request.headers", true, false);
        return headers == nullptr || headers[0] == '\0';
    });
    if (unset) return std::nullopt;
    // In a subtransaction: a setting that is not JSON is rolled back before it becomes Kobatela's error.
    const pg::Recovered<std::optional<std::string>> value =
        pg::recoverable([&] { return spi.run(header, pg::Params().text(lower_case_name)).opt_text(0, 1); });
    if (value.ok()) return value.value();
    // Set by PostgREST as JSON; by anything else, maybe not (any session can set it).
    if (!value.error().is_data_exception()) value.error().raise();
    throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "The request.headers setting is not a JSON object.");
}

void set_http_response(pg::Spi& spi, int status, const char* header, const char* value) {
    static pg::Statement respond{
        "SELECT set_config('response.status', $1, true), set_config('response.headers', $2, true) "
        "WHERE coalesce(current_setting('request.method', true), '') <> ''",
        {TEXTOID, TEXTOID}};
    const std::string headers = "[" + core::JsonObject().add(header, value).str() + "]";
    spi.run(respond, pg::Params().text(std::to_string(status)).text(headers));
}

std::optional<IdempotencyKey> idempotency_key(pg::Spi& spi, std::optional<std::string> argument,
                                              const Principal& caller) {
    std::optional<std::string> key = argument ? std::move(argument) : request_header(spi, "idempotency-key");
    if (!key) return std::nullopt;
    core::require_text(*key, "idempotency_key", 64);
    return IdempotencyKey{std::move(*key), caller.user_id};
}

pg::Params& add_idempotency_key(pg::Params& params, const std::optional<IdempotencyKey>& key) {
    return key ? params.text(key->key).opt_int8(key->owner) : params.null().null();
}

}  // namespace koba::context
