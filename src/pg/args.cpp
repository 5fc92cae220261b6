#include "pg/args.hpp"

#include "core/errors.hpp"
#include "core/metadata.hpp"
#include "core/money.hpp"
#include "pg/guard.hpp"

#include <cmath>

extern "C" {
#include "access/detoast.h"
}

namespace koba::pg {

using core::Error;
using core::ErrorCode;

bool Args::is_null(int i) const { return i >= PG_NARGS() || PG_ARGISNULL(i); }

Datum Args::required(int i, const char* name) const {
    if (is_null(i)) throw Error(ErrorCode::INVALID_ARGUMENT, std::string(name) + " must not be NULL.");
    return PG_GETARG_DATUM(i);
}

int64_t Args::int8(int i, const char* name) const { return DatumGetInt64(required(i, name)); }
int32_t Args::int4(int i, const char* name) const { return DatumGetInt32(required(i, name)); }
bool Args::boolean(int i, const char* name) const { return DatumGetBool(required(i, name)); }

double Args::float8(int i, const char* name) const {
    const double value = DatumGetFloat8(required(i, name));
    if (!std::isfinite(value))
        throw Error(ErrorCode::INVALID_ARGUMENT, std::string(name) + " must be a finite number.");
    return value;
}

std::string Args::text(int i, const char* name) const { return text_value(required(i, name)); }

bool Args::larger_than(int i, std::size_t max_bytes) const {
    const Datum value = PG_GETARG_DATUM(i);
    const std::size_t raw = pg_call([&] { return toast_raw_datum_size(value); });  // header included
    return raw - VARHDRSZ > max_bytes;
}

namespace {
std::string too_large(const char* name, std::size_t max_bytes) {
    return std::string(name) + " is larger than " + std::to_string(max_bytes) + " bytes.";
}
}  // namespace

std::string Args::bounded_text(int i, const char* name, std::size_t max_bytes) const {
    required(i, name);
    if (larger_than(i, max_bytes)) throw Error(ErrorCode::INVALID_ARGUMENT, too_large(name, max_bytes));
    return text(i, name);
}

std::string Args::bounded_bytea(int i, const char* name, std::size_t max_bytes) const {
    required(i, name);
    if (larger_than(i, max_bytes)) throw Error(ErrorCode::INVALID_ARGUMENT, too_large(name, max_bytes));
    return bytea(i, name);
}

std::string Args::bounded_jsonb(int i, const char* name, const core::JsonLimits& limits) const {
    required(i, name);
    // jsonb's binary form of a document is at most a few times larger than its text (8 bytes of
    // headers per value at worst, for deep nesting): a value over 8 times the limit is refused
    // before it is printed; the text is then measured exactly.
    if (larger_than(i, 8 * limits.max_bytes)) throw Error(ErrorCode::INVALID_JSON, too_large(name, limits.max_bytes));
    std::string document = jsonb(i, name);
    core::require_json_within(document, limits, name);
    return document;
}

std::string Args::metadata(int i) const {
    if (is_null(i)) return std::string(core::kNoMetadata);
    // As bounded_jsonb: a value over 8 times the bound is refused before it is printed.
    if (larger_than(i, 8 * core::kMetadataMaxBytes)) core::require_metadata_size(8 * core::kMetadataMaxBytes + 1);
    std::string document = jsonb_text(PG_GETARG_DATUM(i));
    core::require_metadata(document);
    return document;
}

std::string Args::bytea(int i, const char* name) const { return bytea_value(required(i, name)); }
std::string Args::jsonb(int i, const char* name) const { return jsonb_text(required(i, name)); }

UnixMicros Args::timestamptz(int i, const char* name) const {
    return timestamptz_value(required(i, name));
}

int64_t Args::amount(int i, const char* name) const {
    return core::require_positive_amount(numeric_text(required(i, name)));
}

std::optional<int64_t> Args::opt_limit(int i, const char* name) const {
    if (is_null(i)) return std::nullopt;
    return core::require_limit_amount(numeric_text(PG_GETARG_DATUM(i)), name);
}

std::string Args::enum_label(int i, const char* name) const { return pg::enum_label(required(i, name)); }

std::optional<UnixMicros> Args::opt_timestamptz(int i) const {
    if (is_null(i)) return std::nullopt;
    return timestamptz_value(PG_GETARG_DATUM(i));
}

std::optional<int64_t> Args::opt_int8(int i) const {
    if (is_null(i)) return std::nullopt;
    return DatumGetInt64(PG_GETARG_DATUM(i));
}

std::optional<int32_t> Args::opt_int4(int i) const {
    if (is_null(i)) return std::nullopt;
    return DatumGetInt32(PG_GETARG_DATUM(i));
}

std::optional<std::string> Args::opt_text(int i) const {
    if (is_null(i)) return std::nullopt;
    return text_value(PG_GETARG_DATUM(i));
}

}  // namespace koba::pg
