// The audit trail: kobatela.audit_row(), the generic row trigger on every table, and the writer of
// audit records, one per business action, hash-chained per backend ("lane"). docs/audit.md explains
// the design; in short:
//
//  * Capture, not write. The trigger renders each row change (the row, or an update's changed
//    columns, secrets masked) into a change kept in backend memory (core/audit_record.hpp); the
//    changes of one API call become one record when the call returns (pg::set_call_end_hook),
//    those made outside any call one record at COMMIT (XACT_EVENT_PRE_COMMIT). A subtransaction
//    that rolls back discards what it captured.
//  * One INSERT per record, through a cached plan (pg::Statement): PostgreSQL's executor checks
//    constraints, privileges and indexes as for any INSERT. It runs as audit_log's owner with
//    row-level security not forced (as PostgreSQL's foreign-key triggers run as the referenced
//    table's owner), so that writing never needs the caller to hold privileges on audit_log, and
//    row-level security cannot hide the lane's tip.
//  * Lanes. Each backend appends to its own chain, lane = MyBackendId (unique among live backends),
//    so concurrent writers never wait on one hot row. A lane's tip (last seq and hash) is read from
//    audit_log once, when the backend first writes, and then kept in memory: advanced tentatively
//    by each record, made final at COMMIT, put back at ROLLBACK TO SAVEPOINT, forgotten (re-read on
//    next use) at ROLLBACK. PREPARE TRANSACTION, which would let a transaction outlive its
//    backend, is refused when it wrote or holds audit records.
//  * The hashed form of a record is core/audit_chain.hpp's: the `changes` text is hashed byte for
//    byte as it is stored (a json column keeps its text), so no output format enters the hash.
//  * The books' guard. The same trigger refuses (BOOKS_WRITE_REFUSED) the writes to money rows
//    that core/books.hpp lists, unless Kobatela itself is writing them (an audit reason is live,
//    or the extension script runs): folded in here so that it costs no trigger of its own, runs
//    whenever auditing runs (and, like it, not at all in replica mode, as a restore runs), and
//    reads the rows this trigger deforms anyway.
//  * Per-relation cache of what rendering a row needs (column kinds, output functions), dropped
//    when the relation's relcache entry is invalidated (ALTER TABLE...).
#include "audit/audit.hpp"

#include "audit/extension_tables.hpp"
#include "audit/row_read.hpp"
#include "context/identity.hpp"
#include "context/key_use.hpp"
#include "core/audit_chain.hpp"
#include "core/audit_record.hpp"
#include "core/books.hpp"
#include "core/errors.hpp"
#include "core/hmac.hpp"
#include "core/json_writer.hpp"
#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <unordered_map>

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "common/shortest_dec.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/xid8.h"
}

namespace koba::audit {

namespace {

// ---- backend state (core/audit_chain.hpp has the logic, unit-tested) --------------------------

enum Which { kReason = 0, kActor = 1 };
core::OverrideStack g_overrides[2];  // AuditReason, AuditActor

// The innermost reason or actor, or nullptr for the default (none set, or an AuditDefaults).
const std::string* current_override(Which which) {
    const std::string* top = g_overrides[which].top();
    return top != nullptr && !top->empty() ? top : nullptr;
}

core::LaneTip g_tip;                // this backend's lane
Oid g_tip_relid = InvalidOid;       // the audit_log it was read from

core::PendingChanges g_pending;  // captured, not yet written (core/audit_record.hpp)
int g_hold_depth = 0;            // > 0: captures go to the held group (HoldForNextRecord)

// kobatela.audit_log's oid and owner, looked up on first use and again after a relcache
// invalidation of it (or of everything).
struct AuditLogTable {
    Oid relid = InvalidOid;
    Oid owner = InvalidOid;
    bool holds_records = false;  // it has the column `changes` (0.7.0 on)
};
AuditLogTable g_audit_log;

// ---- the per-relation cache --------------------------------------------------------------------

enum class Kind : uint8_t {
    Dropped,
    Masked,       // secrets: "[masked]"
    Int2,
    Int4,
    Int8,
    Bool,
    Jsonb,        // embedded as JSON
    Json,
    Text,         // text, varchar, bpchar: the bytes as a JSON string
    Float4,
    Float8,       // shortest exact decimal, whatever extra_float_digits says
    Timestamptz,  // ISO 8601 in UTC, whatever DateStyle and TimeZone say
    Timestamp,
    Date,
    Output,       // anything else (numeric, enums...): the type's output function
};

struct Column {
    std::string name;
    std::string json_key;          // "name": (escaped, with the separator jsonb_out prints)
    Kind kind = Kind::Dropped;
    bool counts_as_change = true;  // false for updated_at
    bool byval = false;
    int16 typlen = 0;
    FmgrInfo output{};             // Kind::Output only; fn_mcxt is the relation's context
};

struct RelationInfo {
    bool valid = true;
    std::string entity;
    std::string action_insert, action_update, action_delete, action_truncate;
    int id_column = -1;  // 0-based index of an integer "id" column, -1 if none
    std::vector<Column> columns;
    std::vector<int> order;  // live columns in jsonb's key order (shorter names first, then bytewise)
    MemoryContext context = nullptr;  // output functions' fn_mcxt
    const core::BooksTable* books = nullptr;  // the books' guard of this table (core/books.hpp), if any
    std::vector<int> guarded;                 // UPDATE: the columns (0-based) whose change it refuses

