// Restricted transfers' decisions (core/transfer_plan): the status, audit reason and alert of each
// outcome, and how a replay is answered.
#include "core/transfer_plan.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {

TransferRequest request() { return TransferRequest{1, 2, 1250, "USD"}; }

FirstTransfer first_of(const TransferRequest& r, std::string status) {
    return FirstTransfer{r.receiver_id, r.cents, r.currency, std::move(status), r.metadata};
}

}  // namespace

TEST(PlanTransfer, AnAllowlistedReceiverIsPaid) {
    const TransferDecision d = plan_transfer({true, false});
    EXPECT_FALSE(d.refused);
    EXPECT_EQ(d.status, "COMPLETED");
    EXPECT_EQ(d.audit_action, "CREATE_TRANSACTION");
}

TEST(PlanTransfer, ACertifiedReceiverIsPaid) {
    const TransferDecision d = plan_transfer({false, true});
    EXPECT_FALSE(d.refused);
    EXPECT_EQ(d.status, "COMPLETED");
    EXPECT_EQ(d.audit_action, "CREATE_TRANSACTION");
    EXPECT_FALSE(plan_transfer({true, true}).refused);
}

TEST(PlanTransfer, AnyOtherReceiverIsRefusedAsDataWithAnAlert) {
    const TransferDecision d = plan_transfer({false, false});
    EXPECT_TRUE(d.refused);
    EXPECT_EQ(d.status, "REJECTED");
    EXPECT_EQ(d.audit_action, "UNAUTHORIZED_TRANSFER_ATTEMPT");
    EXPECT_EQ(d.alert.type, "UNAUTHORIZED_TRANSFER_ATTEMPT");
    EXPECT_EQ(d.alert.message, "Receiver is not allowlisted or certified.");
}

TEST(TransferReplay, TheSameTransferIsReplayedAndARefusalAnswers403Again) {
    EXPECT_FALSE(replay_is_refusal(first_of(request(), "COMPLETED"), request()));
    EXPECT_TRUE(replay_is_refusal(first_of(request(), "REJECTED"), request()));
    TransferRequest with_metadata = request();
    with_metadata.metadata = R"({"order": "A-1"})";
    EXPECT_FALSE(replay_is_refusal(first_of(with_metadata, "COMPLETED"), with_metadata));
}

TEST(TransferReplay, AnotherReceiverAmountCurrencyOrMetadataIsAConflict) {
    for (int change = 0; change < 4; ++change) {
        FirstTransfer first = first_of(request(), "COMPLETED");
        if (change == 0) first.receiver_id = 3;
        if (change == 1) first.cents = 1251;
        if (change == 2) first.currency = "EUR";
        if (change == 3) first.metadata = R"({"order": "A-1"})";
        EXPECT_EQ(error_of([&] { replay_is_refusal(first, request()); }), ErrorCode::IDEMPOTENCY_CONFLICT) << change;
    }
    // A refused first transfer asked for differently is a conflict too, not a 403.
    FirstTransfer refused = first_of(request(), "REJECTED");
    refused.cents = 1;
    EXPECT_EQ(error_of([&] { replay_is_refusal(refused, request()); }), ErrorCode::IDEMPOTENCY_CONFLICT);
}

TEST(TransferAlert, ThePayloadNamesTheAttempt) {
    EXPECT_EQ(unauthorized_transfer_alert(7, request()),
              R"({"transaction_id":7,"sender_id":1,"attempted_receiver_id":2,"amount":"12.50","currency":"USD"})");
}
