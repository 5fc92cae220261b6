// Reads an SQL function's arguments. Kobatela's functions are not STRICT: a NULL where a value is
// required is an INVALID_ARGUMENT error naming the argument, not a silent NULL result.
#pragma once

#include "core/json_limits.hpp"
#include "pg/datum.hpp"
#include "pg/postgres.hpp"

namespace koba::pg {

class Args {
public:
    explicit Args(FunctionCallInfo call) : fcinfo(call) {}

    bool is_null(int i) const;
    // How many arguments the call has: one C function may serve an SQL function's overloads.
    int count() const { return fcinfo->nargs; }

    int64_t int8(int i, const char* name) const;
    int32_t int4(int i, const char* name) const;
    bool boolean(int i, const char* name) const;
    double float8(int i, const char* name) const;  // finite only
    std::string text(int i, const char* name) const;
    std::string bytea(int i, const char* name) const;
    std::string jsonb(int i, const char* name) const;  // the document as text
    // The same, refused before it is copied when its value holds more than max_bytes
    // (INVALID_ARGUMENT "<name> is larger than N bytes"): for arguments with no other bound.
    std::string bounded_text(int i, const char* name, std::size_t max_bytes) const;
    std::string bounded_bytea(int i, const char* name, std::size_t max_bytes) const;
    // A JSON argument within its size and nesting limits (INVALID_JSON otherwise).
    std::string bounded_jsonb(int i, const char* name, const core::JsonLimits& limits) const;
    // An optional metadata argument (core/metadata.hpp): its text within the bounds, else
    // INVALID_METADATA; "{}" when it is NULL or the call has no argument i.
    std::string metadata(int i) const;
    // Whether argument i (not NULL) holds more than max_bytes, without detoasting it.
    bool larger_than(int i, std::size_t max_bytes) const;
    UnixMicros timestamptz(int i, const char* name) const;
    // A numeric amount of money: > 0, at most 2 decimals, fits numeric(18,2); else BAD_AMOUNT.
    int64_t amount(int i, const char* name) const;
    // An optional limit of money: NULL, or >= 0 with at most 2 decimals; else BAD_AMOUNT.
    std::optional<int64_t> opt_limit(int i, const char* name) const;

    std::string enum_label(int i, const char* name) const;  // an enum argument's label

    std::optional<int64_t> opt_int8(int i) const;
    std::optional<int32_t> opt_int4(int i) const;
    std::optional<UnixMicros> opt_timestamptz(int i) const;
    std::optional<std::string> opt_text(int i) const;

private:
    Datum required(int i, const char* name) const;
    FunctionCallInfo fcinfo;  // named so that PG_GETARG_* / PG_ARGISNULL work
};

}  // namespace koba::pg
