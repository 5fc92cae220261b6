#include "core/books.hpp"

namespace koba::core {

namespace {

using C = RowCondition;
using R = RowRule;

RowRule refused() { return R{R::Kind::Refused, {}}; }
RowRule allowed() { return R{R::Kind::Allowed, {}}; }
RowRule allowed_if(std::vector<RowCondition> conditions) { return R{R::Kind::AllowedIf, std::move(conditions)}; }
RowCondition zero(std::string_view column) { return C{column, C::Kind::ZeroAmount, {}}; }
RowCondition equals(std::string_view column, std::string_view label) { return C{column, C::Kind::Equals, label}; }

// A table whose every row is a movement of money: no INSERT, DELETE or UPDATE (but of updated_at).
BooksTable ledger_table(std::string_view name) { return BooksTable{name, true, {}, refused(), refused()}; }

std::vector<BooksTable> make_tables() {
    return {
        // The money rows themselves (purchase_refunds, when it exists, belongs here too).
        ledger_table("escrow_deposits"),
        ledger_table("payments"),
        ledger_table("purchases"),
        ledger_table("purchase_refunds"),
        // Rows that hold counters of the rows above, and the amounts those counters are checked against.
        BooksTable{"escrow_agreements",
                   false,
                   {"amount_total", "currency", "status", "deposited_amount", "paid_amount", "refunded_amount",
                    "to_repay_amount", "reserved_amount"},
                   allowed_if({equals("status", "DRAFT"), zero("deposited_amount"), zero("paid_amount"),
                               zero("refunded_amount"), zero("to_repay_amount"), zero("reserved_amount")}),
                   allowed_if({zero("deposited_amount")})},
        // A milestone's amount is part of its escrow's reserved_amount.
        BooksTable{"milestones", false, {"amount", "status", "escrow_id"}, refused(), refused()},
        BooksTable{"allowed_payees",
                   false,
                   {"spent_today", "spent_total", "escrow_id"},
                   allowed(),
                   allowed_if({zero("spent_total")})},
        BooksTable{"usage_mandates",
                   false,
                   {"total_amount", "total_spent", "currency", "status"},
                   allowed(),
                   allowed_if({zero("total_spent")})},
        BooksTable{"transactions",
                   false,
                   {"amount", "currency", "status", "sender_id", "receiver_id"},
                   refused(),
                   refused()},
    };
}

}  // namespace

std::string_view books_write_name(BooksWrite write) noexcept {
    switch (write) {
        case BooksWrite::Insert: return "INSERT";
        case BooksWrite::Update: return "UPDATE";
        case BooksWrite::Delete: return "DELETE";
        case BooksWrite::Truncate: return "TRUNCATE";
    }
    return "WRITE";
}

const std::vector<BooksTable>& books_tables() {
    static const std::vector<BooksTable> tables = make_tables();
    return tables;
}

const BooksTable* books_table(std::string_view table) noexcept {
    for (const BooksTable& t : books_tables())
        if (t.name == table) return &t;
    return nullptr;
}

bool books_column_guarded(const BooksTable& table, std::string_view column) noexcept {
    if (column == "updated_at") return false;
    if (table.every_column) return true;
    for (const std::string_view c : table.columns)
        if (c == column) return true;
    return false;
}

bool is_zero_amount(std::string_view text) noexcept {
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) i++;
    bool digit = false;
    bool point = false;
    for (; i < text.size(); i++) {
        const char c = text[i];
        if (c == '0') {
            digit = true;
        } else if (c == '.' && !point) {
            point = true;
        } else {
            return false;
        }
    }
    return digit;
}

std::optional<std::string> books_row_refusal(const BooksTable& table, BooksWrite write, const ColumnText& value) {
    if (write == BooksWrite::Truncate) return std::string();
    if (write == BooksWrite::Update) return std::nullopt;  // per column: books_column_guarded
    const RowRule& rule = write == BooksWrite::Insert ? table.insert : table.del;
    switch (rule.kind) {
        case RowRule::Kind::Allowed: return std::nullopt;
        case RowRule::Kind::Refused: return std::string();
        case RowRule::Kind::AllowedIf: break;
    }
    for (const RowCondition& condition : rule.conditions) {
        const std::optional<std::string> v = value(condition.column);
        switch (condition.kind) {
            case RowCondition::Kind::ZeroAmount:
                if (!v || !is_zero_amount(*v))
                    return "of a row whose " + std::string(condition.column) + " is not 0";
                break;
            case RowCondition::Kind::Equals:
                if (!v || *v != condition.label)
                    return "of a row whose " + std::string(condition.column) + " is not " + std::string(condition.label);
                break;
        }
    }
    return std::nullopt;
}

Error books_write_refused(std::string_view table, BooksWrite write, std::string_view what) {
    std::string detail(books_write_name(write));
    switch (write) {
        case BooksWrite::Insert: detail += " into kobatela."; break;
        case BooksWrite::Update: detail += " of kobatela."; break;
        case BooksWrite::Delete: detail += " from kobatela."; break;
        case BooksWrite::Truncate: detail += " of kobatela."; break;
    }
    detail += table;
    if (write == BooksWrite::Update) {
        detail += ".";
        detail += what;
    } else if (!what.empty()) {
        detail += " ";
        detail += what;
    }
    detail += " is refused: only Kobatela's functions write the books.";
    return Error(ErrorCode::BOOKS_WRITE_REFUSED, std::move(detail),
                 "Go through Kobatela's API; to record what the PSP says happened to a payment, an admin calls "
                 "kobatela.correct_payment(payment_id, status, reason). See docs/operations.md, "
                 "\"Correcting the books by hand\".");
}

}  // namespace koba::core