    RelationInfo() = default;
    RelationInfo(const RelationInfo&) = delete;
    RelationInfo& operator=(const RelationInfo&) = delete;
    ~RelationInfo() {
        if (context != nullptr) MemoryContextDelete(context);  // cannot raise
    }
};

std::unordered_map<Oid, std::unique_ptr<RelationInfo>> g_relations;
std::vector<std::unique_ptr<RelationInfo>> g_retired;  // replaced entries an outer call may still use
bool g_relations_dirty = false;
int g_trigger_depth = 0;  // entries are not freed while a trigger call may be using them

// ---- PostgreSQL callbacks (called from C: they must not throw) ---------------------------------

void clear_overrides() noexcept {
    g_overrides[kReason].clear();
    g_overrides[kActor].clear();
}

[[noreturn]] void raise_two_phase_not_supported() {
    // Plain C data only: ereport longjmps out of here.
    const core::ErrorInfo& info = core::error_info(core::ErrorCode::TWO_PHASE_NOT_SUPPORTED);
    const char* s = info.sqlstate;
    ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])), errmsg_internal("%s", info.name),
                    errdetail_internal("%s", info.detail)));
    pg_unreachable();
}

void flush_at_commit();  // (the writer, below)
void flush_call();

void forget_transaction() noexcept {
    clear_overrides();
    g_pending.clear();
    g_hold_depth = 0;
    pg::reset_call_depth();
}

void on_transaction_event(XactEvent event, void* /*arg*/) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            // The changes made outside any API call, and a key's use no change followed, become
            // records now, in the transaction (a failure here fails the COMMIT).
            if (g_pending.any()) pg::run_callback(flush_at_commit, "the audit trail's commit");
            break;
        case XACT_EVENT_PRE_PREPARE:
            // A prepared transaction outlives its backend: the lane could pass to another backend
            // while its records are neither committed nor rolled back.
            if (g_tip.has_pending() || g_pending.any()) raise_two_phase_not_supported();
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
            g_tip.commit();
            forget_transaction();
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:  // (never with audit records: refused at PRE_PREPARE)
            g_tip.abort();
            forget_transaction();
            break;
        default:
            break;
    }
}

void on_subtransaction_event(SubXactEvent event, SubTransactionId /*sub*/, SubTransactionId /*parent*/,
                             void* /*arg*/) {
    if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB) return;
    const int level = GetCurrentTransactionNestLevel();  // still the ending subtransaction's
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        g_tip.subabort(level);
        g_pending.subabort(level);
        for (core::OverrideStack& stack : g_overrides) stack.subabort(level);
    } else {
        g_tip.subcommit(level);
        g_pending.subcommit(level);
        for (core::OverrideStack& stack : g_overrides) stack.subcommit(level);
    }
}

void on_relcache_invalidation(Datum /*arg*/, Oid relid) {
    if (relid == InvalidOid) {
        for (auto& entry : g_relations) entry.second->valid = false;
        g_audit_log = AuditLogTable{};
    } else {
        const auto it = g_relations.find(relid);
        if (it != g_relations.end()) it->second->valid = false;
        if (relid == g_audit_log.relid) g_audit_log = AuditLogTable{};
    }
    g_relations_dirty = true;
}

void ensure_callbacks() {
    static bool registered = false;
    if (registered) return;
    pg::pg_call([] {
        RegisterXactCallback(on_transaction_event, nullptr);
        RegisterSubXactCallback(on_subtransaction_event, nullptr);
        CacheRegisterRelcacheCallback(on_relcache_invalidation, Datum(0));
    });
    pg::set_call_end_hook(flush_call);
    registered = true;
}

int nest_level() {
    return pg::pg_call([] { return GetCurrentTransactionNestLevel(); });
}

// ---- rendering rows as JSON --------------------------------------------------------------------

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

