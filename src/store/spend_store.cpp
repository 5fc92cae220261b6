#include "store/spend_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "store/escrow_store.hpp"
#include "store/new_row.hpp"
#include "store/payment_store.hpp"

namespace koba::store {

namespace {

#define KOBA_PAYEE_COLUMNS                                                                \
    "p.id AS payee_id, p.daily_limit, p.total_limit, p.spent_today, p.spent_total, "      \
    "p.last_reset_at IS NOT DISTINCT FROM (now() AT TIME ZONE 'UTC')::date AS spent_today_is_today"

core::SpendSnapshot::Payee read_payee(const pg::Result& r) {
    const auto opt_money = [&](const char* name) -> std::optional<int64_t> {
        const int column = r.column(name);
        if (r.is_null(0, column)) return std::nullopt;
        return r.money(0, column);
    };
    return core::SpendSnapshot::Payee{
        r.int8(0, r.column("payee_id")),
        {opt_money("daily_limit"), opt_money("total_limit"), r.money(0, r.column("spent_today")),
         r.money(0, r.column("spent_total")), r.boolean(0, r.column("spent_today_is_today"))}};
}

pg::Statement g_payment_by_key{
    "SELECT * FROM kobatela.payments WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
    {TEXTOID, INT8OID}};

bool key_used_now(pg::Spi& spi, const std::optional<context::IdempotencyKey>& key) {
    return key && !spi.run(g_payment_by_key, pg::Params().text(key->key).opt_int8(key->owner), 1).empty();
}

// The common case in one statement: the escrow and its payee, both locked (the escrow first, the
// order of FOR UPDATE OF), and whether the key was used. A statement that waited for a lock reads
// the locked rows as their last holder committed them, but everything else — the key's payment —
// as it was before it waited: key_fresh is false, and core::plan_spend asks for a recheck before
// refusing. No row when the escrow or the payee does not exist.
std::optional<core::SpendSnapshot> lock_escrow_and_payee(pg::Spi& spi, const core::SpendRequest& request,
                                                         const std::optional<context::IdempotencyKey>& key) {
    static pg::Statement select{
        "SELECT e.client_id, e.status::text AS escrow_status, e.currency, e.deposited_amount, e.paid_amount, "
        "e.refunded_amount, e.to_repay_amount, e.reserved_amount, "
        KOBA_PAYEE_COLUMNS ", "
        "EXISTS (SELECT 1 FROM kobatela.payments k WHERE k.idempotency_key = $3 "
        "        AND k.idempotency_owner IS NOT DISTINCT FROM $4) AS key_seen "
        "FROM kobatela.escrow_agreements e JOIN kobatela.allowed_payees p ON p.escrow_id = e.id AND p.payee_ref = $2 "
        "WHERE e.id = $1 FOR UPDATE OF e, p",
        {INT8OID, TEXTOID, TEXTOID, INT8OID}};
    pg::Params params;
    params.int8(request.escrow_id).text(request.payee_ref);
    const pg::Result r = spi.run(select, std::move(context::add_idempotency_key(params, key)));
    if (r.empty()) return std::nullopt;
    core::SpendSnapshot s;
    s.client_id = r.int8(0, r.column("client_id"));
    s.escrow_status = core::parse_status<core::EscrowStatus>(r.text(0, r.column("escrow_status"))).value();
    core::EscrowState money;  // its counters: core says what they leave
    money.deposited = r.money(0, r.column("deposited_amount"));
    money.paid = r.money(0, r.column("paid_amount"));
    money.refunded = r.money(0, r.column("refunded_amount"));
    money.to_repay = r.money(0, r.column("to_repay_amount"));
    s.balance = money.balance();
    s.reserved = r.money(0, r.column("reserved_amount"));
    s.currency = r.text(0, r.column("currency"));
    s.payee = read_payee(r);
    s.key_seen = r.boolean(0, r.column("key_seen"));
    s.key_fresh = false;
    return s;
}

// The general case, one statement at a time: ESCROW_NOT_FOUND, or the locked escrow with its payee
// if it has one, and the key looked up after the lock.
core::SpendSnapshot lock_escrow_then_read(pg::Spi& spi, const core::SpendRequest& request,
                                          const std::optional<context::IdempotencyKey>& key) {
    static pg::Statement payee{
        "SELECT " KOBA_PAYEE_COLUMNS " FROM kobatela.allowed_payees p WHERE p.escrow_id = $1 AND p.payee_ref = $2 "
        "FOR UPDATE",
        {INT8OID, TEXTOID}};
    const core::EscrowState escrow = lock_escrow(spi, request.escrow_id);
    const pg::Result p = spi.run(payee, pg::Params().int8(request.escrow_id).text(request.payee_ref));
    core::SpendSnapshot s;
    s.client_id = escrow.client_id;
    s.escrow_status = escrow.status;
    s.balance = escrow.balance();
    s.reserved = escrow.reserved;
    s.currency = escrow.currency;
    if (!p.empty()) s.payee = read_payee(p);
    s.key_seen = key_used_now(spi, key);
    s.key_fresh = true;
    return s;
}

}  // namespace

Datum insert_payee(pg::Spi& spi, const NewPayee& payee, FunctionCallInfo fcinfo) {
    static pg::Statement insert{
        "INSERT INTO kobatela.allowed_payees (escrow_id, payee_ref, label, daily_limit, total_limit) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (escrow_id, payee_ref) DO NOTHING RETURNING *",
        {INT8OID, TEXTOID, TEXTOID, NUMERICOID, NUMERICOID}};
    return insert_new_row(spi, insert,
                          pg::Params()
                              .int8(payee.escrow_id)
                              .text(payee.payee_ref)
                              .text(payee.label)
                              .opt_money(payee.daily_limit)
                              .opt_money(payee.total_limit),
                          "USAGE_PAYEE_ADDED", core::ErrorCode::PAYEE_ALREADY_ALLOWED, fcinfo);
}

core::SpendSnapshot spend_snapshot(pg::Spi& spi, const core::SpendRequest& request,
                                   const std::optional<context::IdempotencyKey>& key) {
    if (std::optional<core::SpendSnapshot> fast = lock_escrow_and_payee(spi, request, key)) return *fast;
    return lock_escrow_then_read(spi, request, key);
}

core::SpendSnapshot recheck_key(pg::Spi& spi, core::SpendSnapshot snapshot,
                                const std::optional<context::IdempotencyKey>& key) {
    snapshot.key_seen = key_used_now(spi, key);
    snapshot.key_fresh = true;
    return snapshot;
}

KeyedSpend first_spend(pg::Spi& spi, const context::IdempotencyKey& key) {
    static pg::Statement payee_ref_of{"SELECT payee_ref FROM kobatela.allowed_payees WHERE id = $1", {INT8OID}};
    // The event was written in the payment's transaction, so its `at` is the payment's created_at
    // (both now()): one probe of (escrow_id, at), however many events the escrow has.
    static pg::Statement event_note{
        "SELECT data->>'note' AS note FROM kobatela.escrow_events WHERE escrow_id = $1 AND at = $2 "
        "AND kind = $4 AND data->>'payment_id' = $3::text LIMIT 1",
        {INT8OID, TIMESTAMPTZOID, INT8OID, TEXTOID}};
    const pg::Result first = spi.run(g_payment_by_key, pg::Params().text(key.key).opt_int8(key.owner));
    core::FirstSpend f;
    f.escrow_id = first.int8(0, first.column("escrow_id"));
    f.cents = first.money(0, first.column("amount"));
    f.metadata = first.text(0, first.column("metadata"));
    if (const std::optional<int64_t> payee_id = first.opt_int8(0, first.column("payee_id")))
        f.payee_ref = spi.run(payee_ref_of, pg::Params().int8(*payee_id)).text(0, 1);
    const pg::Result event = spi.run(event_note, pg::Params()
                                                     .int8(f.escrow_id)
                                                     .timestamptz(first.timestamptz(0, first.column("created_at")))
                                                     .int8(first.int8(0, first.column("id")))
                                                     .text(core::kSpendEvent));
    f.event_found = !event.empty();
    if (f.event_found) f.note = event.opt_text(0, 1);
    return KeyedSpend{f, first};
}

pg::Result apply_spend(pg::Spi& spi, const core::SpendRequest& request,
                       const std::optional<context::IdempotencyKey>& key, const core::SpendDecision& decision) {
    static pg::Statement update_payee{
        "UPDATE kobatela.allowed_payees SET spent_today = $2, spent_total = $3, "
        "last_reset_at = (now() AT TIME ZONE 'UTC')::date WHERE id = $1",
        {INT8OID, NUMERICOID, NUMERICOID}};
    const audit::AuditReason reason(core::kSpendAudit);
    // The payment first: if a concurrent spend with this key committed meanwhile, the INSERT finds
    // it and nothing has been written yet.
    pg::Result payment =
        insert_payment(spi, {core::PaymentKind::Payee, request.escrow_id, std::nullopt, decision.payee_id, request.cents,
                             decision.payment_to, decision.money, key, std::nullopt, std::nullopt, request.metadata});
    if (payment.empty()) return payment;
    spi.run(update_payee, pg::Params()
                              .int8(decision.payee_id)
                              .money(decision.counters.spent_today)
                              .money(decision.counters.spent_total));
    append_escrow_event(spi, request.escrow_id, core::kSpendEvent,
                        core::usage_spend_event(payment.int8(0, payment.column("id")),
                                                payment.text(0, payment.column("psp_ref")), request));
    return payment;
}

}  // namespace koba::store
