// Allowed payees and spends (spec.md section 7): an escrow's client lets the escrow pay named
// payees, each within optional daily and total limits, and spends to them. A spend is a payout
// without a milestone: it takes the escrow's row lock like every payout, so the payee's counters,
// the escrow's balance and the idempotency key are read and changed by one spend at a time.
#include "api/audit.hpp"
#include "api/escrow_store.hpp"
#include "api/identity.hpp"
#include "api/payouts.hpp"
#include "api/request.hpp"
#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "core/spend_rules.hpp"
#include "core/text_rules.hpp"
#include "core/transitions.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxPayeeRef = 120;
constexpr std::size_t kMaxNote = 1000;

struct Payee {
    int64_t id;
    core::PayeeState state;
};

#define KOBA_PAYEE_COLUMNS                                                   \
    "p.id, p.daily_limit, p.total_limit, p.spent_today, p.spent_total, "     \
    "p.last_reset_at IS NOT DISTINCT FROM (now() AT TIME ZONE 'UTC')::date"

// The payee in `r`'s columns first..first+5 (KOBA_PAYEE_COLUMNS).
Payee read_payee(const pg::Result& r, int first) {
    const auto opt_money = [&](int column) -> std::optional<int64_t> {
        if (r.is_null(0, column)) return std::nullopt;
        return r.money(0, column);
    };
    return Payee{r.int8(0, first),
                 {opt_money(first + 1), opt_money(first + 2), r.money(0, first + 3), r.money(0, first + 4),
                  r.boolean(0, first + 5)}};
}

struct SpendRequest {
    int64_t escrow_id;
    std::string payee_ref;
    int64_t cents;
    std::optional<std::string> note;
    std::optional<api::IdempotencyKey> key;
};

// What a spend decides on, read under the escrow's row lock (and the payee's).
struct Locked {
    int64_t client_id;
    core::EscrowStatus status;
    int64_t balance;
    std::optional<Payee> payee;  // none: the payee is not allowed
    bool key_seen;               // a payment was made with the request's key
    bool key_fresh;              // key_seen was read after the lock was granted
};

// The common case in one statement: the escrow and its payee, both locked (the escrow first, the
// order of FOR UPDATE OF), and whether the key was used. A statement that waited for a lock reads
// the locked rows as their last holder committed them, but everything else — the key's payment —
// as it was before it waited: key_fresh is false, and spend() makes up for it (see there). No row
// when the escrow or the payee does not exist.
std::optional<Locked> lock_escrow_and_payee(pg::Spi& spi, const SpendRequest& request) {
    static pg::Statement select{
        "SELECT e.client_id, e.status::text, e.deposited_amount - e.paid_amount, " KOBA_PAYEE_COLUMNS ", "
        "EXISTS (SELECT 1 FROM kobatela.payments k WHERE k.idempotency_key = $3 "
        "        AND k.idempotency_owner IS NOT DISTINCT FROM $4) "
        "FROM kobatela.escrow_agreements e JOIN kobatela.allowed_payees p ON p.escrow_id = e.id AND p.payee_ref = $2 "
        "WHERE e.id = $1 FOR UPDATE OF e, p",
        {INT8OID, TEXTOID, TEXTOID, INT8OID}};
    pg::Params params;
    params.int8(request.escrow_id).text(request.payee_ref);
    const pg::Result r = spi.run(select, std::move(api::add_idempotency_key(params, request.key)));
    if (r.empty()) return std::nullopt;
    return Locked{r.int8(0, 1), core::parse_status<core::EscrowStatus>(r.text(0, 2)).value(), r.money(0, 3),
                  read_payee(r, 4), r.boolean(0, 10), false};
}

// Whether a payment with the request's key exists now (a new statement: it sees what committed
// while this one waited for its locks).
pg::Statement g_payment_by_key{
    "SELECT * FROM kobatela.payments WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
    {TEXTOID, INT8OID}};

