#include "pg/spi.hpp"

#include "core/money.hpp"
#include "pg/guard.hpp"

#include <exception>
#include <stdexcept>
#include <unordered_map>

extern "C" {
#include "utils/xid8.h"
}

namespace koba::pg {

// ---- Statement ---------------------------------------------------------------------------------

SPIPlanPtr Statement::plan() {
    if (plan_ != nullptr) return plan_;
    const char* sql = sql_;
    const int count = argument_count();
    Oid* types = argument_types_.data();
    plan_ = pg_call([&] {
        SPIPlanPtr prepared = SPI_prepare(sql, count, types);
        if (prepared == nullptr)
            elog(ERROR, "kobatela: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(prepared);
        return prepared;
    });
    return plan_;
}

// ---- Params ------------------------------------------------------------------------------------

Params& Params::add(Datum value, bool is_null) {
    values_.push_back(value);
    nulls_.push_back(is_null ? 'n' : ' ');
    return *this;
}

Params& Params::null() { return add(Datum(0), true); }
Params& Params::int8(int64_t value) { return add(Int64GetDatum(value)); }
Params& Params::int4(int32_t value) { return add(Int32GetDatum(value)); }
Params& Params::boolean(bool value) { return add(BoolGetDatum(value)); }
Params& Params::float8(double value) { return add(Float8GetDatum(value)); }
Params& Params::text(std::string_view value) { return add(text_datum(value)); }
Params& Params::money(int64_t cents) { return add(numeric_datum(cents)); }
Params& Params::jsonb(std::string_view json_text) { return add(jsonb_datum(json_text)); }
Params& Params::own_jsonb(std::string_view json_text) { return add(own_jsonb_datum(json_text)); }
Params& Params::jsonb_document(Datum document) { return add(document); }
Params& Params::timestamptz(UnixMicros micros) { return add(timestamptz_datum(micros)); }
Params& Params::xid8(uint64_t full_xid) { return add(FullTransactionIdGetDatum(FullTransactionIdFromU64(full_xid))); }
Params& Params::bytes(std::string_view value) { return add(bytea_datum(value)); }
Params& Params::json(std::string_view json_text) { return add(text_datum(json_text)); }
Params& Params::text_array(const std::vector<std::string>& values) { return add(text_array_datum(values)); }
Params& Params::opt_int8(const std::optional<int64_t>& value) { return value ? int8(*value) : null(); }
Params& Params::opt_text(const std::optional<std::string>& value) { return value ? text(*value) : null(); }
Params& Params::opt_money(const std::optional<int64_t>& cents) { return cents ? money(*cents) : null(); }
Params& Params::opt_timestamptz(const std::optional<UnixMicros>& micros) { return micros ? timestamptz(*micros) : null(); }

// ---- Result ------------------------------------------------------------------------------------

int Result::column(std::string_view name) const {
    if (table_ != nullptr) {
        const TupleDesc desc = table_->tupdesc;
        for (int i = 0; i < desc->natts; i++) {
            const Form_pg_attribute attribute = TupleDescAttr(desc, i);
            if (!attribute->attisdropped && name == NameStr(attribute->attname)) return i + 1;
        }
    }
    throw std::logic_error("kobatela: the statement returns no column " + std::string(name));
}

namespace {

// The column's type, seen through a domain (kobatela.positive_money is a numeric): the base type
// is looked up only for a type that is not one of PostgreSQL's own.
Oid column_type(const SPITupleTable* table, int column) {
    const Oid type = TupleDescAttr(table->tupdesc, column - 1)->atttypid;
    if (type < FirstNormalObjectId) return type;
    return pg_call([&] { return getBaseType(type); });
}

// Fills values/nulls for `target` (a composite type, possibly with dropped columns) from a
// result tuple that holds the type's live columns in order.
void deform_into(TupleDesc target, HeapTuple tuple, TupleDesc source, Datum* values, bool* nulls) {
    int source_column = 0;
    for (int i = 0; i < target->natts; i++) {
        const Form_pg_attribute attribute = TupleDescAttr(target, i);
        if (attribute->attisdropped) {
            values[i] = Datum(0);
            nulls[i] = true;
            continue;
        }
        source_column++;
        if (source_column > source->natts ||
            TupleDescAttr(source, source_column - 1)->atttypid != attribute->atttypid)
            elog(ERROR, "kobatela: result columns do not match the function's result type");
        values[i] = SPI_getbinval(tuple, source, source_column, &nulls[i]);
    }
    if (source_column != source->natts)
        elog(ERROR, "kobatela: result has more columns than the function's result type");
}

}  // namespace

Datum Result::value(uint64_t row, int column, bool* is_null) const {
    if (table_ == nullptr || row >= rows_ || column < 1 || column > table_->tupdesc->natts)
        throw std::out_of_range("kobatela: SPI result row or column out of range");
    return SPI_getbinval(table_->vals[row], table_->tupdesc, column, is_null);
}

Datum Result::required(uint64_t row, int column) const {
    bool is_null = false;
    const Datum v = value(row, column, &is_null);
    if (is_null) throw std::logic_error("kobatela: unexpected NULL in SPI result");
    return v;
}

bool Result::is_null(uint64_t row, int column) const {
    bool null = false;
    value(row, column, &null);
    return null;
}

Datum Result::typed(uint64_t row, int column, Oid type) const {
    const Datum v = required(row, column);
    if (column_type(table_, column) != type)
        throw std::logic_error("kobatela: SPI result column has an unexpected type");
    return v;
}

int64_t Result::int8(uint64_t row, int column) const { return DatumGetInt64(typed(row, column, INT8OID)); }
int32_t Result::int4(uint64_t row, int column) const { return DatumGetInt32(typed(row, column, INT4OID)); }
bool Result::boolean(uint64_t row, int column) const { return DatumGetBool(typed(row, column, BOOLOID)); }
double Result::float8(uint64_t row, int column) const { return DatumGetFloat8(typed(row, column, FLOAT8OID)); }

std::string Result::text(uint64_t row, int column) const {
    const Datum v = required(row, column);
    const Oid type = column_type(table_, column);
    if (type == TEXTOID || type == VARCHAROID || type == BPCHAROID) return text_value(v);
    // Any other type (an enum, say): its output function's text.
    HeapTuple tuple = table_->vals[row];
    TupleDesc desc = table_->tupdesc;
    char* printed = pg_call([&] { return SPI_getvalue(tuple, desc, column); });
    std::string result(printed);
    pg_call([&] { pfree(printed); });
    return result;
}

int64_t Result::money(uint64_t row, int column) const {
    const core::ParsedAmount parsed = core::parse_amount(numeric_text(typed(row, column, NUMERICOID)));
    if (parsed.status != core::AmountParse::Ok)
        throw std::logic_error("kobatela: a stored amount is not a numeric(18,2)");
    return parsed.cents;
}

UnixMicros Result::timestamptz(uint64_t row, int column) const {
    return timestamptz_value(typed(row, column, TIMESTAMPTZOID));
}

std::optional<int64_t> Result::opt_int8(uint64_t row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return int8(row, column);
}

std::optional<std::string> Result::opt_text(uint64_t row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return text(row, column);
}

Datum Result::composite(uint64_t row, FunctionCallInfo fcinfo) const {
    if (table_ == nullptr || row >= rows_) throw std::out_of_range("kobatela: no such result row");
    HeapTuple tuple = table_->vals[row];
    TupleDesc source = table_->tupdesc;
    return pg_call([&] {
        TupleDesc target;
        if (get_call_result_type(fcinfo, nullptr, &target) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "kobatela: function does not return a composite type");
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * target->natts));
        bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * target->natts));
        deform_into(target, tuple, source, values, nulls);
        // Formed in SPI memory, then copied into the caller's memory by SPI_returntuple.
        return PointerGetDatum(SPI_returntuple(heap_form_tuple(target, values, nulls), target));
    });
}