Kind kind_of(Oid type) {
    switch (type) {
        case INT2OID: return Kind::Int2;
        case INT4OID: return Kind::Int4;
        case INT8OID: return Kind::Int8;
        case BOOLOID: return Kind::Bool;
        case JSONBOID: return Kind::Jsonb;
        case JSONOID: return Kind::Json;
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID: return Kind::Text;
        case FLOAT4OID: return Kind::Float4;
        case FLOAT8OID: return Kind::Float8;
        case TIMESTAMPTZOID: return Kind::Timestamptz;
        case TIMESTAMPOID: return Kind::Timestamp;
        case DATEOID: return Kind::Date;
        default: return Kind::Output;
    }
}

std::unique_ptr<RelationInfo> build_relation_info(Relation relation) {
    auto info = std::make_unique<RelationInfo>();
    TupleDesc desc = RelationGetDescr(relation);
    const char* relname = RelationGetRelationName(relation);
    info->entity = relname;
    const std::string prefix = upper(info->entity);
    info->action_insert = prefix + "_INSERT";
    info->action_update = prefix + "_UPDATE";
    info->action_delete = prefix + "_DELETE";
    info->action_truncate = prefix + "_TRUNCATE";
    info->books = core::books_table(info->entity);
    info->context = pg::pg_call([&] {
        MemoryContext context = AllocSetContextCreate(CacheMemoryContext, "kobatela audit relation", ALLOCSET_SMALL_SIZES);
        MemoryContextCopyAndSetIdentifier(context, relname);
        return context;
    });
    const int natts = desc->natts;
    info->columns.resize(natts);  // sized once: FmgrInfo never moves afterwards
    for (int i = 0; i < natts; i++) {
        const Form_pg_attribute attribute = TupleDescAttr(desc, i);
        Column& column = info->columns[i];
        if (attribute->attisdropped) continue;
        column.name = NameStr(attribute->attname);
        column.byval = attribute->attbyval;
        column.typlen = attribute->attlen;
        column.counts_as_change = column.name != "updated_at";
        const Oid type = attribute->atttypid;
        const Oid base = pg::pg_call([&] { return getBaseType(type); });
        column.kind = core::is_secret_column(column.name) ? Kind::Masked : kind_of(base);
        if (column.kind == Kind::Output) {
            FmgrInfo* output = &column.output;
            MemoryContext context = info->context;
            pg::pg_call([&] {
                Oid function;
                bool is_varlena;
                getTypeOutputInfo(type, &function, &is_varlena);
                fmgr_info_cxt(function, output, context);
            });
        }
        if (column.name == "id" && (base == INT2OID || base == INT4OID || base == INT8OID)) info->id_column = i;
        if (info->books != nullptr && core::books_column_guarded(*info->books, column.name)) info->guarded.push_back(i);
        core::append_json_string(column.json_key, column.name);
        column.json_key += ": ";
        info->order.push_back(i);
    }
    std::sort(info->order.begin(), info->order.end(), [&](int a, int b) {
        const std::string& x = info->columns[a].name;
        const std::string& y = info->columns[b].name;
        return x.size() != y.size() ? x.size() < y.size() : x < y;
    });
    return info;
}

RelationInfo& relation_info(Relation relation) {
    if (g_relations_dirty && g_trigger_depth == 1) {  // no outer call is using an entry
        for (auto it = g_relations.begin(); it != g_relations.end();)
            it = it->second->valid ? std::next(it) : g_relations.erase(it);
        g_retired.clear();
        g_relations_dirty = false;
    }
    const Oid relid = RelationGetRelid(relation);
    const auto it = g_relations.find(relid);
    if (it != g_relations.end() && it->second->valid) return *it->second;
    std::unique_ptr<RelationInfo> info = build_relation_info(relation);
    RelationInfo& result = *info;
    if (it != g_relations.end()) {
        // Invalid but possibly in use by an outer trigger call: kept alive until the next purge.
        g_retired.push_back(std::move(it->second));
        it->second = std::move(info);
    } else {
        g_relations.emplace(relid, std::move(info));
    }
    return result;
}

// One value of the audit data. It becomes both the canonical jsonb text that is hashed (exactly
// what jsonb_out will print back from the stored row) and a member of the stored jsonb, built
// directly: no row needs a jsonb parse (jsonb_in) or a jsonb print (jsonb_out) of the document.
struct Value {
    enum class Type : uint8_t { Null, True, False, Int, String, Jsonb };
    Type type = Type::Null;
    int64_t number = 0;
    std::string_view raw;          // String: its bytes (PostgreSQL memory of this call, or static)
    const Jsonb* jsonb = nullptr;  // Jsonb: detoasted
};

struct Member {
    const Column* column;
    Value value;
};

// The audit row's data: {...} (insert, delete: every column) or {"new": {...}, "old": {...}}
// (update: the changed columns), members in jsonb's key order.
struct Data {
    bool is_update = false;
    std::vector<Member> row;      // insert, delete: the row; update: old values
    std::vector<Member> new_row;  // update: new values
};

