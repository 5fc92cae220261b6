// The restricted transfers' SQL (core/transfer_plan.hpp): the transactions, what a transfer is
// decided on, and the writes of its decision.
#pragma once

#include "context/request.hpp"
#include "core/transfer_plan.hpp"
#include "pg/spi.hpp"

#include <optional>

namespace koba::store {

// A transactions row (SELECT * / RETURNING *) and what is read from it.
struct TransactionRow {
    pg::Result row;  // the calling function's result: row.composite(0, fcinfo)
    int64_t sender_id;
    core::FirstTransfer transfer;  // what a replay compares
};

// The sender's transfer made under `key`, if any.
std::optional<TransactionRow> transfer_by_key(pg::Spi& spi, const context::IdempotencyKey& key, int64_t sender_id);

// Whether the sender allowlisted the receiver, and whether the receiver is certified.
core::TransferFacts transfer_facts(pg::Spi& spi, int64_t sender_id, int64_t receiver_id);

// Records the transfer in the decided status under the decided audit reason, and a refusal's
// alert (actor: the sender) under the same reason. No row, having written nothing, when a
// concurrent call with the same key committed first.
pg::Result apply_transfer(pg::Spi& spi, const core::TransferRequest& request,
                          const std::optional<context::IdempotencyKey>& key, const core::TransferDecision& decision);

// The transaction; TRANSACTION_NOT_FOUND.
TransactionRow find_transaction(pg::Spi& spi, int64_t transaction_id);

}  // namespace koba::store
