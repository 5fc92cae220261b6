// The books' guard's map (core/books.hpp): which writes outside Kobatela's API are refused, checked
// against the list of issue 14 written out here, and against the tables of sql/.
#include "core/books.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace koba::core;

namespace {

using Row = std::map<std::string, std::string>;

std::optional<std::string> refusal(std::string_view table, BooksWrite write, const Row& row) {
    const BooksTable* t = books_table(table);
    EXPECT_NE(t, nullptr) << table;
    if (t == nullptr) return std::nullopt;
    return books_row_refusal(*t, write, [&](std::string_view column) -> std::optional<std::string> {
        const auto it = row.find(std::string(column));
        if (it == row.end()) return std::nullopt;
        return it->second;
    });
}

bool guarded(std::string_view table, std::string_view column) {
    const BooksTable* t = books_table(table);
    return t != nullptr && books_column_guarded(*t, column);
}

const Row kDraftEscrow{{"status", "DRAFT"},          {"deposited_amount", "0.00"}, {"paid_amount", "0.00"},
                       {"refunded_amount", "0.00"},  {"to_repay_amount", "0.00"},  {"reserved_amount", "0.00"}};

}  // namespace

TEST(Books, OnlyTheMoneyTablesAreGuarded) {
    for (const char* t : {"escrow_deposits", "payments", "purchases", "purchase_refunds", "escrow_agreements",
                          "milestones", "allowed_payees", "usage_mandates", "transactions"})
        EXPECT_NE(books_table(t), nullptr) << t;
    for (const char* t : {"users", "api_keys", "audit_log", "alerts", "escrow_events", "proofs", "merchants",
                          "spend_categories", "allowed_usages", "allowed_recipients", "certified_accounts",
                          "psp_webhook_events", "currencies", ""})
        EXPECT_EQ(books_table(t), nullptr) << t;
}

TEST(Books, LedgerTablesRefuseEveryWriteButUpdatedAt) {
    for (const char* t : {"escrow_deposits", "payments", "purchases", "purchase_refunds"}) {
        EXPECT_EQ(refusal(t, BooksWrite::Insert, {}), std::string()) << t;
        EXPECT_EQ(refusal(t, BooksWrite::Delete, {}), std::string()) << t;
        EXPECT_EQ(refusal(t, BooksWrite::Truncate, {}), std::string()) << t;
        for (const char* c : {"id", "amount", "status", "psp_ref", "kind", "retry_of", "escrow_id", "created_at",
                              "idempotency_key", "anything"})
            EXPECT_TRUE(guarded(t, c)) << t << "." << c;
        EXPECT_FALSE(guarded(t, "updated_at")) << t;
    }
}

TEST(Books, EscrowCountersAndStatus) {
    for (const char* c : {"amount_total", "currency", "status", "deposited_amount", "paid_amount", "refunded_amount",
                          "to_repay_amount", "reserved_amount"})
        EXPECT_TRUE(guarded("escrow_agreements", c)) << c;
    for (const char* c : {"deadline_at", "release_conditions", "updated_at", "idempotency_key", "client_id"})
        EXPECT_FALSE(guarded("escrow_agreements", c)) << c;

    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Insert, kDraftEscrow), std::nullopt);
    Row funded = kDraftEscrow;
    funded["status"] = "FUNDED";
    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Insert, funded), "of a row whose status is not DRAFT");
    for (const char* counter : {"deposited_amount", "paid_amount", "refunded_amount", "to_repay_amount", "reserved_amount"}) {
        Row row = kDraftEscrow;
        row[counter] = "0.01";
        EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Insert, row),
                  std::string("of a row whose ") + counter + " is not 0");
        row.erase(counter);  // NULL: not a zero
        EXPECT_NE(refusal("escrow_agreements", BooksWrite::Insert, row), std::nullopt) << counter;
    }
    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Delete, kDraftEscrow), std::nullopt);
    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Delete, funded), std::nullopt) << "only deposits count";
    Row deposited = kDraftEscrow;
    deposited["deposited_amount"] = "10.00";
    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Delete, deposited),
              "of a row whose deposited_amount is not 0");
    EXPECT_EQ(refusal("escrow_agreements", BooksWrite::Truncate, {}), std::string());
}

