// The books' rules (issue 14): what check_invariants() verifies, as data. Each rule has a name (the
// `rule` column of check_invariants()), what it means (its `detail`), and what its offending ids
// are; src/store/invariant_store.cpp holds one query per rule, returning those ids.
// docs/reference.md, "The books", lists the same rules.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

enum class Invariant : uint8_t {
    // The counters of each escrow
    EscrowDepositedAmount,
    EscrowPaidAmount,
    EscrowRefundedAmount,
    EscrowToRepayAmount,
    EscrowReservedAmount,
    EscrowBalanceNotNegative,
    EscrowDepositsWithinTotal,
    TerminalEscrowHoldsPendingPayments,
    // The escrow timeline records the money
    EscrowDepositEvents,
    PaymentHasEvent,
    // Milestones, payees, mandates, purchases
    MilestonePaidOnce,
    PayeeSpentTotal,
    MandateTotalSpent,
    PurchaseCurrencyIsMandateCurrency,
    // Amounts fit their currency's minor units
    EscrowAmountFitsCurrency,
    DepositAmountFitsCurrency,
    MilestoneAmountFitsCurrency,
    PaymentAmountFitsCurrency,
    MandateAmountFitsCurrency,
    PurchaseAmountFitsCurrency,
    TransferAmountFitsCurrency,
    // The ledger (view kobatela.ledger) agrees with the counters
    LedgerBalanced,
    LedgerEscrowAccount,
    LedgerRepayAccount,
    LedgerMandateAccount,
};

struct InvariantRule {
    Invariant rule;
    const char* name;  // snake_case, stable: monitoring matches on it
    const char* ids;   // what the offending ids are: "escrow", "payment", ... (none: "")
    const char* what;  // what must hold
};

// Every rule, in the order check_invariants() checks and reports them.
inline constexpr std::array<InvariantRule, 25> kInvariants{{
    {Invariant::EscrowDepositedAmount, "escrow_deposited_amount", "escrow",
     "deposited_amount is the sum of the escrow's deposits"},
    {Invariant::EscrowPaidAmount, "escrow_paid_amount", "escrow",
     "paid_amount is the sum of the escrow's SENT and SETTLED payments of kind MILESTONE, PAYEE or RELEASE"},
    {Invariant::EscrowRefundedAmount, "escrow_refunded_amount", "escrow",
     "refunded_amount is the sum of the escrow's SENT and SETTLED payments of kind REFUND"},
    {Invariant::EscrowToRepayAmount, "escrow_to_repay_amount", "escrow",
     "to_repay_amount is the sum of the escrow's payments in ERROR that have no retry"},
    {Invariant::EscrowReservedAmount, "escrow_reserved_amount", "escrow",
     "reserved_amount is the sum of the escrow's open milestones (WAITING, PENDING_REVIEW, APPROVED, PAYING) "
     "while it is DRAFT, FUNDED or RELEASABLE, and 0 once it is terminal"},
    {Invariant::EscrowBalanceNotNegative, "escrow_balance_not_negative", "escrow",
     "the balance (deposited - paid - refunded - to_repay) is not negative; it is only when a PSP paid a "
     "failed payment after its retry (alert ESCROW_OVERDRAWN), money to recover"},
    {Invariant::EscrowDepositsWithinTotal, "escrow_deposits_within_total", "escrow",
     "the escrow's deposits total at most its amount_total"},
    {Invariant::TerminalEscrowHoldsPendingPayments, "terminal_escrow_holds_pending_payments", "escrow",
     "a RELEASED, REFUNDED or CANCELLED escrow's balance is exactly the sum of its PENDING payments"},
    {Invariant::EscrowDepositEvents, "escrow_deposit_events", "escrow",
     "the escrow has one DEPOSIT event per deposit"},
    {Invariant::PaymentHasEvent, "payment_has_event", "payment",
     "a payment that is not PENDING has an event of its escrow whose data->>'payment_id' is its id"},
    {Invariant::MilestonePaidOnce, "milestone_paid_once", "milestone",
     "a milestone has at most one payment in SENT or SETTLED"},
    {Invariant::PayeeSpentTotal, "payee_spent_total", "allowed payee",
     "spent_total is the sum of the payee's payments that are not retries"},
    {Invariant::MandateTotalSpent, "mandate_total_spent", "mandate",
     "total_spent is the sum of the mandate's purchases minus its purchase refunds"},
    {Invariant::PurchaseCurrencyIsMandateCurrency, "purchase_currency_is_mandate_currency", "purchase",
     "a purchase is in its mandate's currency"},
    {Invariant::EscrowAmountFitsCurrency, "escrow_amount_fits_currency", "escrow",
     "amount_total has no more decimals than the escrow's currency has minor units"},
    {Invariant::DepositAmountFitsCurrency, "deposit_amount_fits_currency", "deposit",
     "a deposit has no more decimals than its escrow's currency has minor units"},
    {Invariant::MilestoneAmountFitsCurrency, "milestone_amount_fits_currency", "milestone",
     "a milestone's amount has no more decimals than its escrow's currency has minor units"},
    {Invariant::PaymentAmountFitsCurrency, "payment_amount_fits_currency", "payment",
     "a payment has no more decimals than its escrow's currency has minor units"},
    {Invariant::MandateAmountFitsCurrency, "mandate_amount_fits_currency", "mandate",
     "a mandate's total_amount has no more decimals than its currency has minor units"},
    {Invariant::PurchaseAmountFitsCurrency, "purchase_amount_fits_currency", "purchase",
     "a purchase has no more decimals than its currency has minor units"},
    {Invariant::TransferAmountFitsCurrency, "transfer_amount_fits_currency", "transaction",
     "a transfer has no more decimals than its currency has minor units"},
    {Invariant::LedgerBalanced, "ledger_balanced", "",
     "in each currency the ledger's postings have accounts on both sides, so its accounts sum to zero"},
    {Invariant::LedgerEscrowAccount, "ledger_escrow_account", "escrow",
     "the ledger's account escrow:<id> holds the escrow's balance (deposited - paid - refunded - to_repay)"},
    {Invariant::LedgerRepayAccount, "ledger_repay_account", "escrow",
     "the ledger's account repay:<id> holds the escrow's to_repay_amount"},
    {Invariant::LedgerMandateAccount, "ledger_mandate_account", "mandate",
     "the ledger's account mandate:<id> holds minus the mandate's total_spent"},
}};

// One violated rule: the offending ids (ascending), or for a rule without ids what it found
// (the unbalanced currencies).
struct InvariantViolation {
    Invariant rule;
    std::vector<int64_t> ids;
    std::vector<std::string> found;
};

const InvariantRule& invariant_rule(Invariant rule);

// check_invariants()' detail of a violation: what must hold, then what was found, e.g.
// "... sum to zero; unbalanced: XOF".
std::string invariant_detail(const InvariantViolation& violation);

// The rows of check_invariants() as a JSON array of {rule, ids, detail}, in kInvariants' order;
// rules with nothing found are left out.
std::string invariant_rows_json(const std::vector<InvariantViolation>& violations);

}  // namespace koba::core