Value string_value(std::string_view raw) {
    Value v;
    v.type = Value::Type::String;
    v.raw = raw;
    return v;
}

// A copy in the call's memory (the trigger's per-tuple context).
std::string_view call_copy(const char* s) {
    const char* copy = pg::pg_call([&] { return static_cast<const char*>(pstrdup(s)); });
    return std::string_view(copy);
}

Value value_of(const Column& column, Datum datum, bool is_null) {
    Value v;
    if (is_null) return v;
    switch (column.kind) {
        case Kind::Dropped: return v;
        case Kind::Masked: return string_value("[masked]");
        case Kind::Int2: v.type = Value::Type::Int; v.number = DatumGetInt16(datum); return v;
        case Kind::Int4: v.type = Value::Type::Int; v.number = DatumGetInt32(datum); return v;
        case Kind::Int8: v.type = Value::Type::Int; v.number = DatumGetInt64(datum); return v;
        case Kind::Bool: v.type = DatumGetBool(datum) ? Value::Type::True : Value::Type::False; return v;
        case Kind::Text: {
            const struct varlena* t = pg::pg_call(
                [&] { return pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(DatumGetPointer(datum))); });
            return string_value(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
        }
        case Kind::Json:
        case Kind::Jsonb: {
            // A json column is converted to jsonb (the audit data is one jsonb document).
            const bool is_json = column.kind == Kind::Json;
            v.type = Value::Type::Jsonb;
            v.jsonb = pg::pg_call([&] {
                const Datum j = is_json ? DirectFunctionCall1(jsonb_in, DirectFunctionCall1(json_out, datum)) : datum;
                return static_cast<const Jsonb*>(DatumGetJsonbP(j));
            });
            return v;
        }
        case Kind::Float4:
        case Kind::Float8: {
            const double d = column.kind == Kind::Float4 ? static_cast<double>(DatumGetFloat4(datum)) : DatumGetFloat8(datum);
            if (std::isnan(d)) return string_value("NaN");
            if (std::isinf(d)) return string_value(d > 0 ? "Infinity" : "-Infinity");
            char buffer[DOUBLE_SHORTEST_DECIMAL_LEN + 1];
            double_to_shortest_decimal_buf(d, buffer);
            return string_value(call_copy(buffer));
        }
        case Kind::Timestamptz:
        case Kind::Timestamp:
        case Kind::Date: {
            char buffer[MAXDATELEN + 1];
            const Oid type = column.kind == Kind::Timestamptz ? TIMESTAMPTZOID
                             : column.kind == Kind::Timestamp ? TIMESTAMPOID
                                                              : DATEOID;
            static const int kUtc = 0;
            char* b = buffer;
            pg::pg_call([&] { JsonEncodeDateTime(b, datum, type, type == TIMESTAMPTZOID ? &kUtc : nullptr); });
            return string_value(call_copy(buffer));
        }
        case Kind::Output: {
            FmgrInfo* output = const_cast<FmgrInfo*>(&column.output);
            return string_value(pg::pg_call([&] { return static_cast<const char*>(OutputFunctionCall(output, datum)); }));
        }
    }
    return v;
}

// The value as jsonb_out prints it.
void append_canonical(std::string& out, const Value& v) {
    switch (v.type) {
        case Value::Type::Null: out += "null"; return;
        case Value::Type::True: out += "true"; return;
        case Value::Type::False: out += "false"; return;
        case Value::Type::Int: {
            char buffer[24];
            const int n = snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(v.number));
            out.append(buffer, static_cast<size_t>(n));
            return;
        }
        case Value::Type::String: core::append_json_string(out, v.raw); return;
        case Value::Type::Jsonb: {
            const Jsonb* jb = v.jsonb;
            const char* text = pg::pg_call([&] {
                return static_cast<const char*>(JsonbToCString(nullptr, const_cast<JsonbContainer*>(&jb->root), VARSIZE(jb)));
            });
            out += text;
            return;
        }
    }
}

// {"key": value, ...} of members already in jsonb's key order.
void append_object(std::string& out, const std::vector<Member>& members) {
    out += '{';
    for (size_t i = 0; i < members.size(); i++) {
        if (i > 0) out += ", ";
        out += members[i].column->json_key;
        append_canonical(out, members[i].value);
    }
    out += '}';
}

std::string canonical_text(const Data& data) {
    std::string out;
    out.reserve(64 + 48 * (data.row.size() + data.new_row.size()));
    if (!data.is_update) {
        append_object(out, data.row);
    } else {  // "new" sorts before "old" (same length, bytewise)
        out += "{\"new\": ";
        append_object(out, data.new_row);
        out += ", \"old\": ";
        append_object(out, data.row);
        out += '}';
    }
    return out;
}

struct Row {
    Datum* values = nullptr;
    bool* nulls = nullptr;
};

