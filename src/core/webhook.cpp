#include "core/webhook.hpp"

#include "core/hmac.hpp"
#include "core/timestamps.hpp"

#include <openssl/evp.h>

#include <initializer_list>
#include <limits>
#include <stdexcept>

namespace koba::core {

namespace {

constexpr std::size_t kMaxTimestampLength = 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first present, non-empty value.
std::optional<std::string_view> first_given(std::initializer_list<std::optional<std::string_view>> values) {
    for (const std::optional<std::string_view>& v : values) {
        if (v && !v->empty()) return v;
    }
    return std::nullopt;
}

std::string sha1_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("SHA-1 failed in OpenSSL");
    }
    return to_hex(digest, length);
}

}  // namespace

std::string_view signature_check_reason(SignatureCheck check) noexcept {
    switch (check) {
        case SignatureCheck::Ok: return "";
        case SignatureCheck::SignatureMissing: return "signature-missing";
        case SignatureCheck::TimestampMissing: return "timestamp-missing";
        case SignatureCheck::TimestampInvalid: return "timestamp-invalid";
        case SignatureCheck::TimestampSkew: return "timestamp-skew";
        case SignatureCheck::HmacMismatch: return "hmac-mismatch";
    }
    return "";
}

std::optional<int64_t> parse_psp_timestamp_micros(std::string_view text) noexcept {
    if (text.empty() || text.size() > kMaxTimestampLength) return std::nullopt;
    constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
    // Every step is checked arithmetic: the input is unauthenticated, and 20 digits do not fit
    // in 64 bits. Past the largest representable instant the value saturates (the skew check
    // then refuses it).
    std::size_t i = 0;
    int64_t micros = 0;
    bool saturated = false;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        if (saturated) continue;
        int64_t shifted = 0;
        saturated = __builtin_mul_overflow(micros, int64_t{10}, &shifted) ||
                    __builtin_add_overflow(shifted, int64_t{text[i] - '0'} * kMicrosPerSecond, &micros);
    }
    if (i == 0) return std::nullopt;
    if (i < text.size()) {
        if (text[i++] != '.' || i == text.size()) return std::nullopt;
        for (int64_t scale = kMicrosPerSecond / 10; i < text.size(); ++i, scale /= 10) {
            if (!is_digit(text[i])) return std::nullopt;
            // scale is 0 past the sixth digit: truncated
            if (!saturated) saturated = __builtin_add_overflow(micros, (text[i] - '0') * scale, &micros);
        }
    }
    return saturated ? kSaturated : micros;
}

VerifyResult verify_psp_signature(std::string_view body, std::optional<std::string_view> signature,
                                  std::optional<std::string_view> timestamp,
                                  std::string_view secret, std::string_view previous_secret,
                                  int64_t now_micros, int skew_s) {
    if (!signature || signature->empty()) return {SignatureCheck::SignatureMissing};
    if (!timestamp || timestamp->empty()) return {SignatureCheck::TimestampMissing};
    const std::optional<int64_t> ts = parse_psp_timestamp_micros(*timestamp);
    if (!ts) return {SignatureCheck::TimestampInvalid};
    // The exact |now - ts| in unsigned arithmetic: it always fits in 64 bits, the signed one may not.
    const uint64_t distance = *ts >= now_micros ? static_cast<uint64_t>(*ts) - static_cast<uint64_t>(now_micros)
                                                : static_cast<uint64_t>(now_micros) - static_cast<uint64_t>(*ts);
    const uint64_t skew = skew_s > 0 ? static_cast<uint64_t>(skew_s) * kMicrosPerSecond : 0;
    if (distance > skew) return {SignatureCheck::TimestampSkew};

    std::string message(*timestamp);
    message += '.';
    message += body;
    for (std::string_view key : {secret, previous_secret}) {
        if (!key.empty() && verify_hmac_sha256_hex(key, message, *signature)) return {SignatureCheck::Ok};
    }
    return {SignatureCheck::HmacMismatch};
}

std::string psp_event_id(std::optional<std::string_view> body_id, std::optional<std::string_view> body_event_id,
                         std::string_view body) {
    const std::optional<std::string_view> given = first_given({body_id, body_event_id});
    return given ? std::string(*given) : sha1_hex(body);
}

std::string psp_event_kind(std::optional<std::string_view> body_type,
                           std::optional<std::string_view> body_event) {
    return std::string(first_given({body_type, body_event}).value_or("unknown"));
}

std::optional<std::string> psp_event_ref(std::optional<std::string_view> body_psp_ref,
                                         std::optional<std::string_view> body_payment_reference) {
    const std::optional<std::string_view> given = first_given({body_psp_ref, body_payment_reference});
    if (!given) return std::nullopt;
    return std::string(*given);
}

bool header_backed_by_body(std::optional<std::string_view> header, std::optional<std::string_view> body_value) noexcept {
    if (!header || header->empty()) return true;
    return body_value && !body_value->empty() && *header == *body_value;
}

PspAction psp_action(std::string_view kind) noexcept {
    if (kind == "payment.settled" || kind == "payment_succeeded") return PspAction::Settle;
    if (kind == "payment.failed" || kind == "payment_failed") return PspAction::Fail;
    return PspAction::Record;
}

}  // namespace koba::core
