// SPI, the C++ way: statements prepared once per backend and kept across calls, typed
// parameters, typed results, and results copied out as the SQL function's own result.
//
//   static pg::Statement kFindUser{"SELECT id FROM kobatela.users WHERE id = $1", {INT8OID}};
//   pg::Spi spi;
//   pg::Result r = spi.run(kFindUser, pg::Params().int8(id));
//   if (r.empty()) throw core::Error(core::ErrorCode::USER_NOT_FOUND);
#pragma once

#include "pg/datum.hpp"
#include "pg/postgres.hpp"

#include <initializer_list>

namespace koba::pg {

// An SQL statement whose plan is prepared on first use (SPI_prepare + SPI_keepplan) and kept for
// the life of the backend. PostgreSQL's plan cache revalidates it after DDL. Declare instances
// `static`, next to the code that runs them; names in the SQL must be schema-qualified.
class Statement {
public:
    Statement(const char* sql, std::initializer_list<Oid> argument_types)
        : sql_(sql), argument_types_(argument_types) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    const char* sql() const { return sql_; }
    int argument_count() const { return static_cast<int>(argument_types_.size()); }
    SPIPlanPtr plan();  // needs an open SPI connection

private:
    const char* sql_;
    std::vector<Oid> argument_types_;
    SPIPlanPtr plan_ = nullptr;
};

// Positional parameters ($1, $2, ...), built fluently; the Datums live in the current memory
// context until the SPI connection ends.
class Params {
public:
    Params& null();
    Params& int8(int64_t value);
    Params& int4(int32_t value);
    Params& boolean(bool value);
    Params& float8(double value);
    Params& text(std::string_view value);
    Params& money(int64_t cents);  // numeric
    Params& jsonb(std::string_view json_text);      // from outside: INVALID_JSON when malformed
    Params& own_jsonb(std::string_view json_text);  // Kobatela's own (pg::own_jsonb_datum)
    Params& jsonb_document(Datum document);         // already parsed (pg::jsonb_datum): no parse
    Params& timestamptz(UnixMicros micros);
    Params& xid8(uint64_t full_xid);
    Params& bytes(std::string_view value);  // bytea
    // A json parameter from JSON text Kobatela wrote: kept as it is (json stores its text), unparsed.
    Params& json(std::string_view json_text);
    Params& text_array(const std::vector<std::string>& values);  // text[]
    // NULL when empty.
    Params& opt_int8(const std::optional<int64_t>& value);
    Params& opt_text(const std::optional<std::string>& value);
    Params& opt_money(const std::optional<int64_t>& cents);
    Params& opt_timestamptz(const std::optional<UnixMicros>& micros);

    int size() const { return static_cast<int>(values_.size()); }
    Datum* values() { return values_.data(); }
    const char* nulls() const { return nulls_.c_str(); }

private:
    Params& add(Datum value, bool is_null = false);
    std::vector<Datum> values_;
    std::string nulls_;  // SPI's convention: ' ' not null, 'n' null
};

// The rows a statement returned; valid until the Spi connection that ran it ends.
// Columns are 1-based, like SPI's.
class Result {
public:
    Result(SPITupleTable* table, uint64_t rows) : table_(table), rows_(rows) {}

    uint64_t size() const { return rows_; }
    bool empty() const { return rows_ == 0; }
    int columns() const { return table_ == nullptr ? 0 : table_->tupdesc->natts; }
    // The 1-based number of the column called `name`: stores resolve their columns by name once
    // per result, so a column added or reordered in a table never shifts what they read.
    // std::logic_error when the statement returns no such column (a bug, not bad input).
    int column(std::string_view name) const;

    bool is_null(uint64_t row, int column) const;
    int64_t int8(uint64_t row, int column) const;
    int32_t int4(uint64_t row, int column) const;
    bool boolean(uint64_t row, int column) const;
    double float8(uint64_t row, int column) const;
    std::string text(uint64_t row, int column) const;  // text-like columns, any type via output fn
    int64_t money(uint64_t row, int column) const;     // numeric(18,2) as cents
    UnixMicros timestamptz(uint64_t row, int column) const;
    std::optional<int64_t> opt_int8(uint64_t row, int column) const;
    std::optional<std::string> opt_text(uint64_t row, int column) const;

    // Row `row` as the calling function's composite result (RETURNS <table>), copied into the
    // caller's memory so it outlives the SPI connection. The statement must return the table's
    // columns in order (RETURNING * / SELECT t.*).
    Datum composite(uint64_t row, FunctionCallInfo fcinfo) const;

    // Every row as the rows of a set-returning function (RETURNS SETOF <table>); call
    // prepare_set_result() before opening the Spi connection.
    void append_to_set(FunctionCallInfo fcinfo) const;
    // The same, each row's first column replaced by the text first_column[row] (a value the
    // caller computes from the row, e.g. a cursor); first_column has one text per row.
    void append_to_set(FunctionCallInfo fcinfo, const std::vector<std::string>& first_column) const;

private:
    Datum value(uint64_t row, int column, bool* is_null) const;
    Datum required(uint64_t row, int column) const;
    Datum typed(uint64_t row, int column, Oid type) const;  // required, and of this type
    SPITupleTable* table_;
    uint64_t rows_;
};

// One SPI connection for the duration of a C++ scope. On normal exit it disconnects; when the
// scope is left by an exception it does not touch SPI: the error ends the (sub)transaction, and
// PostgreSQL cleans the connection up then.
//
// Read-only inside a function declared STABLE or IMMUTABLE (pg::current_function(), as PL/pgSQL
// does for its non-volatile functions): each statement runs on the calling query's snapshot, with
// no new snapshot and no command-counter bump, and one that would write fails ("INSERT is not
// allowed in a non-volatile function"). Such a function therefore sees what its calling statement
// sees, not what that statement itself wrote. Inside a VOLATILE function, or outside any,
// statements run read-write, each on a new snapshot.
//
// SPI switches to its own memory context, which SPI_finish frees. Spi switches back to the
// caller's context after connecting and after every statement, so whatever C++ code allocates
// while connected (parameters, a text result to return) lives as long as the call itself.
class Spi {
public:
    Spi();
    ~Spi();
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    Result run(Statement& statement, Params params = Params(), long max_rows = 0);

private:
    Result finish_statement(int rc);
    MemoryContext caller_context_;
    int uncaught_at_start_;
    bool read_only_;
};

// Sets up a set-returning function's result (materialize mode) in the caller's memory, for
// SETOF a row type or SETOF a scalar.
void prepare_set_result(FunctionCallInfo fcinfo);
// One row of a RETURNS SETOF bigint function's result (after prepare_set_result).
void append_int8_to_set(FunctionCallInfo fcinfo, int64_t value);

}  // namespace koba::pg