// ---- Spi ---------------------------------------------------------------------------------------

namespace {

// Whether each function oid met so far is declared STABLE or IMMUTABLE (pg_proc.provolatile),
// looked up once per backend. Emptied on any change to pg_proc (ALTER FUNCTION ... VOLATILE,
// CREATE OR REPLACE, an upgrade), which PostgreSQL signals through the PROCOID syscache.
std::unordered_map<Oid, bool> g_read_only_functions;
bool g_invalidation_registered = false;

void forget_volatility(Datum /*arg*/, int /*cache_id*/, uint32 /*hash*/) noexcept { g_read_only_functions.clear(); }

bool lookup_read_only(Oid function) {
    if (!g_invalidation_registered) {
        pg_call([] { CacheRegisterSyscacheCallback(PROCOID, forget_volatility, Datum(0)); });
        g_invalidation_registered = true;
    }
    return pg_call([&] { return func_volatile(function) != PROVOLATILE_VOLATILE; });
}

// Whether statements of `function` run read-only: it is declared STABLE or IMMUTABLE.
bool runs_read_only(Oid function) {
    if (!OidIsValid(function)) return false;
    const auto known = g_read_only_functions.find(function);
    if (known != g_read_only_functions.end()) return known->second;
    const bool read_only = lookup_read_only(function);
    g_read_only_functions.emplace(function, read_only);
    return read_only;
}

}  // namespace

