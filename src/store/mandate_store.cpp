#include "store/mandate_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "pg/settings.hpp"
#include "store/catalogue_store.hpp"
#include "store/identity_store.hpp"
#include "store/new_row.hpp"

namespace koba::store {

namespace {

pg::Statement g_purchase_by_key{
    "SELECT * FROM kobatela.purchases WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
    {TEXTOID, INT8OID}};

// The purchase the key names in its owner's namespace, with its mandate's sender.
std::optional<core::FirstPurchase> first_purchase(pg::Spi& spi, const std::optional<context::IdempotencyKey>& key) {
    if (!key) return std::nullopt;
    static pg::Statement mandate_sender{"SELECT sender_id FROM kobatela.usage_mandates WHERE id = $1", {INT8OID}};
    const pg::Result r = spi.run(g_purchase_by_key, pg::Params().text(key->key).opt_int8(key->owner));
    if (r.empty()) return std::nullopt;
    core::FirstPurchase f;
    f.beneficiary_id = r.int8(0, r.column("beneficiary_id"));
    f.merchant_id = r.int8(0, r.column("merchant_id"));
    f.cents = r.money(0, r.column("amount"));
    f.currency = r.text(0, r.column("currency"));
    f.category_id = r.opt_int8(0, r.column("category_id"));
    if (const std::optional<int64_t> mandate_id = r.opt_int8(0, r.column("mandate_id")))
        f.mandate_sender_id = spi.run(mandate_sender, pg::Params().int8(*mandate_id)).int8(0, 1);
    return f;
}

}  // namespace

void require_mandate_references(pg::Spi& spi, const NewMandate& mandate) {
    require_user(spi, mandate.sender_id);
    require_user(spi, mandate.beneficiary_id);
    if (mandate.category_id) require_category(spi, *mandate.category_id);
    if (mandate.merchant_id) find_merchant(spi, *mandate.merchant_id);
}

Datum apply_create_mandate(pg::Spi& spi, const NewMandate& mandate, const core::MandateCreation& decision,
                           FunctionCallInfo fcinfo) {
    static pg::Statement expire_stale{
        "UPDATE kobatela.usage_mandates SET status = $5::kobatela.mandate_status WHERE sender_id = $1 "
        "AND beneficiary_id = $2 AND currency = $3 AND status = $4::kobatela.mandate_status "
        "AND expires_at <= clock_timestamp()",
        {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID}};
    static pg::Statement insert{
        "INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, currency, "
        "allowed_category_id, allowed_merchant_id, expires_at, status) "
        "VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, clock_timestamp() + interval '30 days'), "
        "$8::kobatela.mandate_status) "
        "ON CONFLICT (sender_id, beneficiary_id, currency) WHERE status = 'ACTIVE' DO NOTHING RETURNING *",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID}};
    {
        const audit::AuditReason reason(decision.expire.audit_action);
        spi.run(expire_stale, pg::Params()
                                  .int8(mandate.sender_id)
                                  .int8(mandate.beneficiary_id)
                                  .text(mandate.currency)
                                  .text(core::status_name(decision.stale_from))
                                  .text(core::status_name(decision.expire.to)));
    }
    return insert_new_row(spi, insert,
                          pg::Params()
                              .int8(mandate.sender_id)
                              .int8(mandate.beneficiary_id)
                              .money(mandate.total_amount)
                              .text(mandate.currency)
                              .opt_int8(mandate.category_id)
                              .opt_int8(mandate.merchant_id)
                              .opt_timestamptz(mandate.expires_at)
                              .text(core::status_name(decision.status)),
                          decision.audit_action, core::ErrorCode::ACTIVE_MANDATE_EXISTS, fcinfo);
}

uint64_t apply_expiry(pg::Spi& spi, const core::MandateExpiry& expiry, std::optional<int64_t> party) {
    static pg::Statement expire{
        "UPDATE kobatela.usage_mandates m SET status = $3::kobatela.mandate_status "
        "FROM (SELECT id FROM kobatela.usage_mandates WHERE status = $2::kobatela.mandate_status "
        "      AND expires_at <= clock_timestamp() "
        "      AND ($1::bigint IS NULL OR sender_id = $1 OR beneficiary_id = $1) "
        "      ORDER BY id FOR UPDATE SKIP LOCKED) AS due "
        "WHERE m.id = due.id AND m.status = $2::kobatela.mandate_status RETURNING m.id",
        {INT8OID, TEXTOID, TEXTOID}};
    const audit::AuditReason reason(expiry.step.audit_action);
    return spi
        .run(expire, pg::Params()
                         .opt_int8(party)
                         .text(core::status_name(expiry.from))
                         .text(core::status_name(expiry.step.to)))
        .size();
}

bool mandate_exists(pg::Spi& spi, int64_t sender_id, int64_t beneficiary_id, core::MandateStatus status) {
    static pg::Statement find{
        "SELECT 1 FROM kobatela.usage_mandates WHERE sender_id = $1 AND beneficiary_id = $2 "
        "AND status = $3::kobatela.mandate_status",
        {INT8OID, INT8OID, TEXTOID}};
    return !spi.run(find, pg::Params().int8(sender_id).int8(beneficiary_id).text(core::status_name(status)), 1).empty();
}

