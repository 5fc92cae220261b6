#include "core/webhook.hpp"

#include "core/timestamps.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <limits>
#include <string>

using namespace koba::core;

namespace {

// docs example: secret whsec_test, ts 1700000000; HMACs from `openssl dgst -sha256 -hmac`.
constexpr std::string_view kBody = R"({"id":"evt_1","type":"payment.settled","psp_ref":"PSP-123"})";
constexpr std::string_view kSig = "d5964889c1ce19b26d60a3df9c0ec21d98ceb041ba068acb878c5bc4c1b55619";
constexpr std::string_view kSigOldSecret = "52ce9561a996fc64200a4b181f9c35af4d09457d423eb474bd844375a021049f";
constexpr std::string_view kSigEmptyKey = "d3b76e3bb5734017424f9747840bb2e47e6aa1f5cbcd3486978a3182862b35ff";
constexpr int64_t kTs = 1700000000 * kMicrosPerSecond;

std::string_view check(std::optional<std::string_view> signature, std::optional<std::string_view> ts,
                       int64_t now = kTs, std::string_view secret = "whsec_test",
                       std::string_view previous = "", std::string_view body = kBody, int skew_s = 300) {
    const VerifyResult r = verify_psp_signature(body, signature, ts, secret, previous, now, skew_s);
    EXPECT_EQ(r.ok(), r.check == SignatureCheck::Ok);
    return r.ok() ? "ok" : r.reason();
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

TEST(PspSignature, DocsExample) {
    EXPECT_EQ(check(kSig, "1700000000"), "ok");
    EXPECT_EQ(check(upper(kSig), "1700000000"), "ok");  // hex in either case
}

TEST(PspSignature, ReferenceTestShape) {
    // behaviour.md section 10: Python's str(time.time()) timestamp and json.dumps spacing.
    EXPECT_EQ(check("d704b6fa25b8ba605ce2ac35dfc1379f5b278b72c343b1752a0031e71571abf7", "1731500000.123456",
                    1731500000 * kMicrosPerSecond, "test-psp-secret", "",
                    R"({"type": "payment.settled", "psp_ref": "psp-123"})"),
              "ok");
}

TEST(PspSignature, Rotation) {
    EXPECT_EQ(check(kSig, "1700000000", kTs, "whsec_new", "whsec_test"), "ok");          // previous secret
    EXPECT_EQ(check(kSigOldSecret, "1700000000", kTs, "whsec_test", "whsec_old"), "ok");
    EXPECT_EQ(check(kSigOldSecret, "1700000000", kTs, "whsec_test", ""), "hmac-mismatch");
    EXPECT_EQ(check(kSigOldSecret, "1700000000", kTs, "whsec_new", "whsec_test"), "hmac-mismatch");
}

TEST(PspSignature, EmptySecretsNeverVerify) {
    EXPECT_EQ(check(kSigEmptyKey, "1700000000", kTs, "whsec_test", ""), "hmac-mismatch");
    EXPECT_EQ(check(kSigEmptyKey, "1700000000", kTs, "", ""), "hmac-mismatch");
    EXPECT_EQ(check(kSig, "1700000000", kTs, "", ""), "hmac-mismatch");
}

TEST(PspSignature, MissingValues) {
    EXPECT_EQ(check(std::nullopt, "1700000000"), "signature-missing");
    EXPECT_EQ(check("", "1700000000"), "signature-missing");
    EXPECT_EQ(check(std::nullopt, std::nullopt), "signature-missing");  // signature is checked first
    EXPECT_EQ(check(kSig, std::nullopt), "timestamp-missing");
    EXPECT_EQ(check(kSig, ""), "timestamp-missing");
    EXPECT_EQ(check("bad-signature", std::nullopt), "timestamp-missing");
}

TEST(PspSignature, InvalidTimestamps) {
    for (const char* ts : {"abc", "1700000000x", " 1700000000", "1700000000 ", "+1700000000",
                           "-1700000000", "1.7e9", "1700000000e0", "NaN", "nan", "inf", "Infinity",
                           "0x6553f100", "1700000000.", ".5", "1700000000..1", "1,700,000,000",
                           "1700000000.1.2", "17000000000000000000000", "1700000000.1234567890"}) {
        EXPECT_EQ(check(kSig, ts), "timestamp-invalid") << ts;
    }
    EXPECT_EQ(check(kSig, std::string_view("1700000000\0", 11)), "timestamp-invalid");
}

TEST(PspSignature, SkewBoundaries) {
    const int64_t s = kMicrosPerSecond;
    EXPECT_EQ(check(kSig, "1700000000", kTs + 300 * s), "ok");
    EXPECT_EQ(check(kSig, "1700000000", kTs - 300 * s), "ok");
    EXPECT_EQ(check(kSig, "1700000000", kTs + 300 * s + 1), "timestamp-skew");
    EXPECT_EQ(check(kSig, "1700000000", kTs - 300 * s - 1), "timestamp-skew");
    EXPECT_EQ(check(kSig, "1700000000", kTs + 10 * s, "whsec_test", "", kBody, 10), "ok");
    EXPECT_EQ(check(kSig, "1700000000", kTs + 11 * s, "whsec_test", "", kBody, 10), "timestamp-skew");
    EXPECT_EQ(check(kSig, "1700000000", kTs, "whsec_test", "", kBody, 0), "ok");
    EXPECT_EQ(check(kSig, "1700000000", kTs + 1, "whsec_test", "", kBody, 0), "timestamp-skew");
    EXPECT_EQ(check(kSig, "1700000000", kTs + 1, "whsec_test", "", kBody, -5), "timestamp-skew");
    // Skew is judged before the HMAC: a stale request never reveals whether its signature was right.
    EXPECT_EQ(check("bad-signature", "1700000000", kTs + 301 * s), "timestamp-skew");
    // Far-away timestamps are skewed, not an overflow.
    EXPECT_EQ(check(kSig, "99999999999999999999"), "timestamp-skew");
    EXPECT_EQ(check(kSig, "0", std::numeric_limits<int64_t>::min()), "timestamp-skew");
    EXPECT_EQ(check(kSig, "99999999999999999999", std::numeric_limits<int64_t>::min()), "timestamp-skew");
}

TEST(PspSignature, FractionalTimestampSignsItsOwnText) {
    // 1700000000.123456 within skew of now; the HMAC covers the text as sent, not a normalised number.
    EXPECT_EQ(check("09e92f914885184503cebe00302f1672a7eb95c7d06239e2107c73efb3585c6e", "1700000000.123456"), "ok");
    EXPECT_EQ(check("09e92f914885184503cebe00302f1672a7eb95c7d06239e2107c73efb3585c6e", "1700000000.1234560"),
              "hmac-mismatch");
    EXPECT_EQ(check(kSig, "1700000000.0"), "hmac-mismatch");
    EXPECT_EQ(check(kSig, "01700000000"), "hmac-mismatch");
}

TEST(PspSignature, HmacMismatches) {
    EXPECT_EQ(check("bad-signature", "1700000000"), "hmac-mismatch");
    EXPECT_EQ(check(kSig, "1700000001", kTs), "hmac-mismatch");                   // other timestamp
    EXPECT_EQ(check(kSig, "1700000000", kTs, "whsec_tesT"), "hmac-mismatch");     // other secret
    EXPECT_EQ(check(kSig, "1700000000", kTs, "whsec_test", "", "{}"), "hmac-mismatch");
    EXPECT_EQ(check(kSig, "1700000000", kTs, "whsec_test", "", std::string(kBody) + "\n"), "hmac-mismatch");
    EXPECT_EQ(check("sha256=" + std::string(kSig), "1700000000"), "hmac-mismatch");
    EXPECT_EQ(check(kSig.substr(0, 63), "1700000000"), "hmac-mismatch");
    EXPECT_EQ(check(std::string(kSig) + "0", "1700000000"), "hmac-mismatch");
    EXPECT_EQ(check(std::string(kSig) + " ", "1700000000"), "hmac-mismatch");
}

TEST(PspTimestamp, Parse) {
    EXPECT_EQ(parse_psp_timestamp_micros("0"), 0);
    EXPECT_EQ(parse_psp_timestamp_micros("1700000000"), kTs);
    EXPECT_EQ(parse_psp_timestamp_micros("1700000000.5"), kTs + 500000);
    EXPECT_EQ(parse_psp_timestamp_micros("1700000000.000001"), kTs + 1);
    EXPECT_EQ(parse_psp_timestamp_micros("1700000000.0000009"), kTs);  // truncated
    EXPECT_EQ(parse_psp_timestamp_micros("00000000001700000000"), kTs);
    // The edge of int64 microseconds: exact up to the last one, saturated after it (checked
    // arithmetic: the input is unauthenticated). UBSan runs these.
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036854"), int64_t{9223372036854} * 1000000);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036854.775806"), kMax - 1);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036854.775807"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036854.775808"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036854.999999"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036855"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036859"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("9223372036859.9"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("18446744073709551616"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("99999999999999999999"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("00000009223372036855"), kMax);
    EXPECT_EQ(parse_psp_timestamp_micros("1700000000.123456789"), kTs + 123456);  // 20 characters
    EXPECT_FALSE(parse_psp_timestamp_micros("1700000000.1234567891"));            // 21
    EXPECT_FALSE(parse_psp_timestamp_micros(""));
}