Row deform(HeapTuple tuple, TupleDesc desc) {
    Row row;
    Datum** values = &row.values;
    bool** nulls = &row.nulls;
    pg::pg_call([&] {
        *values = static_cast<Datum*>(palloc(sizeof(Datum) * desc->natts));
        *nulls = static_cast<bool*>(palloc(sizeof(bool) * desc->natts));
        heap_deform_tuple(tuple, desc, *values, *nulls);
    });
    return row;
}

// Every column of a row.
void whole_row(const RelationInfo& info, const Row& row, Data* data) {
    data->row.reserve(info.order.size());
    for (const int i : info.order) {
        const Column& column = info.columns[i];
        data->row.push_back(Member{&column, value_of(column, row.values[i], row.nulls[i])});
    }
}

// The changed columns of an update, old and new; updated_at never counts as a change.
void changed_columns(const RelationInfo& info, const Row& old_row, const Row& new_row, Data* data) {
    data->is_update = true;
    std::string old_text;
    std::string new_text;
    for (const int i : info.order) {
        const Column& column = info.columns[i];
        if (!column.counts_as_change) continue;
        const bool old_null = old_row.nulls[i];
        const bool new_null = new_row.nulls[i];
        if (old_null && new_null) continue;
        if (!old_null && !new_null) {
            const Datum a = old_row.values[i];
            const Datum b = new_row.values[i];
            const bool byval = column.byval;
            const int typlen = column.typlen;
            if (pg::pg_call([&] { return datumIsEqual(a, b, byval, typlen); })) continue;
        }
        const Value old_value = value_of(column, old_row.values[i], old_null);
        const Value new_value = value_of(column, new_row.values[i], new_null);
        // Other bytes, maybe the same value (e.g. compressed): compare what would be recorded,
        // except for a masked secret, whose change is recorded without showing it.
        if (!old_null && !new_null && column.kind != Kind::Masked) {
            old_text.clear();
            new_text.clear();
            append_canonical(old_text, old_value);
            append_canonical(new_text, new_value);
            if (old_text == new_text) continue;
        }
        data->row.push_back(Member{&column, old_value});
        data->new_row.push_back(Member{&column, new_value});
    }
}

// ---- the books' guard (core/books.hpp) ---------------------------------------------------------

// Kobatela itself is writing: one of its functions set an audit reason (backend memory that SQL
// cannot forge, forgotten at the end of the (sub)transaction), or CREATE/ALTER EXTENSION is
// running its script (the upgrade rewrites payments).
bool kobatela_is_writing() { return current_override(kReason) != nullptr || creating_extension; }

// The value of `name` in the row, as the guard's conditions read it (its output text).
std::optional<std::string> column_text(const RelationInfo& info, const Row& row, std::string_view name) {
    for (size_t i = 0; i < info.columns.size(); i++) {
        const Column& column = info.columns[i];
        if (column.kind == Kind::Dropped || column.name != name) continue;
        const Value v = value_of(column, row.values[i], row.nulls[i]);
        switch (v.type) {
            case Value::Type::Null: return std::nullopt;
            case Value::Type::True: return std::string("true");
            case Value::Type::False: return std::string("false");
            case Value::Type::Int: return std::to_string(v.number);
            case Value::Type::String: return std::string(v.raw);
            case Value::Type::Jsonb: return std::nullopt;  // (no condition reads a document)
        }
    }
    return std::nullopt;  // no such column: the condition does not hold
}

// BOOKS_WRITE_REFUSED unless this row change is one the books allow outside Kobatela's API.
// old_row: UPDATE and DELETE; new_row: INSERT and UPDATE.
void guard_books(const RelationInfo& info, core::BooksWrite write, const Row* old_row, const Row* new_row) {
    const core::BooksTable& books = *info.books;
    if (write == core::BooksWrite::Update) {
        for (const int i : info.guarded) {
            const Column& column = info.columns[i];
            const bool old_null = old_row->nulls[i];
            const bool new_null = new_row->nulls[i];
            if (old_null && new_null) continue;
            if (!old_null && !new_null) {
                const Datum a = old_row->values[i];
                const Datum b = new_row->values[i];
                const bool byval = column.byval;
                const int typlen = column.typlen;
                if (pg::pg_call([&] { return datumIsEqual(a, b, byval, typlen); })) continue;
            }
            throw core::books_write_refused(info.entity, write, column.name);
        }
        return;
    }
    const Row* row = write == core::BooksWrite::Insert ? new_row : old_row;
    const std::optional<std::string> refusal = core::books_row_refusal(
        books, write, [&](std::string_view column) { return row != nullptr ? column_text(info, *row, column) : std::nullopt; });
    if (refusal) throw core::books_write_refused(info.entity, write, *refusal);
}