core::PurchaseSnapshot purchase_snapshot(pg::Spi& spi, const core::PurchaseRequest& request,
                                         const std::optional<context::IdempotencyKey>& key) {
    core::PurchaseSnapshot s;
    s.first = first_purchase(spi, key);
    if (s.first) return s;  // a replay needs nothing else

    const Merchant merchant = find_merchant(spi, request.merchant_id);
    if (request.category_id) require_category(spi, *request.category_id);
    s.merchant_category_id = merchant.category_id;
    s.merchant_certified = merchant.is_certified;

    // The covering mandate: there is at most one ACTIVE per (sender, beneficiary, currency); the
    // order makes the choice explicit all the same. Found without a lock: a FOR UPDATE here would
    // re-check the WHERE against a concurrent purchase's version and turn its MANDATE_CONFLICT
    // into MANDATE_REQUIRED.
    static pg::Statement covering{
        "SELECT id, allowed_merchant_id, allowed_category_id FROM kobatela.usage_mandates "
        "WHERE sender_id = $1 AND beneficiary_id = $2 AND currency = $3 AND status = $5::kobatela.mandate_status "
        "AND expires_at > $4 ORDER BY expires_at, id LIMIT 1",
        {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID}};
    const pg::Result m = spi.run(covering, pg::Params()
                                               .int8(request.sender_id)
                                               .int8(request.beneficiary_id)
                                               .text(request.currency)
                                               .timestamptz(pg::clock_micros())
                                               .text(core::status_name(core::MandateStatus::Active)));
    if (m.empty()) return s;
    s.mandate = core::PurchaseSnapshot::Covering{
        m.int8(0, m.column("id")),
        {m.opt_int8(0, m.column("allowed_merchant_id")), m.opt_int8(0, m.column("allowed_category_id"))}};

    // The rules that may let this purchase out: the beneficiary's, of the platform or of the
    // mandate's sender (a rule lets out only its sender's money), naming the merchant or the
    // purchase's category. A certified merchant needs none: not read.
    if (!merchant.is_certified) {
        static pg::Statement usages{
            "SELECT merchant_id, category_id FROM kobatela.allowed_usages WHERE owner_id = $1 "
            "AND (sender_id IS NULL OR sender_id = $4) AND (merchant_id = $2 OR category_id = $3)",
            {INT8OID, INT8OID, INT8OID, INT8OID}};
        const pg::Result u = spi.run(usages, pg::Params()
                                                 .int8(request.beneficiary_id)
                                                 .int8(request.merchant_id)
                                                 .opt_int8(core::purchase_category(request.category_id,
                                                                                   merchant.category_id))
                                                 .int8(request.sender_id));
        for (uint64_t i = 0; i < u.size(); ++i)
            s.usages.push_back({u.opt_int8(i, u.column("merchant_id")), u.opt_int8(i, u.column("category_id"))});
    }

    // The mandate, locked until the transaction ends: purchases under one mandate run one at a
    // time. Read at the moment the lock was granted: a purchase that waited for it meets the
    // mandate as the previous holder left it, and the time it is judged (and stamped) at is its
    // own, not its transaction's start.
    static pg::Statement lock{
        "SELECT status::text AS status, total_amount, total_spent, expires_at FROM kobatela.usage_mandates "
        "WHERE id = $1 FOR UPDATE",
        {INT8OID}};
    const pg::Result l = spi.run(lock, pg::Params().int8(s.mandate->id));
    s.locked = core::MandateState{core::parse_status<core::MandateStatus>(l.text(0, l.column("status"))).value(),
                                  l.money(0, l.column("total_amount")), l.money(0, l.column("total_spent")),
                                  l.timestamptz(0, l.column("expires_at"))};
    s.decided_at = pg::clock_micros();
    s.first_after_lock = first_purchase(spi, key);
    return s;
}

Datum purchase_row(pg::Spi& spi, const context::IdempotencyKey& key, FunctionCallInfo fcinfo) {
    return spi.run(g_purchase_by_key, pg::Params().text(key.key).opt_int8(key.owner)).composite(0, fcinfo);
}

pg::Result apply_purchase(pg::Spi& spi, const core::PurchaseRequest& request,
                          const std::optional<context::IdempotencyKey>& key, const core::PurchaseSnapshot& snapshot,
                          const core::PurchaseDecision& decision) {
    static pg::Statement insert{
        "INSERT INTO kobatela.purchases (beneficiary_id, merchant_id, category_id, amount, currency, status, "
        "idempotency_key, idempotency_owner, mandate_id, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $10::kobatela.purchase_status, $6, $7, $8, $9) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *",
        {INT8OID, INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID}};
    static pg::Statement consume{
        "UPDATE kobatela.usage_mandates SET total_spent = $2, status = $3::kobatela.mandate_status WHERE id = $1",
        {INT8OID, NUMERICOID, TEXTOID}};
    pg::Params values;
    values.int8(request.beneficiary_id)
        .int8(request.merchant_id)
        .opt_int8(decision.category_id)
        .money(request.cents)
        .text(request.currency);
    context::add_idempotency_key(values, key)
        .int8(decision.mandate_id)
        .timestamptz(snapshot.decided_at)
        .text(decision.purchase_status);
    pg::Result row = [&] {
        const audit::AuditReason reason(decision.audit_action);
        return spi.run(insert, std::move(values));
    }();
    if (row.empty()) return row;
    const audit::AuditReason consumed(decision.consumption.audit_action);
    spi.run(consume, pg::Params()
                         .int8(decision.mandate_id)
                         .money(decision.consumption.total_spent)
                         .text(core::status_name(decision.consumption.status)));
    return row;
}

}  // namespace koba::store
