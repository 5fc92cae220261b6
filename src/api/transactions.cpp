// Restricted transfers: a sender may pay a receiver it allowlisted, or a certified receiver.
// A refused transfer is recorded as data (status REJECTED plus an alert), not raised as an
// error, so that the evidence commits (spec.md section 2).
#include "audit/audit.hpp"
#include "context/identity.hpp"
#include "store/lookups.hpp"
#include "context/request.hpp"
#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

// Columns of kobatela.transactions as returned by SELECT * / RETURNING *.
enum TransactionColumn { kId = 1, kSenderId, kReceiverId, kAmount, kCurrency, kStatus };

pg::Statement find_by_key{
    "SELECT * FROM kobatela.transactions "
    "WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2 AND sender_id = $3",
    {TEXTOID, INT8OID, INT8OID}};

struct TransferRequest {
    int64_t sender_id;
    int64_t receiver_id;
    int64_t cents;
    std::string currency;
    std::optional<context::IdempotencyKey> key;
};

// Under PostgREST a refused transfer answers 403 with the reason in a header (the row commits all
// the same: it is the evidence).
void answer_refused(pg::Spi& spi) { context::set_http_response(spi, 403, "X-Kobatela-Error", "UNAUTHORIZED_TRANSFER"); }

// A replay returns the first result only if it asked for the same transfer — the whole result: a
// replayed refusal answers 403 again, as the first call did.
Datum replay(pg::Spi& spi, const pg::Result& first, const TransferRequest& request, FunctionCallInfo fcinfo) {
    if (first.int8(0, kReceiverId) != request.receiver_id || first.money(0, kAmount) != request.cents ||
        first.text(0, kCurrency) != request.currency)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    if (first.text(0, kStatus) == "REJECTED") answer_refused(spi);
    return first.composite(0, fcinfo);
}

}  // namespace

// create_transaction(sender_id bigint, receiver_id bigint, amount numeric,
//                    currency text DEFAULT 'USD', idempotency_key text DEFAULT NULL)
//   RETURNS transactions
KOBA_FUNCTION(kobatela_create_transaction) {
    const context::Principal caller = context::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    TransferRequest request{args.int8(0, "sender_id"), args.int8(1, "receiver_id"),
                            args.amount(2, "amount"),
                            core::normalize_currency(args.text(3, "currency"), pg::settings::currencies()),
                            std::nullopt};
    context::require_party(caller, {request.sender_id});

    static pg::Statement is_allowed{
        "SELECT EXISTS (SELECT 1 FROM kobatela.allowed_recipients WHERE owner_id = $1 AND recipient_id = $2)"
        "    OR EXISTS (SELECT 1 FROM kobatela.certified_accounts WHERE user_id = $2)",
        {INT8OID, INT8OID}};
    static pg::Statement insert{
        "INSERT INTO kobatela.transactions (sender_id, receiver_id, amount, currency, status, idempotency_key, "
        "idempotency_owner) VALUES ($1, $2, $3, $4, $5::kobatela.transaction_status, $6, $7) "
        "ON CONFLICT (idempotency_key, idempotency_owner, sender_id) WHERE idempotency_key IS NOT NULL "
        "DO NOTHING RETURNING *",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, TEXTOID, INT8OID}};
    static pg::Statement insert_alert{
        "INSERT INTO kobatela.alerts (type, message, actor_user_id, payload) "
        "VALUES ('UNAUTHORIZED_TRANSFER_ATTEMPT', 'Receiver is not allowlisted or certified.', $1, $2)",
        {INT8OID, JSONBOID}};

    pg::Spi spi;
    request.key = context::idempotency_key(spi, args.opt_text(4), caller);
    const auto by_key = [&] {
        return pg::Params().text(request.key->key).opt_int8(request.key->owner).int8(request.sender_id);
    };

    // A replay needs neither the users nor the allowlist again: it is answered first.
    if (request.key) {
        const pg::Result first = spi.run(find_by_key, by_key());
        if (!first.empty()) return replay(spi, first, request, fcinfo);
    }
    store::require_user(spi, request.sender_id);
    store::require_user(spi, request.receiver_id);

    const bool allowed =
        spi.run(is_allowed, pg::Params().int8(request.sender_id).int8(request.receiver_id)).boolean(0, 1);
    const audit::AuditReason reason(allowed ? "CREATE_TRANSACTION" : "UNAUTHORIZED_TRANSFER_ATTEMPT");
    pg::Params values;
    values.int8(request.sender_id).int8(request.receiver_id).money(request.cents).text(request.currency);
    context::add_idempotency_key(values.text(allowed ? "COMPLETED" : "REJECTED"), request.key);
    const pg::Result row = spi.run(insert, std::move(values));
    if (row.empty()) {
        // A concurrent call with the same key committed first: answer as its replay.
        return replay(spi, spi.run(find_by_key, by_key()), request, fcinfo);
    }
    if (!allowed) {
        const std::string payload = core::JsonObject()
                                        .add_int("transaction_id", row.int8(0, kId))
                                        .add_int("sender_id", request.sender_id)
                                        .add_int("attempted_receiver_id", request.receiver_id)
                                        .add_money("amount", request.cents)
                                        .add("currency", request.currency)
                                        .str();
        spi.run(insert_alert, pg::Params().int8(request.sender_id).jsonb(payload));
        answer_refused(spi);
    }
    return row.composite(0, fcinfo);
}

// get_transaction(id bigint) RETURNS transactions
KOBA_FUNCTION(kobatela_get_transaction) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const int64_t id = pg::Args(fcinfo).int8(0, "id");
    static pg::Statement select{"SELECT * FROM kobatela.transactions WHERE id = $1", {INT8OID}};
    pg::Spi spi;
    const pg::Result row = spi.run(select, pg::Params().int8(id));
    if (row.empty()) throw Error(ErrorCode::TRANSACTION_NOT_FOUND);
    context::require_party(caller, {row.int8(0, kSenderId), row.int8(0, kReceiverId)});
    return row.composite(0, fcinfo);
}