// ---- writing records ---------------------------------------------------------------------------

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Every name and operator is schema-qualified: these statements run as audit_log's owner under
// the caller's search_path.
pg::Statement g_read_tip{
    "SELECT seq, pg_catalog.encode(hash, 'hex') FROM kobatela.audit_log "
    "WHERE lane OPERATOR(pg_catalog.=) $1 ORDER BY seq DESC LIMIT 1",
    {INT4OID}};

// One record: a plain INSERT whose plan is cached for the backend's life (and revalidated by
// PostgreSQL after DDL on audit_log), so constraints, indexes and privileges are the executor's.
pg::Statement g_insert_record{
    "INSERT INTO kobatela.audit_log (at, actor, action, txid, lane, seq, prev_hash, hash, changes, entities) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    {TIMESTAMPTZOID, TEXTOID, TEXTOID, XID8OID, INT4OID, INT8OID, BYTEAOID, BYTEAOID, JSONOID, TEXTARRAYOID}};

std::string_view bytes_of(const core::AuditHash& hash) {
    return std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size());
}

void load_tip(pg::Spi& spi, int32_t lane) {
    const pg::Result last = spi.run(g_read_tip, pg::Params().int4(lane), 1);
    core::ChainTip tip;
    if (!last.empty()) {
        tip.seq = last.int8(0, 1);
        std::string bytes;
        if (!core::from_hex(last.text(0, 2), &bytes) || bytes.size() != tip.hash.size())
            throw std::runtime_error("kobatela: audit_log holds a hash that is not 32 bytes");
        memcpy(tip.hash.data(), bytes.data(), bytes.size());
    }
    g_tip.load(tip);
}

const AuditLogTable& audit_log_table() {
    if (OidIsValid(g_audit_log.relid)) return g_audit_log;
    AuditLogTable* table = &g_audit_log;
    pg::pg_call([&] {
        const Oid relid = get_relname_relid("audit_log", get_namespace_oid("kobatela", false));
        if (!OidIsValid(relid)) elog(ERROR, "kobatela: table kobatela.audit_log does not exist");
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tuple)) elog(ERROR, "kobatela: cache lookup failed for relation %u", relid);
        table->owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
        ReleaseSysCache(tuple);
        table->holds_records = get_attnum(relid, "changes") != InvalidAttrNumber;
        table->relid = relid;
    });
    return g_audit_log;
}

// Writes `changes` (in capture order, all captured at this nesting level or deeper) as one record,
// chained after the lane's tip.
void write_record(std::vector<core::AuditChange> changes) {
    if (changes.empty()) return;
    ensure_callbacks();
    const core::RecordHead head = core::record_head(changes);
    // What audit_log's missing CHECK constraints would say (see sql/tables_identity.sql).
    if (is_blank(head.actor) || is_blank(head.action))
        throw std::invalid_argument("kobatela: an audit record needs a non-blank actor and action");
    const std::string changes_json = core::record_changes_json(changes, head);
    const std::vector<std::string> keys = core::record_entity_keys(changes);
    const int64_t at = pg::pg_call([] { return GetCurrentTimestamp(); }) + pg::kPostgresEpochOffsetMicros;
    const uint64_t txid = pg::pg_call([] { return U64FromFullTransactionId(GetTopFullTransactionId()); });
    const int32_t lane = pg::compat::backend_slot();
    const int level = nest_level();

    const AuditLogTable table = audit_log_table();
    if (!table.holds_records)
        throw core::Error(core::ErrorCode::EXTENSION_VERSION_MISMATCH,
                          "kobatela.audit_log has no column \"changes\": it is older than this library's 0.7.0, "
                          "whose audit records it cannot hold.",
                          "Update the extension to the library's version in the same transaction "
                          "(ALTER EXTENSION kobatela UPDATE).");
    if (g_tip.known() && g_tip_relid != table.relid) g_tip.forget();  // a new audit_log
    const pg::AsTableOwner as_owner(table.owner);  // as audit_log's owner, RLS not forced
    pg::Spi spi;
    if (!g_tip.known()) {
        load_tip(spi, lane);
        g_tip_relid = table.relid;
    }
    const core::ChainTip previous = g_tip.current();
    core::AuditRecord record;
    if (previous.seq > 0) record.prev_hash = bytes_of(previous.hash);
    record.lane = lane;
    record.seq = previous.seq + 1;
    record.at_unix_micros = at;
    record.actor = head.actor;
    record.action = head.action;
    record.txid = txid;
    record.changes = changes_json;
    const core::AuditHash hash = core::audit_record_hash(record);

    g_tip.before_write(level);
    pg::Params params;
    params.timestamptz(at)
        .text(head.actor)
        .text(head.action)
        .xid8(txid)
        .int4(lane)
        .int8(record.seq);
    if (previous.seq > 0) {
        params.bytes(bytes_of(previous.hash));
    } else {
        params.null();
    }
    params.bytes(bytes_of(hash)).json(changes_json).text_array(keys);
    spi.run(g_insert_record, std::move(params));
    g_tip.advance(core::ChainTip{record.seq, hash});
}