bool key_used_now(pg::Spi& spi, const SpendRequest& request) {
    return request.key &&
           !spi.run(g_payment_by_key, pg::Params().text(request.key->key).opt_int8(request.key->owner), 1).empty();
}

// The general case, one statement at a time: ESCROW_NOT_FOUND, or the locked escrow with its payee
// if it has one, and the key looked up after the lock.
Locked lock_escrow_then_read(pg::Spi& spi, const SpendRequest& request) {
    static pg::Statement payee{
        "SELECT " KOBA_PAYEE_COLUMNS " FROM kobatela.allowed_payees p WHERE p.escrow_id = $1 AND p.payee_ref = $2 "
        "FOR UPDATE",
        {INT8OID, TEXTOID}};
    const api::Escrow escrow = api::lock_escrow(spi, request.escrow_id);
    const pg::Result p = spi.run(payee, pg::Params().int8(request.escrow_id).text(request.payee_ref));
    return Locked{escrow.client_id,
                  escrow.status,
                  escrow.balance(),
                  p.empty() ? std::nullopt : std::optional<Payee>(read_payee(p, 1)),
                  key_used_now(spi, request),
                  true};
}

// A replay returns the first payment only if it paid the same payee of the same escrow the same
// amount with the same note (kept in the spend's USAGE_SPEND event).
Datum replay(pg::Spi& spi, const SpendRequest& request, FunctionCallInfo fcinfo) {
    static pg::Statement payee_ref_of{"SELECT payee_ref FROM kobatela.allowed_payees WHERE id = $1", {INT8OID}};
    // The event was written in the payment's transaction, so its `at` is the payment's created_at
    // (both now()): one probe of (escrow_id, at), however many events the escrow has.
    static pg::Statement same_note{
        "SELECT EXISTS (SELECT 1 FROM kobatela.escrow_events WHERE escrow_id = $1 AND at = $2 "
        "AND kind = 'USAGE_SPEND' AND data->>'payment_id' = $3::text AND (data->>'note') IS NOT DISTINCT FROM $4)",
        {INT8OID, TIMESTAMPTZOID, INT8OID, TEXTOID}};
    const pg::Result first = spi.run(g_payment_by_key, pg::Params().text(request.key->key).opt_int8(request.key->owner));
    const std::optional<int64_t> payee_id = first.opt_int8(0, api::kPaymentPayeeId);
    if (first.int8(0, api::kPaymentEscrowId) != request.escrow_id || first.money(0, api::kPaymentAmount) != request.cents ||
        !payee_id || spi.run(payee_ref_of, pg::Params().int8(*payee_id)).text(0, 1) != request.payee_ref ||
        !spi.run(same_note, pg::Params()
                                .int8(request.escrow_id)
                                .timestamptz(first.timestamptz(0, api::kPaymentCreatedAt))
                                .int8(first.int8(0, api::kPaymentId))
                                .opt_text(request.note))
             .boolean(0, 1))
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    return first.composite(0, fcinfo);
}

// The spec's checks after the key, in its order: ESCROW_NOT_ACTIVE, PAYEE_NOT_ALLOWED, then the
// limits and the balance (core::decide_spend). Returns the payee and its new counters.
std::pair<Payee, core::PayeeCounters> check_spend(const Locked& locked, const SpendRequest& request) {
    if (core::is_terminal(locked.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(core::status_name(locked.status)) + ": it pays no spend.");
    if (!locked.payee) throw Error(ErrorCode::PAYEE_NOT_ALLOWED);
    return {*locked.payee, core::decide_spend(locked.payee->state, request.cents, locked.balance)};
}

}  // namespace

