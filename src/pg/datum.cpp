#include "pg/datum.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"
#include "pg/guard.hpp"
#include "pg/subtransaction.hpp"

extern "C" {
#include "utils/array.h"
}

namespace koba::pg {

namespace {

std::string varlena_bytes(Datum value) {
    const struct varlena* v = pg_call([&] { return pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(DatumGetPointer(value))); });
    return std::string(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

Datum varlena_datum(std::string_view bytes) {
    if (bytes.size() > MaxAllocSize - VARHDRSZ) throw std::bad_alloc();
    return pg_call([&] {
        bytea* v = static_cast<bytea*>(palloc(bytes.size() + VARHDRSZ));
        SET_VARSIZE(v, bytes.size() + VARHDRSZ);
        memcpy(VARDATA(v), bytes.data(), bytes.size());
        return PointerGetDatum(v);
    });
}
}  // namespace

Datum text_datum(std::string_view value) { return varlena_datum(value); }
std::string text_value(Datum value) { return varlena_bytes(value); }
Datum bytea_datum(std::string_view bytes) { return varlena_datum(bytes); }

std::string bytea_value(Datum value) { return varlena_bytes(value); }

Datum text_array_datum(const std::vector<std::string>& values) {
    std::vector<Datum> elements;
    elements.reserve(values.size());
    for (const std::string& v : values) elements.push_back(text_datum(v));
    Datum* data = elements.data();
    const int count = static_cast<int>(elements.size());
    return pg_call([&] { return PointerGetDatum(construct_array(data, count, TEXTOID, -1, false, TYPALIGN_INT)); });
}

Datum whole_numeric_datum(int64_t value) {
    return pg_call([&] { return NumericGetDatum(int64_to_numeric(value)); });
}

Datum numeric_datum(int64_t cents) {
    const std::string text = core::format_cents(cents);
    const char* cstr = text.c_str();
    return pg_call([&] {
        return DirectFunctionCall3(numeric_in, CStringGetDatum(cstr), ObjectIdGetDatum(InvalidOid),
                                   Int32GetDatum(-1));
    });
}

std::string numeric_text(Datum value) {
    char* text = pg_call([&] { return DatumGetCString(DirectFunctionCall1(numeric_out, value)); });
    std::string result(text);
    pg_call([&] { pfree(text); });
    return result;
}

Datum own_jsonb_datum(std::string_view json_text) {
    const std::string text(json_text);
    const char* cstr = text.c_str();
    return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(cstr)); });
}

std::optional<Datum> try_jsonb_datum(std::string_view json_text, std::string* refusal) {
    const std::string text(json_text);  // jsonb_in wants a NUL-terminated string
    const char* cstr = text.c_str();
    // PostgreSQL's own parser judges the text; in a subtransaction, so that its refusal can become
    // Kobatela's error with the caller's transaction still usable.
    const Recovered<Datum> parsed =
        recoverable([&] { return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(cstr)); }); });
    if (parsed.ok()) return parsed.value();
    // What the text itself is to blame for: a syntax error, any data exception (a \u0000 escape,
    // which jsonb cannot hold: 22P05; a number beyond numeric's range: 22003) and a document nested
    // too deep for the parser (54001). Anything else (out of memory...) stays itself.
    const RolledBackError& error = parsed.error();
    if (!error.is_data_exception() && error.sqlerrcode() != ERRCODE_STATEMENT_TOO_COMPLEX) error.raise();
    if (refusal != nullptr) *refusal = error.message();
    return std::nullopt;
}

Datum jsonb_datum(std::string_view json_text) {
    std::string refusal;
    const std::optional<Datum> document = try_jsonb_datum(json_text, &refusal);
    if (!document) throw core::Error(core::ErrorCode::INVALID_JSON, "Malformed JSON: " + refusal);
    return *document;
}

std::string jsonb_text(Datum value) {
    char* text = pg_call([&] { return DatumGetCString(DirectFunctionCall1(jsonb_out, value)); });
    std::string result(text);
    pg_call([&] { pfree(text); });
    return result;
}