// Records can be written now: not while an extension script runs and audit_log is still of a
// version before 0.7.0 (an update from 0.5.0 runs 0.5.0 -> 0.6.0, whose data migration is audited,
// before 0.6.0 -> 0.7.0 adds `changes`): its changes wait, in memory, until the table has its
// shape or the transaction commits.
bool can_write_now() { return audit_log_table().holds_records || !creating_extension; }

// The changes of `group` captured at this level or deeper, written as one record (those captured
// at an outer level stay: a record written here would vanish with this subtransaction).
// `changes` as records of bounded size (core::bounded_records), in order.
void write_records(std::vector<core::AuditChange> changes) {
    for (std::vector<core::AuditChange>& record : core::bounded_records(std::move(changes))) write_record(std::move(record));
}

void write_group(core::ChangeGroup group) {
    if (can_write_now()) write_records(g_pending.take(group, nest_level()));
}

// Captures one change into the group it belongs to, and writes the group if it is full.
void capture(std::string_view action, const std::string& entity, std::optional<int64_t> entity_id,
             std::string_view op, std::string data) {
    ensure_callbacks();
    const std::string* actor_override = current_override(kActor);
    std::string actor = actor_override != nullptr ? *actor_override : context::current_actor();
    // An extension script (CREATE or ALTER EXTENSION) is one action, whatever functions it calls:
    // its changes are the transaction's record(s).
    const core::ChangeGroup group = g_hold_depth > 0                          ? core::ChangeGroup::Held
                                    : pg::in_api_call() && !creating_extension ? core::ChangeGroup::Call
                                                                               : core::ChangeGroup::Outside;
    g_pending.add(group, core::AuditChange{std::move(actor), std::string(action), entity, entity_id, op,
                                           std::move(data), nest_level(), group == core::ChangeGroup::Held});
    if (g_pending.full(group)) write_group(group);
}

// The outermost API call returned (pg::set_call_end_hook): its changes become one record, led by
// the use of the key that authenticated it. Changes made before it outside any call go first, as
// their own record, so that records keep the order of the changes.
void flush_call() {
    if (g_pending.empty(core::ChangeGroup::Call)) return;
    if (creating_extension) return;  // (an extension script's calls: see capture)
    context::record_pending_key_use();  // a key authenticated read-only: its use joins this record
    write_group(core::ChangeGroup::Outside);
    std::vector<core::AuditChange> changes = g_pending.take(core::ChangeGroup::Held, nest_level());
    std::vector<core::AuditChange> call = g_pending.take(core::ChangeGroup::Call, nest_level());
    changes.insert(changes.end(), std::make_move_iterator(call.begin()), std::make_move_iterator(call.end()));
    write_records(std::move(changes));
}

// COMMIT: the changes made outside any API call, then a key's use that no change followed.
void flush_at_commit() {
    if (pg::pg_call([] { return XactReadOnly; })) {  // nothing can have changed; nothing can be written
        g_pending.clear();
        return;
    }
    // The statements of the transaction are over: the INSERTs need a snapshot of their own. (Popped
    // on normal exit; an error's abort clears the stack.)
    pg::pg_call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    write_group(core::ChangeGroup::Outside);
    write_group(core::ChangeGroup::Held);
    write_group(core::ChangeGroup::Call);  // (empty: a call writes its own when it returns)
    pg::pg_call([] { PopActiveSnapshot(); });
}

// Keeps g_trigger_depth right on every exit.
class TriggerDepth {
public:
    TriggerDepth() { ++g_trigger_depth; }
    ~TriggerDepth() { --g_trigger_depth; }
    TriggerDepth(const TriggerDepth&) = delete;
    TriggerDepth& operator=(const TriggerDepth&) = delete;
};

}  // namespace

// ---- AuditReason / AuditActor ------------------------------------------------------------------

namespace detail {

AuditOverride::AuditOverride(int which, std::string_view value, bool allow_default) : which_(which), token_(0) {
    if (is_blank(value) && !allow_default)
        throw std::invalid_argument("kobatela: an audit reason or actor must not be blank");
    ensure_callbacks();
    token_ = g_overrides[which_].push(std::string(value), nest_level());
}

// Normally the top entry; already gone if the (sub)transaction ended while this object lived.
AuditOverride::~AuditOverride() { g_overrides[which_].pop(token_); }

}  // namespace detail

