#include "store/invariant_store.hpp"

#include "core/json_writer.hpp"
#include "pg/guard.hpp"
#include "store/currency_store.hpp"

#include <stdexcept>

namespace koba::store {

namespace {

// An escrow's balance, as its counters say.
#define KOBA_BALANCE "(e.deposited_amount - e.paid_amount - e.refunded_amount - e.to_repay_amount)"

// An escrow's counter against what it stands for: the escrows where they differ.
#define KOBA_ESCROW_SUM(counter, table, condition)                                                        \
    "SELECT e.id FROM kobatela.escrow_agreements e "                                                      \
    "LEFT JOIN (SELECT escrow_id, sum(amount) AS total FROM kobatela." table " WHERE " condition          \
    "           GROUP BY escrow_id) s ON s.escrow_id = e.id "                                             \
    "WHERE e." counter " <> coalesce(s.total, 0) ORDER BY e.id"

// The rows of `table` (with its escrow e, or its own currency) whose `amount` has more decimals than
// the currency's minor units: $1 is {"USD": 2, "XOF": 0, ...} for every currency in use.
#define KOBA_FRACTIONAL(select_from, amount, currency)                                                    \
    "SELECT x.id FROM " select_from " JOIN jsonb_each_text($1) u ON u.key = " currency                    \
    " WHERE " amount " <> round(" amount ", u.value::int) ORDER BY x.id"

// An account's balance in the ledger, per account name.
#define KOBA_LEDGER_ACCOUNTS(prefix)                                                                      \
    "(SELECT account, sum(amount) AS balance FROM ("                                                      \
    "   SELECT debit_account AS account, amount FROM kobatela.ledger WHERE debit_account LIKE '" prefix ":%'" \
    "   UNION ALL "                                                                                       \
    "   SELECT credit_account, -amount FROM kobatela.ledger WHERE credit_account LIKE '" prefix ":%') p "  \
    " GROUP BY account)"

pg::Statement g_deposited{KOBA_ESCROW_SUM("deposited_amount", "escrow_deposits", "true"), {}};
pg::Statement g_paid{
    KOBA_ESCROW_SUM("paid_amount", "payments", "status IN ('SENT', 'SETTLED') AND kind <> 'REFUND'"), {}};
pg::Statement g_refunded{
    KOBA_ESCROW_SUM("refunded_amount", "payments", "status IN ('SENT', 'SETTLED') AND kind = 'REFUND'"), {}};
pg::Statement g_to_repay{
    KOBA_ESCROW_SUM("to_repay_amount", "payments p",
                    "p.status = 'ERROR' AND NOT EXISTS (SELECT 1 FROM kobatela.payments r WHERE r.retry_of = p.id)"),
    {}};
pg::Statement g_reserved{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "LEFT JOIN (SELECT escrow_id, sum(amount) AS total FROM kobatela.milestones "
    "           WHERE status IN ('WAITING', 'PENDING_REVIEW', 'APPROVED', 'PAYING') GROUP BY escrow_id) s "
    "       ON s.escrow_id = e.id "
    "WHERE e.reserved_amount <> CASE WHEN e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED') THEN 0 "
    "                                ELSE coalesce(s.total, 0) END "
    "ORDER BY e.id",
    {}};
pg::Statement g_balance{"SELECT e.id FROM kobatela.escrow_agreements e WHERE " KOBA_BALANCE " < 0 ORDER BY e.id", {}};
pg::Statement g_within_total{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "WHERE (SELECT coalesce(sum(d.amount), 0) FROM kobatela.escrow_deposits d WHERE d.escrow_id = e.id) > e.amount_total "
    "ORDER BY e.id",
    {}};
pg::Statement g_terminal{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "WHERE e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED') "
    "  AND " KOBA_BALANCE " <> (SELECT coalesce(sum(p.amount), 0) FROM kobatela.payments p "
    "                           WHERE p.escrow_id = e.id AND p.status = 'PENDING') "
    "ORDER BY e.id",
    {}};
pg::Statement g_deposit_events{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "WHERE (SELECT count(*) FROM kobatela.escrow_deposits d WHERE d.escrow_id = e.id) "
    "   <> (SELECT count(*) FROM kobatela.escrow_events v WHERE v.escrow_id = e.id AND v.kind = 'DEPOSIT') "
    "ORDER BY e.id",
    {}};
// Matched on payment_id, whatever the event's kind (PAYMENT_SENT, USAGE_SPEND, ...).
pg::Statement g_payment_event{
    "SELECT p.id FROM kobatela.payments p WHERE p.status <> 'PENDING' "
    "  AND NOT EXISTS (SELECT 1 FROM kobatela.escrow_events v "
    "                  WHERE v.escrow_id = p.escrow_id AND v.data ->> 'payment_id' = p.id::text) "
    "ORDER BY p.id",
    {}};
pg::Statement g_milestone_once{
    "SELECT milestone_id AS id FROM kobatela.payments "
    "WHERE milestone_id IS NOT NULL AND status IN ('SENT', 'SETTLED') "
    "GROUP BY milestone_id HAVING count(*) > 1 ORDER BY milestone_id",
    {}};
pg::Statement g_payee_total{
    "SELECT a.id FROM kobatela.allowed_payees a "
    "WHERE a.spent_total <> (SELECT coalesce(sum(p.amount), 0) FROM kobatela.payments p "
    "                        WHERE p.payee_id = a.id AND p.retry_of IS NULL) "
    "ORDER BY a.id",
    {}};
// total_spent = the purchases - the purchase refunds. (Purchase refunds: one more term, see
// docs/reference.md, "The books".)
pg::Statement g_mandate_total{
    "SELECT m.id FROM kobatela.usage_mandates m "
    "WHERE m.total_spent <> (SELECT coalesce(sum(u.amount), 0) FROM kobatela.purchases u WHERE u.mandate_id = m.id) "
    "  - (SELECT coalesce(sum(r.amount), 0) FROM kobatela.purchase_refunds r WHERE r.mandate_id = m.id) "
    "ORDER BY m.id",
    {}};
pg::Statement g_purchase_currency{
    "SELECT u.id FROM kobatela.purchases u JOIN kobatela.usage_mandates m ON m.id = u.mandate_id "
    "WHERE u.currency <> m.currency ORDER BY u.id",
    {}};

// Every currency in use, for the minor units the C++ side looks up.
pg::Statement g_currencies{
    "SELECT currency FROM kobatela.escrow_agreements UNION SELECT currency FROM kobatela.usage_mandates "
    "UNION SELECT currency FROM kobatela.purchases UNION SELECT currency FROM kobatela.transactions ORDER BY 1",
    {}};
pg::Statement g_escrow_units{KOBA_FRACTIONAL("kobatela.escrow_agreements x", "x.amount_total", "x.currency"), {JSONBOID}};
pg::Statement g_deposit_units{
    KOBA_FRACTIONAL("kobatela.escrow_deposits x JOIN kobatela.escrow_agreements e ON e.id = x.escrow_id", "x.amount",
                    "e.currency"),
    {JSONBOID}};
pg::Statement g_milestone_units{
    KOBA_FRACTIONAL("kobatela.milestones x JOIN kobatela.escrow_agreements e ON e.id = x.escrow_id", "x.amount",
                    "e.currency"),
    {JSONBOID}};
pg::Statement g_payment_units{
    KOBA_FRACTIONAL("kobatela.payments x JOIN kobatela.escrow_agreements e ON e.id = x.escrow_id", "x.amount",
                    "e.currency"),
    {JSONBOID}};
pg::Statement g_mandate_units{KOBA_FRACTIONAL("kobatela.usage_mandates x", "x.total_amount", "x.currency"), {JSONBOID}};
pg::Statement g_purchase_units{KOBA_FRACTIONAL("kobatela.purchases x", "x.amount", "x.currency"), {JSONBOID}};
pg::Statement g_transfer_units{KOBA_FRACTIONAL("kobatela.transactions x", "x.amount", "x.currency"), {JSONBOID}};

// The currencies whose postings do not balance (a posting without an account on one side).
pg::Statement g_ledger_balanced{
    "SELECT currency FROM kobatela.ledger GROUP BY currency "
    "HAVING coalesce(sum(amount) FILTER (WHERE debit_account IS NOT NULL), 0) "
    "    <> coalesce(sum(amount) FILTER (WHERE credit_account IS NOT NULL), 0) "
    "    OR bool_or(amount IS NULL) ORDER BY currency",
    {}};
pg::Statement g_ledger_escrow{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "LEFT JOIN " KOBA_LEDGER_ACCOUNTS("escrow") " a ON a.account = 'escrow:' || e.id "
    "WHERE coalesce(a.balance, 0) <> " KOBA_BALANCE " ORDER BY e.id",
    {}};
pg::Statement g_ledger_repay{
    "SELECT e.id FROM kobatela.escrow_agreements e "
    "LEFT JOIN " KOBA_LEDGER_ACCOUNTS("repay") " a ON a.account = 'repay:' || e.id "
    "WHERE coalesce(a.balance, 0) <> e.to_repay_amount ORDER BY e.id",
    {}};
pg::Statement g_ledger_mandate{
    "SELECT m.id FROM kobatela.usage_mandates m "
    "LEFT JOIN " KOBA_LEDGER_ACCOUNTS("mandate") " a ON a.account = 'mandate:' || m.id "
    "WHERE coalesce(a.balance, 0) <> -m.total_spent ORDER BY m.id",
    {}};

#undef KOBA_BALANCE
#undef KOBA_ESCROW_SUM
#undef KOBA_FRACTIONAL
#undef KOBA_LEDGER_ACCOUNTS

// The rule's statement and whether it takes the minor units ($1). A switch without default: a rule
// added to core::Invariant without a query here is a compiler warning (an error in make test).
pg::Statement& statement_of(core::Invariant rule, bool* takes_units) {
    using I = core::Invariant;
    *takes_units = false;
    switch (rule) {
        case I::EscrowDepositedAmount: return g_deposited;
        case I::EscrowPaidAmount: return g_paid;
        case I::EscrowRefundedAmount: return g_refunded;
        case I::EscrowToRepayAmount: return g_to_repay;
        case I::EscrowReservedAmount: return g_reserved;
        case I::EscrowBalanceNotNegative: return g_balance;
        case I::EscrowDepositsWithinTotal: return g_within_total;
        case I::TerminalEscrowHoldsPendingPayments: return g_terminal;
        case I::EscrowDepositEvents: return g_deposit_events;
        case I::PaymentHasEvent: return g_payment_event;
        case I::MilestonePaidOnce: return g_milestone_once;
        case I::PayeeSpentTotal: return g_payee_total;
        case I::MandateTotalSpent: return g_mandate_total;
        case I::PurchaseCurrencyIsMandateCurrency: return g_purchase_currency;
        case I::LedgerBalanced: return g_ledger_balanced;
        case I::LedgerEscrowAccount: return g_ledger_escrow;
        case I::LedgerRepayAccount: return g_ledger_repay;
        case I::LedgerMandateAccount: return g_ledger_mandate;
        case I::EscrowAmountFitsCurrency: *takes_units = true; return g_escrow_units;
        case I::DepositAmountFitsCurrency: *takes_units = true; return g_deposit_units;
        case I::MilestoneAmountFitsCurrency: *takes_units = true; return g_milestone_units;
        case I::PaymentAmountFitsCurrency: *takes_units = true; return g_payment_units;
        case I::MandateAmountFitsCurrency: *takes_units = true; return g_mandate_units;
        case I::PurchaseAmountFitsCurrency: *takes_units = true; return g_purchase_units;
        case I::TransferAmountFitsCurrency: *takes_units = true; return g_transfer_units;
    }
    throw std::logic_error("kobatela: an invariant without a query");
}

// {"USD": 2, "XOF": 0, ...}: the minor units of every currency in use, as Kobatela knows them (the
// catalogue's, else ICU's).
std::string minor_units_json(pg::Spi& spi) {
    const pg::Result r = spi.run(g_currencies);
    core::JsonObject units;
    for (uint64_t i = 0; i < r.size(); ++i) {
        const std::string code = r.text(i, r.column("currency"));
        units.add_int(code, currency_minor_units(code));
    }
    return units.str();
}

}  // namespace

std::vector<core::InvariantViolation> check_invariants(pg::Spi& spi) {
    const std::string units = minor_units_json(spi);
    std::vector<core::InvariantViolation> violations;
    for (const core::InvariantRule& rule : core::kInvariants) {
        pg::check_for_interrupts();
        bool takes_units = false;
        pg::Statement& statement = statement_of(rule.rule, &takes_units);
        const pg::Result r = spi.run(statement, takes_units ? pg::Params().own_jsonb(units) : pg::Params());
        if (r.empty()) continue;
        core::InvariantViolation v{rule.rule, {}, {}};
        if (rule.rule == core::Invariant::LedgerBalanced) {
            const int currency = r.column("currency");
            for (uint64_t i = 0; i < r.size(); ++i) v.found.push_back(r.text(i, currency));
        } else {
            const int id = r.column("id");
            for (uint64_t i = 0; i < r.size(); ++i) v.ids.push_back(r.int8(i, id));
        }
        violations.push_back(std::move(v));
    }
    return violations;
}

void append_violations_to_set(pg::Spi& spi, const std::vector<core::InvariantViolation>& violations,
                              FunctionCallInfo fcinfo) {
    static pg::Statement rows{
        "SELECT x.rule, x.ids, x.detail "
        "FROM ROWS FROM (jsonb_to_recordset($1) AS (rule text, ids bigint[], detail text)) WITH ORDINALITY AS x(rule, ids, detail, n) "
        "ORDER BY x.n",
        {JSONBOID}};
    spi.run(rows, pg::Params().own_jsonb(core::invariant_rows_json(violations))).append_to_set(fcinfo);
}

}  // namespace koba::store
