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

// The payee of the locked escrow: PAYEE_NOT_ALLOWED when there is none.
Payee find_payee(pg::Spi& spi, int64_t escrow_id, const std::string& payee_ref) {
    static pg::Statement select{
        "SELECT id, daily_limit, total_limit, spent_today, spent_total, "
        "last_reset_at IS NOT DISTINCT FROM (now() AT TIME ZONE 'UTC')::date "
        "FROM kobatela.allowed_payees WHERE escrow_id = $1 AND payee_ref = $2",
        {INT8OID, TEXTOID}};
    const pg::Result r = spi.run(select, pg::Params().int8(escrow_id).text(payee_ref));
    if (r.empty()) throw Error(ErrorCode::PAYEE_NOT_ALLOWED);
    const auto opt_money = [&](int column) -> std::optional<int64_t> {
        if (r.is_null(0, column)) return std::nullopt;
        return r.money(0, column);
    };
    return Payee{r.int8(0, 1), {opt_money(2), opt_money(3), r.money(0, 4), r.money(0, 5), r.boolean(0, 6)}};
}

// A replay returns the first payment only if it paid the same payee of the same escrow the same
// amount; a key first used by a milestone payout is someone else's.
Datum replay(pg::Spi& spi, const pg::Result& first, int64_t escrow_id, const std::string& payee_ref, int64_t cents,
             FunctionCallInfo fcinfo) {
    static pg::Statement payee_ref_of{"SELECT payee_ref FROM kobatela.allowed_payees WHERE id = $1", {INT8OID}};
    const std::optional<int64_t> payee_id = first.opt_int8(0, api::kPaymentPayeeId);
    if (first.int8(0, api::kPaymentEscrowId) != escrow_id || first.money(0, api::kPaymentAmount) != cents || !payee_id ||
        spi.run(payee_ref_of, pg::Params().int8(*payee_id)).text(0, 1) != payee_ref)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    return first.composite(0, fcinfo);
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
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const std::string payee_ref = args.text(1, "payee_ref");
    const int64_t cents = args.amount(2, "amount");
    const std::optional<std::string> note = args.opt_text(3);
    core::require_text(payee_ref, "payee_ref", kMaxPayeeRef);
    if (note) core::require_text(*note, "note", kMaxNote);

    static pg::Statement find_by_key{"SELECT * FROM kobatela.payments WHERE idempotency_key = $1", {TEXTOID}};
    static pg::Statement update_payee{
        "UPDATE kobatela.allowed_payees SET spent_today = $2, spent_total = $3, "
        "last_reset_at = (now() AT TIME ZONE 'UTC')::date WHERE id = $1",
        {INT8OID, NUMERICOID, NUMERICOID}};
    pg::Spi spi;
    const std::optional<std::string> key = api::idempotency_key(spi, args.opt_text(4));
    const api::Escrow escrow = api::lock_escrow(spi, escrow_id);
    api::require_escrow_party(caller, escrow, api::EscrowParty::Client);
    // Under the lock, so a concurrent spend with this key has committed or rolled back: a replay
    // is answered as it is, even once the escrow has closed.
    if (key) {
        const pg::Result first = spi.run(find_by_key, pg::Params().text(*key));
        if (!first.empty()) return replay(spi, first, escrow_id, payee_ref, cents, fcinfo);
    }
    if (core::is_terminal(escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(core::status_name(escrow.status)) + ": it pays no spend.");
    const Payee payee = find_payee(spi, escrow_id, payee_ref);
    const core::PayeeCounters counters = core::decide_spend(payee.state, cents, escrow.balance());

    const api::AuditReason reason("USAGE_SPEND");
    spi.run(update_payee, pg::Params().int8(payee.id).money(counters.spent_today).money(counters.spent_total));
    const pg::Result payment = api::insert_sent_payment(spi, escrow, {std::nullopt, payee.id, cents, key});
    core::JsonObject data;
    data.add_int("payment_id", payment.int8(0, api::kPaymentId))
        .add_money("amount", cents)
        .add("payee_ref", payee_ref)
        .add("psp_ref", payment.text(0, api::kPaymentPspRef));
    note ? data.add("note", *note) : data.add_null("note");
    key ? data.add("idempotency_key", *key) : data.add_null("idempotency_key");
    api::append_escrow_event(spi, escrow_id, "USAGE_SPEND", data.str());
    return payment.composite(0, fcinfo);
}