void audit_event(std::string_view action, std::string_view entity, std::optional<int64_t> entity_id,
                 std::string_view data_json) {
    capture(action, std::string(entity), entity_id, "EVENT", std::string(data_json));
}

RowRead read_row(Relation relation, HeapTuple tuple, const std::vector<std::string_view>& columns, bool with_json) {
    ensure_callbacks();  // before the first cache entry: its invalidations must be seen
    const TriggerDepth depth;
    const RelationInfo& info = relation_info(relation);
    const Row row = deform(tuple, RelationGetDescr(relation));
    RowRead read;
    if (with_json) {
        Data data;
        whole_row(info, row, &data);
        read.json = canonical_text(data);
    }
    read.values.reserve(columns.size());
    for (const std::string_view column : columns) read.values.push_back(column_text(info, row, column));
    return read;
}

HoldForNextRecord::HoldForNextRecord() { ++g_hold_depth; }
HoldForNextRecord::~HoldForNextRecord() {
    if (g_hold_depth > 0) --g_hold_depth;  // (already 0 if the transaction ended meanwhile)
}

}  // namespace koba::audit

using namespace koba;

// audit_row() RETURNS trigger: AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW (and AFTER TRUNCATE
// FOR EACH STATEMENT) on every table of schema kobatela but audit_log.
KOBA_FUNCTION(kobatela_audit_row) {
    auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
    const bool is_trigger = CALLED_AS_TRIGGER(fcinfo);
    const TriggerEvent event = is_trigger ? trigger->tg_event : 0;
    if (!is_trigger || !TRIGGER_FIRED_AFTER(event) ||
        (TRIGGER_FIRED_FOR_STATEMENT(event) && !TRIGGER_FIRED_BY_TRUNCATE(event)))
        throw std::logic_error("audit_row: must be an AFTER ... FOR EACH ROW (or AFTER TRUNCATE) trigger");
    // Only Kobatela's own tables are audited: on any other table the rows, entity and data would be
    // the attacker's choosing, written as the log's owner and chained like genuine ones.
    audit::require_extension_table(trigger->tg_relation, "audit_row");

    audit::ensure_callbacks();  // before the first cache entry: its invalidations must be seen
    audit::TriggerDepth depth;
    Relation relation = trigger->tg_relation;
    const audit::RelationInfo& info = audit::relation_info(relation);
    TupleDesc desc = RelationGetDescr(relation);

    audit::Data data;
    const std::string* action = nullptr;
    std::string_view op;
    std::optional<int64_t> entity_id;
    const auto id_of = [&](const audit::Row& row) -> std::optional<int64_t> {
        if (info.id_column < 0 || row.nulls[info.id_column]) return std::nullopt;
        const Datum v = row.values[info.id_column];
        switch (info.columns[info.id_column].kind) {
            case audit::Kind::Int2: return DatumGetInt16(v);
            case audit::Kind::Int4: return DatumGetInt32(v);
            default: return DatumGetInt64(v);
        }
    };
    // The books' guard: a money row written outside Kobatela's functions is refused before it is
    // audited (core/books.hpp says which writes; the statement's error undoes the write itself).
    const bool guard = info.books != nullptr && !audit::kobatela_is_writing();
    if (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_DELETE(event)) {
        const audit::Row row = audit::deform(trigger->tg_trigtuple, desc);
        if (guard) {
            const bool insert = TRIGGER_FIRED_BY_INSERT(event);
            audit::guard_books(info, insert ? core::BooksWrite::Insert : core::BooksWrite::Delete, insert ? nullptr : &row,
                               insert ? &row : nullptr);
        }
        audit::whole_row(info, row, &data);
        entity_id = id_of(row);
        action = TRIGGER_FIRED_BY_INSERT(event) ? &info.action_insert : &info.action_delete;
        op = TRIGGER_FIRED_BY_INSERT(event) ? "INSERT" : "DELETE";
    } else if (TRIGGER_FIRED_BY_UPDATE(event)) {
        const audit::Row old_row = audit::deform(trigger->tg_trigtuple, desc);
        const audit::Row new_row = audit::deform(trigger->tg_newtuple, desc);
        if (guard) audit::guard_books(info, core::BooksWrite::Update, &old_row, &new_row);
        audit::changed_columns(info, old_row, new_row, &data);
        entity_id = id_of(new_row);
        action = &info.action_update;
        op = "UPDATE";
    } else {
        if (guard) audit::guard_books(info, core::BooksWrite::Truncate, nullptr, nullptr);
        action = &info.action_truncate;  // data {}
        op = "TRUNCATE";
    }
    const std::string* reason = audit::current_override(audit::kReason);
    audit::capture(reason != nullptr ? *reason : *action, info.entity, entity_id, op, audit::canonical_text(data));
    return PointerGetDatum(nullptr);  // AFTER trigger: the result is ignored
}
