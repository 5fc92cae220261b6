// Conversions between PostgreSQL Datums and C++ values. Every function here may raise a
// PostgreSQL error internally; they all go through pg_call, so callers only ever see C++
// exceptions.
//
// Money crosses the boundary as exact decimal text (numeric_out / numeric_in), never as a double,
// and lives in C++ as int64 cents (core/money.hpp).
#pragma once

#include "pg/postgres.hpp"

namespace koba::pg {

// Microseconds since 1970-01-01 00:00:00 UTC: the C++ side's timestamp.
using UnixMicros = int64_t;

// PostgreSQL counts timestamps from 2000-01-01; C++ from 1970-01-01.
constexpr int64_t kPostgresEpochOffsetMicros = int64_t{POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE} * USECS_PER_DAY;

Datum text_datum(std::string_view value);
std::string text_value(Datum value);

Datum bytea_datum(std::string_view bytes);
std::string bytea_value(Datum value);

Datum text_array_datum(const std::vector<std::string>& values);  // text[], 1-D

Datum numeric_datum(int64_t cents);
// A whole number as numeric (a count, seconds), not cents.
Datum whole_numeric_datum(int64_t value);
// The numeric's text as PostgreSQL prints it (e.g. "12.50", "NaN", "1E+20" never: numeric_out
// prints plain digits); parse with core::parse_amount.
std::string numeric_text(Datum value);

// JSON text from outside (an argument, a webhook body, anchors): PostgreSQL's parser judges it in
// a subtransaction (pg::recoverable), so a malformed text raises INVALID_JSON.
Datum jsonb_datum(std::string_view json_text);
// The same judgement, for a caller that words the refusal itself: the document, or nothing when
// the text is to blame (a syntax error, a data exception, nesting too deep: `refusal` then holds
// PostgreSQL's message). Any other error (out of memory...) goes on as itself.
std::optional<Datum> try_jsonb_datum(std::string_view json_text, std::string* refusal = nullptr);
// JSON Kobatela wrote itself (core::JsonObject: events, alerts, audit data, answers): parsed
// directly, without the subtransaction's cost; a malformed text would be Kobatela's bug, and
// stays PostgreSQL's own error.
Datum own_jsonb_datum(std::string_view json_text);
std::string jsonb_text(Datum value);

// One field of a jsonb document, read in C++ from the parsed form (no statement, no second parse).
enum class JsonbType : uint8_t { Absent, Null, String, Number, Boolean, Container };
struct JsonbField {
    JsonbType type = JsonbType::Absent;  // Absent: no such key, or the document is not an object
    std::string text;                    // as ->> gives it: a string's content, a number's digits,
                                         // true/false, a container's JSON text; "" for Null/Absent
    // What `document ->> key` returns: the text, or NULL (Absent or Null).
    std::optional<std::string> as_text() const;
};
bool jsonb_is_object(Datum document);
JsonbField jsonb_field(Datum document, std::string_view key);

// Enum values by label; the type is the calling function's result or argument type.
Datum enum_datum(Oid enum_type, const char* label);
std::string enum_label(Datum value);

// A composite result (RETURNS record with OUT arguments, or a named row type), from values in
// column order; std::nullopt is NULL. Allocated in the caller's memory.
Datum record_datum(FunctionCallInfo fcinfo, const std::vector<std::optional<Datum>>& values);

Datum timestamptz_datum(UnixMicros micros);
UnixMicros timestamptz_value(Datum value);
UnixMicros now_micros();  // the transaction's now(), like SQL now()
// The wall clock at this moment, like SQL clock_timestamp(): for decisions about validity (expiry),
// which are made when they are made, not when the caller's transaction began.
UnixMicros clock_micros();

}  // namespace koba::pg
