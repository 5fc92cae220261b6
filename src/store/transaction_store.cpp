#include "store/transaction_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "store/alert_store.hpp"

namespace koba::store {

namespace {

TransactionRow read_transaction(const pg::Result& r) {
    return TransactionRow{r,
                          r.int8(0, r.column("sender_id")),
                          {r.int8(0, r.column("receiver_id")), r.money(0, r.column("amount")),
                           r.text(0, r.column("currency")), r.text(0, r.column("status")),
                           r.text(0, r.column("metadata"))}};
}

}  // namespace

std::optional<TransactionRow> transfer_by_key(pg::Spi& spi, const context::IdempotencyKey& key, int64_t sender_id) {
    static pg::Statement find{
        "SELECT * FROM kobatela.transactions "
        "WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2 AND sender_id = $3",
        {TEXTOID, INT8OID, INT8OID}};
    const pg::Result r = spi.run(find, pg::Params().text(key.key).opt_int8(key.owner).int8(sender_id));
    if (r.empty()) return std::nullopt;
    return read_transaction(r);
}

core::TransferFacts transfer_facts(pg::Spi& spi, int64_t sender_id, int64_t receiver_id) {
    static pg::Statement facts{
        "SELECT EXISTS (SELECT 1 FROM kobatela.allowed_recipients WHERE owner_id = $1 AND recipient_id = $2) "
        "       AS allowlisted, "
        "       EXISTS (SELECT 1 FROM kobatela.certified_accounts WHERE user_id = $2) AS certified",
        {INT8OID, INT8OID}};
    const pg::Result r = spi.run(facts, pg::Params().int8(sender_id).int8(receiver_id));
    return core::TransferFacts{r.boolean(0, r.column("allowlisted")), r.boolean(0, r.column("certified"))};
}

pg::Result apply_transfer(pg::Spi& spi, const core::TransferRequest& request,
                          const std::optional<context::IdempotencyKey>& key, const core::TransferDecision& decision) {
    static pg::Statement insert{
        "INSERT INTO kobatela.transactions (sender_id, receiver_id, amount, currency, status, idempotency_key, "
        "idempotency_owner, metadata) VALUES ($1, $2, $3, $4, $5::kobatela.transaction_status, $6, $7, $8) "
        "ON CONFLICT (idempotency_key, idempotency_owner, sender_id) WHERE idempotency_key IS NOT NULL "
        "DO NOTHING RETURNING *",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, JSONBOID}};
    const audit::AuditReason reason(decision.audit_action);
    pg::Params values;
    values.int8(request.sender_id).int8(request.receiver_id).money(request.cents).text(request.currency);
    // The metadata is jsonb's own text of the argument, parsed before.
    context::add_idempotency_key(values.text(decision.status), key).own_jsonb(request.metadata);
    pg::Result row = spi.run(insert, std::move(values));
    if (row.empty() || !decision.refused) return row;
    const std::string payload = core::unauthorized_transfer_alert(row.int8(0, row.column("id")), request);
    insert_alert(spi, {decision.alert.type, decision.alert.message, request.sender_id, payload});
    return row;
}

TransactionRow find_transaction(pg::Spi& spi, int64_t transaction_id) {
    static pg::Statement select{"SELECT * FROM kobatela.transactions WHERE id = $1", {INT8OID}};
    const pg::Result r = spi.run(select, pg::Params().int8(transaction_id));
    if (r.empty()) throw core::Error(core::ErrorCode::TRANSACTION_NOT_FOUND);
    return read_transaction(r);
}

}  // namespace koba::store
