#include "pg/args.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"

#include <cmath>

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

std::optional<std::string> Args::opt_text(int i) const {
    if (is_null(i)) return std::nullopt;
    return text_value(PG_GETARG_DATUM(i));
}

}  // namespace koba::pg
