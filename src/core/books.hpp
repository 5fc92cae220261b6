// The books' guard (issue 14): which writes to the money rows only Kobatela's own functions may
// make. The audit trigger (src/audit/audit.cpp), which already runs on every row of every table,
// asks this table -> columns map what a write outside Kobatela's API may change, and refuses the
// rest with BOOKS_WRITE_REFUSED. Pure: the trigger reads the rows; this decides.
//
// A table not listed here is not guarded. A listed table is guarded in three ways:
//  * UPDATE: the columns listed (or, for a table whose every column is the books, every column
//    but updated_at) may not change; the others (a deadline, a label) stay writable.
//  * INSERT and DELETE: refused, allowed, or allowed only for a row whose listed columns hold a
//    zero amount or a given label (an escrow inserted DRAFT with zero counters).
//  * TRUNCATE: always refused.
#pragma once

#include "core/errors.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

enum class BooksWrite : uint8_t { Insert, Update, Delete, Truncate };

// "INSERT", "UPDATE", "DELETE", "TRUNCATE".
std::string_view books_write_name(BooksWrite write) noexcept;

// A condition on the values of one row, each value as its type's output text (numeric "0.00",
// an enum's label).
struct RowCondition {
    enum class Kind : uint8_t { ZeroAmount, Equals };
    std::string_view column;
    Kind kind;
    std::string_view label;  // Equals
};

// What an INSERT or a DELETE outside Kobatela's API may do: nothing, anything, or only write a
// row that meets every condition.
struct RowRule {
    enum class Kind : uint8_t { Refused, Allowed, AllowedIf };
    Kind kind;
    std::vector<RowCondition> conditions;  // AllowedIf
};

struct BooksTable {
    std::string_view name;
    bool every_column;                       // UPDATE: every column but updated_at is guarded
    std::vector<std::string_view> columns;   // UPDATE: the guarded columns, when !every_column
    RowRule insert;
    RowRule del;
};

// The guarded tables, in the order docs/operations.md lists them.
const std::vector<BooksTable>& books_tables();

// The table's rules, or nullptr when `table` (a table of schema kobatela) is not guarded.
const BooksTable* books_table(std::string_view table) noexcept;

// UPDATE: whether a change of this column is refused. updated_at never is.
bool books_column_guarded(const BooksTable& table, std::string_view column) noexcept;

// A column's value as text, or nullopt for NULL.
using ColumnText = std::function<std::optional<std::string>(std::string_view column)>;

// INSERT or DELETE of one row (or a TRUNCATE): nullopt when the write is allowed; else why it is
// refused: "" for any row, or the end of a sentence ("of a row whose deposited_amount is not 0").
std::optional<std::string> books_row_refusal(const BooksTable& table, BooksWrite write, const ColumnText& value);

// Whether `text` (numeric output: "0", "-0.00", "12.50") is a zero amount.
bool is_zero_amount(std::string_view text) noexcept;

// The refusal: BOOKS_WRITE_REFUSED, its DETAIL naming the operation, the table and `what` (UPDATE:
// the column; INSERT, DELETE: books_row_refusal's reason), its HINT the correction function and
// docs/operations.md.
Error books_write_refused(std::string_view table, BooksWrite write, std::string_view what);

}  // namespace koba::core