TEST(PspSignature, ReasonNames) {
    EXPECT_EQ(signature_check_reason(SignatureCheck::Ok), "");
    EXPECT_EQ(signature_check_reason(SignatureCheck::SignatureMissing), "signature-missing");
    EXPECT_EQ(signature_check_reason(SignatureCheck::TimestampMissing), "timestamp-missing");
    EXPECT_EQ(signature_check_reason(SignatureCheck::TimestampInvalid), "timestamp-invalid");
    EXPECT_EQ(signature_check_reason(SignatureCheck::TimestampSkew), "timestamp-skew");
    EXPECT_EQ(signature_check_reason(SignatureCheck::HmacMismatch), "hmac-mismatch");
}

TEST(PspEvent, EventIdFallbacks) {
    EXPECT_EQ(psp_event_id("evt_1", "evt_2", kBody), "evt_1");
    EXPECT_EQ(psp_event_id(std::nullopt, "evt_2", kBody), "evt_2");
    EXPECT_EQ(psp_event_id("", "evt_2", kBody), "evt_2");
    // `openssl dgst -sha1` of the body, and of nothing.
    EXPECT_EQ(psp_event_id(std::nullopt, std::nullopt, kBody), "7b3aa3a365d366a6720a09d0d121223d500a3309");
    EXPECT_EQ(psp_event_id("", "", ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

// An unsigned header never selects: it may only repeat what the signed body says.
TEST(PspEvent, HeadersMustBeBackedByTheSignedBody) {
    EXPECT_TRUE(header_backed_by_body(std::nullopt, std::nullopt));
    EXPECT_TRUE(header_backed_by_body("", "PSP-1"));
    EXPECT_TRUE(header_backed_by_body(std::nullopt, "PSP-1"));
    EXPECT_TRUE(header_backed_by_body("PSP-1", "PSP-1"));
    EXPECT_FALSE(header_backed_by_body("PSP-2", "PSP-1"));   // steers to another payment
    EXPECT_FALSE(header_backed_by_body("PSP-2", std::nullopt));  // names one the body does not
    EXPECT_FALSE(header_backed_by_body("PSP-2", ""));
    EXPECT_FALSE(header_backed_by_body("psp-1", "PSP-1"));    // exact, case included
}

TEST(PspEvent, KindAndRef) {
    EXPECT_EQ(psp_event_kind("payment.settled", "payment_failed"), "payment.settled");
    EXPECT_EQ(psp_event_kind(std::nullopt, "payment_failed"), "payment_failed");
    EXPECT_EQ(psp_event_kind("", "payment_failed"), "payment_failed");
    EXPECT_EQ(psp_event_kind(std::nullopt, std::nullopt), "unknown");
    EXPECT_EQ(psp_event_kind("", ""), "unknown");

    EXPECT_EQ(psp_event_ref("PSP-1", "PSP-2"), "PSP-1");
    EXPECT_EQ(psp_event_ref(std::nullopt, "PSP-2"), "PSP-2");
    EXPECT_EQ(psp_event_ref("", "PSP-2"), "PSP-2");
    EXPECT_EQ(psp_event_ref(std::nullopt, std::nullopt), std::nullopt);
    EXPECT_EQ(psp_event_ref("", ""), std::nullopt);
}

TEST(PspEvent, Actions) {
    EXPECT_EQ(psp_action("payment.settled"), PspAction::Settle);
    EXPECT_EQ(psp_action("payment_succeeded"), PspAction::Settle);
    EXPECT_EQ(psp_action("payment.failed"), PspAction::Fail);
    EXPECT_EQ(psp_action("payment_failed"), PspAction::Fail);
    for (const char* kind : {"unknown", "", "Payment.Settled", "payment.settled ", "payment_settled",
                             "payment.succeeded", "payment.refunded", "payment"}) {
        EXPECT_EQ(psp_action(kind), PspAction::Record) << kind;
    }
}