// add_allowed_payee(escrow_id bigint, payee_ref text, label text, daily_limit numeric DEFAULT NULL,
//                   total_limit numeric DEFAULT NULL) RETURNS allowed_payees
KOBA_FUNCTION(kobatela_add_allowed_payee) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const std::string payee_ref = args.text(1, "payee_ref");
    const std::string label = args.text(2, "label");
    const std::optional<int64_t> daily_limit = args.opt_limit(3, "daily_limit");
    const std::optional<int64_t> total_limit = args.opt_limit(4, "total_limit");
    core::require_text(payee_ref, "payee_ref", kMaxPayeeRef);
    core::require_text(label, "label", 200);

    static pg::Statement insert{
        "INSERT INTO kobatela.allowed_payees (escrow_id, payee_ref, label, daily_limit, total_limit) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (escrow_id, payee_ref) DO NOTHING RETURNING *",
        {INT8OID, TEXTOID, TEXTOID, NUMERICOID, NUMERICOID}};
    pg::Spi spi;
    api::require_escrow_party(caller, api::find_escrow(spi, escrow_id), api::EscrowParty::Client);
    pg::Params params;
    params.int8(escrow_id).text(payee_ref).text(label);
    daily_limit ? params.money(*daily_limit) : params.null();
    total_limit ? params.money(*total_limit) : params.null();
    const api::AuditReason reason("USAGE_PAYEE_ADDED");
    const pg::Result row = spi.run(insert, std::move(params));
    if (row.empty()) throw Error(ErrorCode::PAYEE_ALREADY_ALLOWED);
    return row.composite(0, fcinfo);
}

// spend(escrow_id bigint, payee_ref text, amount numeric, note text DEFAULT NULL,
//       idempotency_key text DEFAULT NULL) RETURNS payments
KOBA_FUNCTION(kobatela_spend) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    SpendRequest request{args.int8(0, "escrow_id"), args.text(1, "payee_ref"), args.amount(2, "amount"),
                         args.opt_text(3), std::nullopt};
    core::require_text(request.payee_ref, "payee_ref", kMaxPayeeRef);
    if (request.note) core::require_text(*request.note, "note", kMaxNote);

    static pg::Statement update_payee{
        "UPDATE kobatela.allowed_payees SET spent_today = $2, spent_total = $3, "
        "last_reset_at = (now() AT TIME ZONE 'UTC')::date WHERE id = $1",
        {INT8OID, NUMERICOID, NUMERICOID}};
    pg::Spi spi;
    request.key = api::idempotency_key(spi, args.opt_text(4), caller);
    std::optional<Locked> fast = lock_escrow_and_payee(spi, request);
    const Locked locked = fast ? *fast : lock_escrow_then_read(spi, request);
    api::require_party(caller, {locked.client_id});
    // A replay is answered as it is, even once the escrow has closed.
    if (locked.key_seen) return replay(spi, request, fcinfo);

    std::pair<Payee, core::PayeeCounters> decided;
    try {
        decided = check_spend(locked, request);
    } catch (const Error&) {
        // Refused on what the locks gave — but a concurrent spend with this key may have committed
        // while the first statement waited: then this call is its replay, not a refusal.
        if (!locked.key_fresh && key_used_now(spi, request)) return replay(spi, request, fcinfo);
        throw;
    }
    const auto& [payee, counters] = decided;

    const api::AuditReason reason("USAGE_SPEND");
    // The payment first: if a concurrent spend with this key committed meanwhile, the INSERT finds
    // it and nothing has been written yet.
    const pg::Result payment =
        api::insert_sent_payment(spi, request.escrow_id, locked.balance,
                                 {std::nullopt, payee.id, request.cents, request.key, std::nullopt});
    if (payment.empty()) return replay(spi, request, fcinfo);
    spi.run(update_payee, pg::Params().int8(payee.id).money(counters.spent_today).money(counters.spent_total));
    core::JsonObject data;
    data.add_int("payment_id", payment.int8(0, api::kPaymentId))
        .add_money("amount", request.cents)
        .add("payee_ref", request.payee_ref)
        .add("psp_ref", payment.text(0, api::kPaymentPspRef));
    request.note ? data.add("note", *request.note) : data.add_null("note");
    request.key ? data.add("idempotency_key", request.key->key) : data.add_null("idempotency_key");
    api::append_escrow_event(spi, request.escrow_id, "USAGE_SPEND", data.str());
    return payment.composite(0, fcinfo);
}
