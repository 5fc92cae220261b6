// Bounds on the JSON documents callers hand Kobatela (docs/reference.md, "Limits"): each JSON
// argument has a largest size and a deepest nesting, so that nobody can store megabytes, or
// thousands of levels, in a row and in the audit trail. And the one conversion of a JSON value to
// a number that Kobatela makes itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace koba::core {

struct JsonLimits {
    std::size_t max_bytes;  // of the document's text
    int max_depth;          // nesting of arrays and objects; a scalar is depth 0, {} or [] depth 1
};

constexpr JsonLimits kReleaseConditionsLimits{16 * 1024, 16};  // create_escrow
constexpr JsonLimits kProofMetadataLimits{16 * 1024, 16};      // submit_proof
constexpr JsonLimits kWebhookBodyLimits{256 * 1024, 32};       // psp_webhook
constexpr JsonLimits kAuditAnchorsLimits{1024 * 1024, 4};      // verify_audit_chain

// The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count).
// The text is assumed to be JSON; for anything else the count is of the brackets outside quotes.
int json_depth(std::string_view json) noexcept;

// INVALID_JSON, naming `name`, when `json` is larger or deeper than `limits`.
void require_json_within(std::string_view json, const JsonLimits& limits, std::string_view name);

// A JSON number's text (as jsonb prints it: no leading '+', no spaces) as a double. A number too
// large for a double is +/-infinity and one too small is 0 (both as IEEE rounding would have it),
// never an error: the caller judges the value. Nothing when the text is not a number.
std::optional<double> json_number_as_double(std::string_view text) noexcept;

}  // namespace koba::core
