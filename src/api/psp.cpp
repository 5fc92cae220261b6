// PSP webhooks (spec.md section 5): the payment provider tells Kobatela that a payment settled or
// failed. The request is authenticated by its signature, not by an API key, so the function needs
// no scope. core/webhook decides everything that is pure (the signature, which event, which
// payment, which action) and core/payout_plan what the action does to the payment; this file reads
// the request and parses the body once with PostgreSQL's jsonb; the webhook store records the
// event with that parsed body; the payment store takes the payment's snapshot and writes the change, its audit rows, or
// an alert, in the caller's transaction.
#include "api/payment_events.hpp"
#include "audit/audit.hpp"
#include "context/request.hpp"
#include "core/errors.hpp"
#include "core/json_limits.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "core/text_rules.hpp"
#include "core/payout_plan.hpp"
#include "core/transitions.hpp"
#include "core/webhook.hpp"
#include "pg/args.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/payment_store.hpp"
#include "store/webhook_store.hpp"

#include <stdexcept>

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxSignatureBytes = 256;     // a hex HMAC-SHA256 is 64, a timestamp <= 20
constexpr std::size_t kMaxEventIdChars = 100;       // psp_webhook_events.event_id
constexpr std::size_t kMaxKindChars = 50;           // psp_webhook_events.kind

// A header or body value counts only when it holds more than spaces (the tables' btrim(x) <> ''
// rule); core/webhook then picks the first one given.
std::optional<std::string> given(std::optional<std::string> value) {
    if (value && value->find_first_not_of(' ') == std::string::npos) return std::nullopt;
    return value;
}

std::optional<std::string_view> view(const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    return std::string_view(*value);
}

// A field an event is filed under: a string or a number (as its text, the way ->> reads it);
// anything else, or one that holds only spaces, counts as absent.
std::optional<std::string> body_field(Datum document, std::string_view name) {
    pg::JsonbField field = pg::jsonb_field(document, name);
    if (field.type != pg::JsonbType::String && field.type != pg::JsonbType::Number) return std::nullopt;
    return given(std::move(field.text));
}

// The body's fields, read from its parsed form.
core::PspBodyFields read_body(Datum document) {
    if (!pg::jsonb_is_object(document)) throw Error(ErrorCode::INVALID_JSON, "The body must be a JSON object.");
    return core::PspBodyFields{body_field(document, "id"),    body_field(document, "event_id"),
                               body_field(document, "type"),  body_field(document, "event"),
                               body_field(document, "psp_ref"), body_field(document, "payment_reference")};
}

// Headers are not covered by the signature: one that names another event or payment than the
// signed body, or one the body does not name at all, is refused rather than believed (a captured
// delivery, replayed within the allowed skew with an X-PSP-Ref, must not settle another payment).
void require_header_backed(const std::optional<std::string>& header, const std::optional<std::string>& from_body,
                           const char* header_name, const char* body_field) {
    if (!core::header_backed_by_body(view(header), view(from_body)))
        throw Error(ErrorCode::INVALID_ARGUMENT,
                    std::string("The ") + header_name + " header is not backed by the signed body's " + body_field +
                        ": only what the signature covers selects what a webhook acts on.");
}

// At most max_chars code points of valid UTF-8 text.
std::string truncate_chars(const std::string& text, std::size_t max_chars) {
    std::size_t i = 0;
    for (std::size_t chars = 0; i < text.size() && chars < max_chars; ++chars) {
        const std::size_t n = core::utf8_sequence_length(text, i);
        i += n == 0 ? 1 : n;
    }
    return text.substr(0, i);
}

// The answer, first delivery or replay: {"ok": true, "event_id": ..., "processed_at": ...}.
Datum answer(const std::string& event_id, const std::optional<std::string>& processed_at) {
    core::JsonObject json;
    json.add_bool("ok", true).add("event_id", event_id);
    processed_at ? json.add("processed_at", *processed_at) : json.add_null("processed_at");
    return pg::own_jsonb_datum(json.str());
}

// The stored event's answer, if event_id was seen before.
std::optional<Datum> replay(pg::Spi& spi, const std::string& event_id) {
    const std::optional<store::StoredWebhookEvent> stored = store::find_webhook_event(spi, event_id);
    if (!stored) return std::nullopt;
    return answer(event_id, stored->processed_at);
}

struct Event {
    std::string event_id;
    std::string kind;
    std::optional<std::string> psp_ref;
};

