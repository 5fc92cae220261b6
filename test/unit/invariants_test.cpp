// core/invariants: the books' rules as data, and the rows check_invariants() returns.
#include "core/invariants.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace koba::core;

TEST(Invariants, EveryRuleOnceInEnumOrderWithASnakeCaseName) {
    std::set<std::string> names;
    const auto snake_case = [](const std::string& name) {
        if (name.empty() || name.front() == '_' || name.back() == '_' || name.find("__") != std::string::npos) return false;
        for (char c : name)
            if (!(c == '_' || (c >= 'a' && c <= 'z'))) return false;
        return true;
    };
    for (size_t i = 0; i < kInvariants.size(); ++i) {
        EXPECT_EQ(static_cast<size_t>(kInvariants[i].rule), i) << kInvariants[i].name;
        EXPECT_TRUE(snake_case(kInvariants[i].name)) << kInvariants[i].name;
        EXPECT_TRUE(names.insert(kInvariants[i].name).second) << "twice: " << kInvariants[i].name;
        EXPECT_NE(std::string(kInvariants[i].what), "");
    }
    EXPECT_EQ(&invariant_rule(Invariant::LedgerMandateAccount), &kInvariants.back());
}

TEST(Invariants, RowsInRuleOrderWithoutTheRulesThatHold) {
    const std::vector<InvariantViolation> found{
        {Invariant::PaymentHasEvent, {7, 9}, {}},
        {Invariant::EscrowPaidAmount, {3}, {}},
        {Invariant::MilestonePaidOnce, {}, {}},  // nothing found: no row
        {Invariant::LedgerBalanced, {}, {"XOF", "USD"}},
    };
    EXPECT_EQ(invariant_rows_json(found),
              "[{\"rule\":\"escrow_paid_amount\",\"ids\":[3],\"detail\":\"paid_amount is the sum of the escrow's SENT "
              "and SETTLED payments of kind MILESTONE, PAYEE or RELEASE\"},"
              "{\"rule\":\"payment_has_event\",\"ids\":[7,9],\"detail\":\"a payment that is not PENDING has an event of "
              "its escrow whose data->>'payment_id' is its id\"},"
              "{\"rule\":\"ledger_balanced\",\"ids\":[],\"detail\":\"in each currency the ledger's postings have "
              "accounts on both sides, so its accounts sum to zero; unbalanced: XOF, USD\"}]");
    EXPECT_EQ(invariant_rows_json({}), "[]");
}
