// PSP webhooks (spec section 5): the signature scheme, and the fields an event is filed under.
//
// Signature: hex HMAC-SHA256(secret, timestamp + "." + body) over the timestamp exactly as sent
// and the raw body bytes, under the current secret or, during a rotation, the previous one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace koba::core {

enum class SignatureCheck : uint8_t {
    Ok,
    SignatureMissing,  // absent or empty
    TimestampMissing,  // absent or empty
    TimestampInvalid,  // not what parse_psp_timestamp_micros accepts
    TimestampSkew,     // more than skew_s away from now, either way
    HmacMismatch,      // under every configured secret
};

// "signature-missing", "timestamp-missing", "timestamp-invalid", "timestamp-skew",
// "hmac-mismatch": the DETAIL of INVALID_SIGNATURE. "" for Ok.
std::string_view signature_check_reason(SignatureCheck check) noexcept;

struct VerifyResult {
    SignatureCheck check;
    bool ok() const noexcept { return check == SignatureCheck::Ok; }
    std::string_view reason() const noexcept { return signature_check_reason(check); }
};

// Checks in this order: signature, timestamp presence, timestamp form, skew (|now - ts| > skew_s
// fails; equal passes), then the HMAC, whose hex may be either case, compared in constant time.
// An empty secret never verifies anything, so an unset previous secret cannot be forged with an
// empty key. now_micros: Unix microseconds.
VerifyResult verify_psp_signature(std::string_view body, std::optional<std::string_view> signature,
                                  std::optional<std::string_view> timestamp,
                                  std::string_view secret, std::string_view previous_secret,
                                  int64_t now_micros, int skew_s);

// Seconds since the Unix epoch as the PSP writes them: digits, optionally '.' and digits, at most
// 20 characters ("1700000000", "1731500000.123456"). No sign, exponent, spaces, NaN or infinity.
// Microseconds, truncated; a value beyond int64 microseconds saturates (it fails the skew check).
std::optional<int64_t> parse_psp_timestamp_micros(std::string_view text) noexcept;

// In each of the following, an empty value counts as absent. What selects the event and the
// payment an event acts on comes from the signed body only: request headers are not covered by
// the signature, and any session can set them.

// The body's fields an event is filed under: strings or numbers (as their JSON text); anything
// else (objects, arrays, booleans, null) counts as absent.
struct PspBodyFields {
    std::optional<std::string> id, event_id, type, event, psp_ref, payment_reference;
};

// The body's id, else its event_id, else the lower-case hex SHA-1 of the raw body. Throws
// std::runtime_error if OpenSSL fails.
std::string psp_event_id(std::optional<std::string_view> body_id, std::optional<std::string_view> body_event_id,
                         std::string_view body);

// The body's type, else its event, else "unknown".
std::string psp_event_kind(std::optional<std::string_view> body_type,
                           std::optional<std::string_view> body_event);

// The body's psp_ref, else its payment_reference, else nothing.
std::optional<std::string> psp_event_ref(std::optional<std::string_view> body_psp_ref,
                                         std::optional<std::string_view> body_payment_reference);

// Whether an unsigned header (X-PSP-Event-Id, X-PSP-Ref) may accompany a signed body: when absent
// (or empty), or when it names exactly what the body names. A header the body does not back up —
// a different value, or a field the body lacks — would steer a signed message, and is refused.
bool header_backed_by_body(std::optional<std::string_view> header, std::optional<std::string_view> body_value) noexcept;

// What an event does to the payment its psp_ref names (see payment_step in transitions.hpp).
enum class PspAction : uint8_t { Settle, Fail, Record };

// payment.settled, payment_succeeded -> Settle; payment.failed, payment_failed -> Fail (exact,
// case-sensitive, as the PSP sends them); anything else -> Record (stored, no effect).
PspAction psp_action(std::string_view kind) noexcept;

}  // namespace koba::core