std::optional<std::string> JsonbField::as_text() const {
    if (type == JsonbType::Absent || type == JsonbType::Null) return std::nullopt;
    return text;
}

bool jsonb_is_object(Datum document) {
    return pg_call([&] { return JB_ROOT_IS_OBJECT(DatumGetJsonbP(document)); });
}

namespace {
// The ->> text of one jsonb value (jsonb_object_field_text's rules), palloc'd; NULL for null.
char* jsonb_value_text(const JsonbValue* value) {
    switch (value->type) {
        case jbvNull: return nullptr;
        case jbvString: return pnstrdup(value->val.string.val, value->val.string.len);
        case jbvNumeric: return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)));
        case jbvBool: return pstrdup(value->val.boolean ? "true" : "false");
        default: return JsonbToCString(nullptr, value->val.binary.data, value->val.binary.len);
    }
}

JsonbType jsonb_value_type(const JsonbValue* value) {
    switch (value->type) {
        case jbvNull: return JsonbType::Null;
        case jbvString: return JsonbType::String;
        case jbvNumeric: return JsonbType::Number;
        case jbvBool: return JsonbType::Boolean;
        default: return JsonbType::Container;
    }
}
}  // namespace

JsonbField jsonb_field(Datum document, std::string_view key) {
    const char* name = key.data();
    const uint32 length = static_cast<uint32>(key.size());
    JsonbType type = JsonbType::Absent;
    char* text = pg_call([&]() -> char* {
        Jsonb* jsonb = DatumGetJsonbP(document);
        if (!JB_ROOT_IS_OBJECT(jsonb)) return nullptr;
        JsonbValue* value = getKeyJsonValueFromContainer(&jsonb->root, name, length, nullptr);
        if (value == nullptr) return nullptr;
        type = jsonb_value_type(value);
        return jsonb_value_text(value);
    });
    JsonbField field{type, text != nullptr ? std::string(text) : std::string()};
    if (text != nullptr) pg_call([&] { pfree(text); });
    return field;
}

Datum enum_datum(Oid enum_type, const char* label) {
    return pg_call([&] { return DirectFunctionCall2(enum_in, CStringGetDatum(label), ObjectIdGetDatum(enum_type)); });
}

std::string enum_label(Datum value) {
    char* text = pg_call([&] { return DatumGetCString(DirectFunctionCall1(enum_out, value)); });
    std::string result(text);
    pg_call([&] { pfree(text); });
    return result;
}

Datum record_datum(FunctionCallInfo fcinfo, const std::vector<std::optional<Datum>>& values) {
    const int count = static_cast<int>(values.size());
    return pg_call([&] {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "kobatela: function does not return a composite type");
        if (desc->natts != count) elog(ERROR, "kobatela: record has the wrong number of columns");
        desc = BlessTupleDesc(desc);
        Datum* datums = static_cast<Datum*>(palloc0(sizeof(Datum) * count));
        bool* nulls = static_cast<bool*>(palloc0(sizeof(bool) * count));
        for (int i = 0; i < count; i++) {
            nulls[i] = !values[i].has_value();
            if (!nulls[i]) datums[i] = *values[i];
        }
        return HeapTupleGetDatum(heap_form_tuple(desc, datums, nulls));
    });
}

Datum timestamptz_datum(UnixMicros micros) {
    return TimestampTzGetDatum(micros - kPostgresEpochOffsetMicros);
}

UnixMicros timestamptz_value(Datum value) {
    const TimestampTz ts = DatumGetTimestampTz(value);
    if (TIMESTAMP_NOT_FINITE(ts))
        throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "Timestamps must be finite.");
    return ts + kPostgresEpochOffsetMicros;
}

UnixMicros clock_micros() {
    return pg_call([] { return GetCurrentTimestamp(); }) + kPostgresEpochOffsetMicros;
}

UnixMicros now_micros() {
    return pg_call([] { return GetCurrentTransactionStartTimestamp(); }) + kPostgresEpochOffsetMicros;
}

}  // namespace koba::pg