TEST(Books, MilestonesPayeesMandatesTransactions) {
    for (const char* c : {"amount", "status", "escrow_id"}) EXPECT_TRUE(guarded("milestones", c)) << c;
    for (const char* c : {"label", "proof_type", "validator", "geofence_lat", "idx", "updated_at"})
        EXPECT_FALSE(guarded("milestones", c)) << c;
    EXPECT_EQ(refusal("milestones", BooksWrite::Insert, {{"amount", "0.00"}}), std::string());
    EXPECT_EQ(refusal("milestones", BooksWrite::Delete, {}), std::string());

    for (const char* c : {"spent_today", "spent_total", "escrow_id"}) EXPECT_TRUE(guarded("allowed_payees", c)) << c;
    for (const char* c : {"label", "daily_limit", "total_limit", "last_reset_at", "payee_ref"})
        EXPECT_FALSE(guarded("allowed_payees", c)) << c;
    EXPECT_EQ(refusal("allowed_payees", BooksWrite::Insert, {}), std::nullopt);
    EXPECT_EQ(refusal("allowed_payees", BooksWrite::Delete, {{"spent_total", "0.00"}}), std::nullopt);
    EXPECT_EQ(refusal("allowed_payees", BooksWrite::Delete, {{"spent_total", "5.00"}}),
              "of a row whose spent_total is not 0");

    for (const char* c : {"total_amount", "total_spent", "currency", "status"})
        EXPECT_TRUE(guarded("usage_mandates", c)) << c;
    for (const char* c : {"expires_at", "allowed_category_id", "allowed_merchant_id", "updated_at"})
        EXPECT_FALSE(guarded("usage_mandates", c)) << c;
    EXPECT_EQ(refusal("usage_mandates", BooksWrite::Insert, {}), std::nullopt);
    EXPECT_EQ(refusal("usage_mandates", BooksWrite::Delete, {{"total_spent", "0"}}), std::nullopt);
    EXPECT_EQ(refusal("usage_mandates", BooksWrite::Delete, {{"total_spent", "1.00"}}),
              "of a row whose total_spent is not 0");

    for (const char* c : {"amount", "currency", "status", "sender_id", "receiver_id"})
        EXPECT_TRUE(guarded("transactions", c)) << c;
    EXPECT_FALSE(guarded("transactions", "idempotency_key"));
    EXPECT_EQ(refusal("transactions", BooksWrite::Insert, {}), std::string());
    EXPECT_EQ(refusal("transactions", BooksWrite::Delete, {}), std::string());
}

TEST(Books, UpdateIsDecidedPerColumn) {
    EXPECT_EQ(refusal("payments", BooksWrite::Update, {}), std::nullopt);
}

TEST(Books, ZeroAmounts) {
    for (const char* z : {"0", "0.00", "-0.00", "+0", "000.0", "0."}) EXPECT_TRUE(is_zero_amount(z)) << z;
    for (const char* n : {"", ".", "-", "0.01", "10", "1e0", "NaN", "0.0.0", " 0", "0 "}) EXPECT_FALSE(is_zero_amount(n)) << n;
}

TEST(Books, TheRefusalNamesTableOperationAndTheWayOut) {
    const Error update = books_write_refused("payments", BooksWrite::Update, "status");
    EXPECT_EQ(update.code(), ErrorCode::BOOKS_WRITE_REFUSED);
    EXPECT_STREQ(update.detail(), "UPDATE of kobatela.payments.status is refused: only Kobatela's functions write the books.");
    EXPECT_NE(std::string(update.hint()).find("kobatela.correct_payment("), std::string::npos);
    EXPECT_NE(std::string(update.hint()).find("docs/operations.md"), std::string::npos);
    EXPECT_STREQ(books_write_refused("payments", BooksWrite::Insert, "").detail(),
                 "INSERT into kobatela.payments is refused: only Kobatela's functions write the books.");
    EXPECT_STREQ(books_write_refused("escrow_agreements", BooksWrite::Delete, "of a row whose deposited_amount is not 0").detail(),
                 "DELETE from kobatela.escrow_agreements of a row whose deposited_amount is not 0 is refused: only "
                 "Kobatela's functions write the books.");
    EXPECT_STREQ(books_write_refused("milestones", BooksWrite::Truncate, "").detail(),
                 "TRUNCATE of kobatela.milestones is refused: only Kobatela's functions write the books.");
}

// Every guarded table and column exists in sql/ (a renamed column would silently stop being
// guarded). purchase_refunds is listed ahead of its table.
TEST(Books, EveryGuardedColumnIsDeclaredInSql) {
    std::string sql;
    for (const char* file : {"tables_identity.sql", "tables_escrow.sql", "tables_spend.sql", "tables_currencies.sql"}) {
        std::ifstream in(std::string(KOBA_SQL_DIR) + "/" + file);
        ASSERT_TRUE(in) << file;
        std::stringstream text;
        text << in.rdbuf();
        sql += text.str();
    }
    for (const BooksTable& t : books_tables()) {
        const std::string head = "CREATE TABLE kobatela." + std::string(t.name) + " (";
        const std::size_t start = sql.find(head);
        if (start == std::string::npos) {
            EXPECT_EQ(t.name, "purchase_refunds") << "no CREATE TABLE for " << t.name;
            continue;
        }
        const std::string block = sql.substr(start, sql.find("\n);", start) - start);
        std::vector<std::string_view> columns = t.columns;
        for (const RowRule* rule : {&t.insert, &t.del})
            for (const RowCondition& c : rule->conditions) columns.push_back(c.column);
        for (const std::string_view c : columns)
            EXPECT_NE(block.find("\n    " + std::string(c) + " "), std::string::npos) << t.name << "." << c;
    }
}
