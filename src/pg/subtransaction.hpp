// Recovering from a PostgreSQL error: the one way Kobatela carries on after one.
//
// A PostgreSQL error caught by pg_call has not been cleaned up: the failed call may have left
// snapshots pushed, buffers pinned, locks taken, an SPI call half done. PostgreSQL releases all of
// that when the (sub)transaction aborts, so the error must end one. pg::recoverable runs code in
// an internal subtransaction, as PL/pgSQL runs a block with an EXCEPTION clause: on a PostgreSQL
// error the subtransaction is rolled back, and only then is the error handed to the caller, who
// decides in C++ (a catalogued error, a default, or raise() it on unchanged).
//
//   const pg::Recovered<Datum> parsed = pg::recoverable([&] { return parse(text); });
//   if (!parsed.ok()) {
//       if (!parsed.error().is_data_exception()) parsed.error().raise();
//       throw core::Error(core::ErrorCode::INVALID_JSON, parsed.error().message());
//   }
//   return parsed.value();
//
// `f` is ordinary C++ calling PostgreSQL through pg_call (or Spi, datum...). What it writes is kept
// when it returns, undone when it fails. It runs in the caller's memory context and resource
// owner. A C++ exception from `f` rolls the subtransaction back too, then goes on unchanged.
//
// PostgreSQL starts no subtransaction during a parallel operation (a PARALLEL RESTRICTED function
// in a parallel query's leader): there `f` runs unprotected, and a PostgreSQL error goes on as
// itself, never converted, since nothing could roll it back.
#pragma once

#include "pg/guard.hpp"

#include <exception>
#include <optional>
#include <string>

namespace koba::pg {

// A PostgreSQL error whose subtransaction has been rolled back. Not an exception: a value for the
// call site to look at. Its ErrorData lives in the caller's memory context.
class RolledBackError {
public:
    explicit RolledBackError(ErrorData* data) noexcept : data_(data) {}
    int sqlerrcode() const noexcept { return data_->sqlerrcode; }
    std::string sqlstate() const;  // "22012"
    bool is_data_exception() const noexcept;  // SQLSTATE class 22: the input was to blame
    const char* message() const noexcept;
    // Goes on as the PostgreSQL error it was (same SQLSTATE, message, detail, context).
    [[noreturn]] void raise() const { throw PgError(data_); }

private:
    ErrorData* data_;
};

// What pg::recoverable returns: f's value, or the error that was rolled back.
template <typename T>
class Recovered {
public:
    explicit Recovered(T value) : value_(std::move(value)) {}
    explicit Recovered(RolledBackError error) : error_(error) {}
    bool ok() const noexcept { return value_.has_value(); }
    T& value() { return *value_; }  // when ok()
    const T& value() const { return *value_; }
    const RolledBackError& error() const { return *error_; }  // when !ok()

private:
    std::optional<T> value_;
    std::optional<RolledBackError> error_;
};

template <>
class Recovered<void> {
public:
    Recovered() = default;
    explicit Recovered(RolledBackError error) : error_(error) {}
    bool ok() const noexcept { return !error_.has_value(); }
    const RolledBackError& error() const { return *error_; }

private:
    std::optional<RolledBackError> error_;
};

namespace detail {

// False during a parallel operation, where PostgreSQL refuses subtransactions.
bool subtransactions_allowed();

// One internal subtransaction (BeginInternalSubTransaction), begun by the constructor; the
// caller's memory context and resource owner are current again after each step. Ended by exactly
// one of commit() and roll_back(), called with no exception in flight: not by a destructor, which
// would run while a PostgreSQL error is still unhandled.
class Subtransaction {
public:
    Subtransaction();
    Subtransaction(const Subtransaction&) = delete;
    Subtransaction& operator=(const Subtransaction&) = delete;

    void commit();
    // Copies `error` (may be null) into the caller's memory context, then rolls back; the copy.
    ErrorData* roll_back(const ErrorData* error);

private:
    void check_error_stacks();
    MemoryContext context_;
    ResourceOwner owner_;
    ErrorStacks stacks_;
};

}  // namespace detail

template <typename F>
auto recoverable(F&& f) -> Recovered<decltype(f())> {
    using R = decltype(f());
    if (!detail::subtransactions_allowed()) {  // see the top of this file
        if constexpr (std::is_void_v<R>) {
            f();
            return Recovered<void>();
        } else {
            return Recovered<R>(f());
        }
    }
    detail::Subtransaction subtransaction;
    ErrorData* postgres_error = nullptr;
    std::exception_ptr cpp_exception;
    try {
        if constexpr (std::is_void_v<R>) {
            f();
            subtransaction.commit();
            return Recovered<void>();
        } else {
            R value = f();
            subtransaction.commit();  // (a failed commit is rolled back below, as PL/pgSQL does)
            return Recovered<R>(std::move(value));
        }
    } catch (const PgError& e) {
        postgres_error = e.data();
    } catch (...) {
        cpp_exception = std::current_exception();
    }
    // f's frames are unwound and the exception is handled: roll back.
    ErrorData* error = subtransaction.roll_back(postgres_error);
    if (cpp_exception) std::rethrow_exception(cpp_exception);
    return Recovered<R>(RolledBackError(error));
}

}  // namespace koba::pg
