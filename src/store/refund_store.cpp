#include "store/refund_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "pg/datum.hpp"
#include "pg/subtransaction.hpp"
#include "store/currency_store.hpp"

#include <string>

namespace koba::store {

namespace {

pg::Statement g_refund_by_key{
    "SELECT * FROM kobatela.purchase_refunds WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
    {TEXTOID, INT8OID}};

// The refund the key names in its owner's namespace.
std::optional<core::FirstRefund> first_refund(pg::Spi& spi, const std::optional<context::IdempotencyKey>& key) {
    if (!key) return std::nullopt;
    const pg::Result r = spi.run(g_refund_by_key, pg::Params().text(key->key).opt_int8(key->owner));
    if (r.empty()) return std::nullopt;
    return core::FirstRefund{r.int8(0, r.column("purchase_id")), r.money(0, r.column("amount")),
                             r.text(0, r.column("reason"))};
}

}  // namespace

core::RefundSnapshot refund_snapshot(pg::Spi& spi, const core::RefundRequest& request,
                                     const std::optional<context::IdempotencyKey>& key) {
    core::RefundSnapshot s;
    s.first = first_refund(spi, key);
    if (s.first) return s;  // a replay needs nothing else

    // The purchase's mandate, to lock it first (a purchase's mandate_id never changes): the same
    // order as create_purchase, which locks the mandate and then inserts the purchase.
    static pg::Statement find{"SELECT currency, mandate_id FROM kobatela.purchases WHERE id = $1", {INT8OID}};
    const pg::Result p = spi.run(find, pg::Params().int8(request.purchase_id));
    if (p.empty())
        throw core::Error(core::ErrorCode::PURCHASE_NOT_FOUND,
                          "Purchase " + std::to_string(request.purchase_id) + " not found.");
    s.purchase.id = request.purchase_id;
    s.purchase.currency = p.text(0, p.column("currency"));
    s.purchase.minor_units = currency_minor_units(s.purchase.currency);
    s.purchase.mandate_id = p.opt_int8(0, p.column("mandate_id"));
    if (!s.purchase.mandate_id) return s;  // refused by core: nothing to lock

    // The mandate, then the purchase, locked until the transaction ends: refunds and purchases
    // under one mandate run one at a time, and each meets the mandate and the purchase's refunds
    // as the previous holder left them, at the moment the locks were granted.
    static pg::Statement lock_mandate{
        "SELECT status::text AS status, total_amount, total_spent, expires_at, sender_id, beneficiary_id, currency "
        "FROM kobatela.usage_mandates WHERE id = $1 FOR UPDATE",
        {INT8OID}};
    static pg::Statement lock_purchase{
        "SELECT amount FROM kobatela.purchases WHERE id = $1 FOR UPDATE", {INT8OID}};
    static pg::Statement refunded{
        "SELECT coalesce(sum(amount), 0)::numeric(18,2) FROM kobatela.purchase_refunds WHERE purchase_id = $1",
        {INT8OID}};
    static pg::Statement other_active{
        "SELECT 1 FROM kobatela.usage_mandates WHERE sender_id = $1 AND beneficiary_id = $2 AND currency = $3 "
        "AND status = $4::kobatela.mandate_status AND id <> $5",
        {INT8OID, INT8OID, TEXTOID, TEXTOID, INT8OID}};
    const pg::Result m = spi.run(lock_mandate, pg::Params().int8(*s.purchase.mandate_id));
    s.mandate = core::MandateState{core::parse_status<core::MandateStatus>(m.text(0, m.column("status"))).value(),
                                   m.money(0, m.column("total_amount")), m.money(0, m.column("total_spent")),
                                   m.timestamptz(0, m.column("expires_at"))};
    const pg::Result l = spi.run(lock_purchase, pg::Params().int8(request.purchase_id));
    if (l.empty())  // deleted by hand meanwhile
        throw core::Error(core::ErrorCode::PURCHASE_NOT_FOUND,
                          "Purchase " + std::to_string(request.purchase_id) + " not found.");
    s.purchase.cents = l.money(0, l.column("amount"));
    s.purchase.refunded = spi.run(refunded, pg::Params().int8(request.purchase_id)).money(0, 1);
    if (s.mandate->status == core::MandateStatus::Consumed)
        s.other_active_mandate = !spi.run(other_active,
                                          pg::Params()
                                              .int8(m.int8(0, m.column("sender_id")))
                                              .int8(m.int8(0, m.column("beneficiary_id")))
                                              .text(m.text(0, m.column("currency")))
                                              .text(core::status_name(core::MandateStatus::Active))
                                              .int8(*s.purchase.mandate_id),
                                          1)
                                        .empty();
    s.decided_at = pg::clock_micros();
    s.first_after_lock = first_refund(spi, key);
    return s;
}

Datum refund_row(pg::Spi& spi, const context::IdempotencyKey& key, FunctionCallInfo fcinfo) {
    return spi.run(g_refund_by_key, pg::Params().text(key.key).opt_int8(key.owner)).composite(0, fcinfo);
}

pg::Result apply_refund(pg::Spi& spi, const core::RefundRequest& request,
                        const std::optional<context::IdempotencyKey>& key, const core::RefundSnapshot& snapshot,
                        const core::RefundDecision& decision) {
    static pg::Statement insert{
        "INSERT INTO kobatela.purchase_refunds (purchase_id, mandate_id, amount, currency, reason, "
        "idempotency_key, idempotency_owner, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID}};
    static pg::Statement give_back{
        "UPDATE kobatela.usage_mandates SET total_spent = $2, status = $3::kobatela.mandate_status WHERE id = $1",
        {INT8OID, NUMERICOID, TEXTOID}};
    pg::Params values;
    values.int8(request.purchase_id)
        .int8(decision.mandate_id)
        .money(request.cents)
        .text(snapshot.purchase.currency)
        .text(request.reason);
    context::add_idempotency_key(values, key).timestamptz(snapshot.decided_at);
    pg::Result row = [&] {
        const audit::AuditReason reason(decision.audit_action);
        return spi.run(insert, std::move(values));
    }();
    if (row.empty()) return row;

    const audit::AuditReason reason(decision.mandate.audit_action);
    const auto apply = [&](const core::Step<core::MandateStatus>& step) {
        spi.run(give_back, pg::Params()
                               .int8(decision.mandate_id)
                               .money(decision.total_spent)
                               .text(core::status_name(step.to)));
    };
    if (!decision.if_successor_active) {
        apply(decision.mandate);
        return row;
    }
    // ACTIVE again, unless a successor became ACTIVE after the snapshot (a create_mandate that
    // committed meanwhile, or is still running: the index makes this wait for it): then the unique
    // index usage_mandates_active_key refuses, and the mandate stays CONSUMED.
    const pg::Recovered<void> reactivated = pg::recoverable([&] { apply(decision.mandate); });
    if (!reactivated.ok()) {
        if (reactivated.error().sqlstate() != "23505") reactivated.error().raise();
        apply(*decision.if_successor_active);
    }
    return row;
}

}  // namespace koba::store