// Settles or fails the payment the event names, as core::plan_psp_event decides. An unknown or
// missing psp_ref changes nothing (the event is recorded all the same).
void apply_to_payment(pg::Spi& spi, const Event& event, core::PaymentEvent step_event) {
    if (!event.psp_ref) return;
    const std::optional<store::PspSnapshot> snapshot = store::psp_snapshot(spi, *event.psp_ref);
    if (!snapshot) return;
    api::apply_payment_event(spi, *snapshot, step_event, {event.event_id, event.kind, *event.psp_ref});
}

}  // namespace

// psp_webhook(body text, signature text DEFAULT NULL, ts text DEFAULT NULL) RETURNS jsonb
//   {"ok": true, "event_id": ..., "processed_at": ...}
KOBA_FUNCTION(kobatela_psp_webhook) {
    // No scope: the signature is the credential. Nothing is read before the secret is known.
    const std::string_view secret =
        pg::settings::require_secret(pg::settings::psp_webhook_secret(), ErrorCode::PSP_SECRET_MISSING);
    const std::string_view previous = pg::settings::require_secret(pg::settings::psp_webhook_secret_previous(),
                                                                   ErrorCode::PSP_SECRET_MISSING, true);
    const pg::Args args(fcinfo);
    const std::string body = args.bounded_text(0, "body", core::kWebhookBodyLimits.max_bytes);

    pg::Spi spi;
    // Under PostgREST the signature and timestamp come as headers when not given as arguments.
    const context::RequestHeaders headers = context::request_headers();
    std::optional<std::string> signature =
        args.is_null(1) ? headers[context::Header::PspSignature] : args.bounded_text(1, "signature", kMaxSignatureBytes);
    std::optional<std::string> ts =
        args.is_null(2) ? headers[context::Header::PspTimestamp] : args.bounded_text(2, "ts", kMaxSignatureBytes);
    // (A header is bounded the same way: a longer one cannot be a hex HMAC or a timestamp.)
    if ((signature && signature->size() > kMaxSignatureBytes) || (ts && ts->size() > kMaxSignatureBytes))
        throw Error(ErrorCode::INVALID_SIGNATURE, "The signature or timestamp is longer than any valid one.");
    // The skew is measured against the transaction's start (now()): under PostgREST, the request.
    const core::VerifyResult verified =
        core::verify_psp_signature(body, view(signature), view(ts), secret, previous,
                                   pg::now_micros(), pg::settings::psp_webhook_skew_s());
    if (!verified.ok()) throw Error(ErrorCode::INVALID_SIGNATURE, std::string(verified.reason()));

    // From here on the body is the PSP's own words.
    if (!core::valid_utf8(body)) throw Error(ErrorCode::INVALID_JSON, "The body is not valid UTF-8.");
    core::require_json_within(body, core::kWebhookBodyLimits, "body");
    // Parsed once, with jsonb (INVALID_JSON when malformed): the fields are read from this form,
    // and it is what the event's row stores.
    const Datum document = pg::jsonb_datum(body);
    const core::PspBodyFields fields = read_body(document);
    Event event{core::psp_event_id(view(fields.id), view(fields.event_id), body),
                core::psp_event_kind(view(fields.type), view(fields.event)),
                core::psp_event_ref(view(fields.psp_ref), view(fields.payment_reference))};
    require_header_backed(given(headers[context::Header::PspEventId]), fields.id ? fields.id : fields.event_id,
                          "X-PSP-Event-Id", "id or event_id");
    require_header_backed(given(headers[context::Header::PspRef]), event.psp_ref, "X-PSP-Ref",
                          "psp_ref or payment_reference");
    core::require_text(event.event_id, "event_id", kMaxEventIdChars);
    // A kind is a label: a longer one (never one that acts) is kept shortened, the body keeps it whole.
    event.kind = given(truncate_chars(event.kind, kMaxKindChars)).value_or("unknown");

    // A replay, also of an event stored by a concurrent delivery that committed first.
    if (std::optional<Datum> first = replay(spi, event.event_id)) return *first;

    const audit::AuditActor actor("psp");  // every row written from here on
    const std::optional<store::StoredWebhookEvent> stored =
        store::insert_webhook_event(spi, {event.event_id, event.psp_ref, event.kind, document});
    if (!stored) {
        // A concurrent delivery of the same event inserted it first: the insert waited for it to
        // commit, and the next statement sees it.
        if (std::optional<Datum> first = replay(spi, event.event_id)) return *first;
        throw std::runtime_error("psp_webhook: event vanished after a unique conflict");
    }

    switch (core::psp_action(event.kind)) {
        case core::PspAction::Settle: apply_to_payment(spi, event, core::PaymentEvent::Settle); break;
        case core::PspAction::Fail: apply_to_payment(spi, event, core::PaymentEvent::Fail); break;
        case core::PspAction::Record: break;
    }
    return answer(event.event_id, stored->processed_at);
}
