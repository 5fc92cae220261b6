#include "api/request.hpp"

#include "core/json_writer.hpp"
#include "core/text_rules.hpp"

namespace koba::api {

std::optional<std::string> request_header(pg::Spi& spi, const char* lower_case_name) {
    static pg::Statement header{
        "SELECT nullif(current_setting('request.headers', true), '')::jsonb ->> $1", {TEXTOID}};
    const pg::Result r = spi.run(header, pg::Params().text(lower_case_name));
    return r.opt_text(0, 1);
}

void set_http_response(pg::Spi& spi, int status, const char* header, const char* value) {
    static pg::Statement respond{
        "SELECT set_config('response.status', $1, true), set_config('response.headers', $2, true) "
        "WHERE coalesce(current_setting('request.method', true), '') <> ''",
        {TEXTOID, TEXTOID}};
    const std::string headers = "[" + core::JsonObject().add(header, value).str() + "]";
    spi.run(respond, pg::Params().text(std::to_string(status)).text(headers));
}

std::optional<std::string> idempotency_key(pg::Spi& spi, std::optional<std::string> argument) {
    std::optional<std::string> key = argument ? std::move(argument) : request_header(spi, "idempotency-key");
    if (key) core::require_text(*key, "idempotency_key", 64);
    return key;
}

}  // namespace koba::api
