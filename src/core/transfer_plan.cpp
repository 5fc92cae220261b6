#include "core/transfer_plan.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"

namespace koba::core {

namespace {

constexpr std::string_view kCompleted = "COMPLETED";
constexpr std::string_view kRejected = "REJECTED";

}  // namespace

TransferDecision plan_transfer(const TransferFacts& facts) {
    if (facts.receiver_allowlisted || facts.receiver_certified) return {false, kCompleted, "CREATE_TRANSACTION", {}};
    return {true, kRejected, "UNAUTHORIZED_TRANSFER_ATTEMPT",
            {"UNAUTHORIZED_TRANSFER_ATTEMPT", "Receiver is not allowlisted or certified."}};
}

bool replay_is_refusal(const FirstTransfer& first, const TransferRequest& request) {
    if (first.receiver_id != request.receiver_id || first.cents != request.cents || first.currency != request.currency ||
        first.metadata != request.metadata)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    return first.status == kRejected;
}

std::string unauthorized_transfer_alert(int64_t transaction_id, const TransferRequest& request) {
    return JsonObject()
        .add_int("transaction_id", transaction_id)
        .add_int("sender_id", request.sender_id)
        .add_int("attempted_receiver_id", request.receiver_id)
        .add_money("amount", request.cents)
        .add("currency", request.currency)
        .str();
}

}  // namespace koba::core