Spi::Spi()
    : caller_context_(CurrentMemoryContext), uncaught_at_start_(std::uncaught_exceptions()),
      read_only_(runs_read_only(current_function())) {
    pg_call([] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "kobatela: SPI_connect failed");
    });
    MemoryContextSwitchTo(caller_context_);
}

Spi::~Spi() {
    // Unwinding from an error: the transaction (or subtransaction) is about to abort, and
    // PostgreSQL's AtEOXact_SPI releases the connection; calling SPI here could raise again.
    if (std::uncaught_exceptions() > uncaught_at_start_) return;
    SPI_finish();
}

Result Spi::run(Statement& statement, Params params, long max_rows) {
    if (params.size() != statement.argument_count())
        throw std::logic_error("kobatela: wrong number of SPI parameters");
    SPIPlanPtr plan = statement.plan();
    Datum* values = params.values();
    const char* nulls = params.nulls();
    const bool read_only = read_only_;
    return finish_statement(pg_call([&] { return SPI_execute_plan(plan, values, nulls, read_only, max_rows); }));
}

Result Spi::finish_statement(int rc) {
    MemoryContextSwitchTo(caller_context_);  // SPI leaves its own context current
    if (rc < 0) throw std::runtime_error(SPI_result_code_string(rc));
    return Result(SPI_tuptable, SPI_processed);
}

// ---- set-returning functions -------------------------------------------------------------------

void prepare_set_result(FunctionCallInfo fcinfo) {
    pg_call([&] {
        Oid result_type;
        if (get_call_result_type(fcinfo, &result_type, nullptr) == TYPEFUNC_COMPOSITE) {
            InitMaterializedSRF(fcinfo, 0);
            return;
        }
        // SETOF <scalar>: InitMaterializedSRF wants a row type, so the same set-up by hand, with a
        // one-column descriptor.
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("set-valued function called in context that cannot accept a set")));
        MemoryContext caller = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
        TupleDesc desc = CreateTemplateTupleDesc(1);
        TupleDescInitEntry(desc, 1, "result", result_type, -1, 0);
        rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0, false, work_mem);
        rsinfo->setDesc = desc;
        rsinfo->returnMode = SFRM_Materialize;
        MemoryContextSwitchTo(caller);
    });
}

void append_int8_to_set(FunctionCallInfo fcinfo, int64_t value) {
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    pg_call([&] {
        Datum datum = Int64GetDatum(value);
        bool is_null = false;
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &datum, &is_null);  // copies
    });
}

void Result::append_to_set(FunctionCallInfo fcinfo) const { append_to_set(fcinfo, {}); }

void Result::append_to_set(FunctionCallInfo fcinfo, const std::vector<std::string>& first_column) const {
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    SPITupleTable* table = table_;
    const uint64_t rows = rows_;
    if (rows == 0) return;
    if (!first_column.empty() && first_column.size() != rows)
        throw std::logic_error("kobatela: append_to_set needs one first-column value per row");
    std::vector<Datum> firsts;
    firsts.reserve(first_column.size());
    for (const std::string& text : first_column) firsts.push_back(text_datum(text));
    const Datum* first = firsts.empty() ? nullptr : firsts.data();
    pg_call([&] {
        TupleDesc target = rsinfo->setDesc;
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * target->natts));
        bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * target->natts));
        int first_live = 0;  // the target's first live column
        while (first_live < target->natts && TupleDescAttr(target, first_live)->attisdropped) first_live++;
        for (uint64_t row = 0; row < rows; row++) {
            deform_into(target, table->vals[row], table->tupdesc, values, nulls);
            if (first != nullptr && first_live < target->natts) {
                values[first_live] = first[row];
                nulls[first_live] = false;
            }
            tuplestore_putvalues(rsinfo->setResult, target, values, nulls);  // copies
        }
    });
}

}  // namespace koba::pg
