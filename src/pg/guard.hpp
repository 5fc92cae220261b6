// The error barrier between C++ and PostgreSQL, in both directions.
//
//  * PostgreSQL -> C++: PostgreSQL reports errors with ereport(ERROR), a longjmp that would skip
//    C++ destructors. Every PostgreSQL call that may raise runs inside pg_call(), which catches the
//    longjmp with PG_TRY and rethrows it as a C++ PgError. So a PostgreSQL error never unwinds
//    through live C++ objects: it becomes an ordinary C++ exception.
//  * C++ -> PostgreSQL: a C++ exception escaping into PostgreSQL would abort the backend (and
//    restart the cluster). Every SQL-callable function is defined with KOBA_FUNCTION, whose
//    wrapper catches everything, lets the C++ objects be destroyed, and only then raises the
//    matching PostgreSQL error (catalogued codes become SQLSTATE PTxxx, see core/errors.hpp;
//    a caught PostgreSQL error is rethrown unchanged).
//
// Rule for the rest of the code: call PostgreSQL only through pg_call (directly or through the
// spi/datum/args helpers), and keep the lambda given to pg_call free of C++ objects. A PgError is
// not to be caught and turned into something else: a PostgreSQL error ends the (sub)transaction.
// Where one must be recoverable, pg::recoverable (pg/subtransaction.hpp) runs the call in a
// subtransaction and rolls it back first. Destructors run while a caught PostgreSQL error is still
// unhandled (between pg_call and the entry point's raise): one may call PostgreSQL only for what
// cannot raise and does not depend on the failed call's state, else it skips the call when
// unwinding (std::uncaught_exceptions(), as pg::Spi does) and leaves it to the abort.
#pragma once

#include "pg/postgres.hpp"

#include <exception>

namespace koba::pg {

// A PostgreSQL error in flight through C++ frames. The ErrorData is a copy in the memory
// context of the call that failed; the entry point rethrows it with ReThrowError.
//
// Deliberately neither a core::Error nor a std::exception: only `catch (const PgError&)` or
// `catch (...)` sees it, so no handler written for catalogued or C++ errors can take it for one
// of its own and carry on. Carrying on after a PostgreSQL error needs its subtransaction rolled
// back first: run the call in pg::recoverable (pg/subtransaction.hpp), which hands the error back
// once PostgreSQL's state is clean.
class PgError final {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    ErrorData* data() const noexcept { return data_; }

private:
    ErrorData* data_;
};

namespace detail {
// Called in PG_CATCH: copies the error out of ErrorContext into `context` and clears it.
ErrorData* capture_error(MemoryContext context) noexcept;

// PostgreSQL's error stacks as they were when a guarded region (an entry point, a subtransaction)
// was entered. PG_exception_stack found elsewhere on the way out means a C++ exception left a
// PG_TRY block without passing its PG_END_TRY (a bug: see pg_call): it then points into a dead
// stack frame, and the next ereport(ERROR) would longjmp there.
class ErrorStacks {
public:
    ErrorStacks() noexcept : exception_stack_(PG_exception_stack), context_stack_(error_context_stack) {}
    // Puts both stacks back; true when PG_exception_stack had moved (then warn, once).
    bool restore() const noexcept;

private:
    sigjmp_buf* exception_stack_;
    ErrorContextCallback* context_stack_;
};

// The WARNING for a moved PG_exception_stack, found in `where`. Plain ereport: may raise (out of
// memory), so call it with no C++ object alive, or inside pg_call.
void warn_exception_stack_moved(const char* where);
}  // namespace detail

namespace detail {
// The PG_TRY behind pg_call, for a lambda returning nothing.
template <typename F>
void pg_call_void(F& f) {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData* volatile error = nullptr;
    // A C++ exception thrown by `f` must not leave the PG_TRY block (it would leave
    // PG_exception_stack pointing at this dead frame), so it is parked and rethrown after.
    std::exception_ptr cpp_exception;
    PG_TRY();
    {
        try {
            f();
        } catch (...) {
            cpp_exception = std::current_exception();
        }
    }
    PG_CATCH();
    {
        error = capture_error(caller_context);
    }
    PG_END_TRY();
    if (error != nullptr) throw PgError(error);
    if (cpp_exception) std::rethrow_exception(cpp_exception);
}
}  // namespace detail

// Runs `f` (a lambda calling PostgreSQL C functions) so that an ereport(ERROR) inside it
// becomes a C++ PgError. `f` returns void or a scalar (Datum, pointer, number, bool).
template <typename F>
auto pg_call(F&& f) -> decltype(f()) {
    using R = decltype(f());
    static_assert(std::is_void_v<R> || std::is_scalar_v<R>,
                  "pg_call returns only scalars: copy results into C++ objects outside the lambda");
    if constexpr (std::is_void_v<R>) {
        detail::pg_call_void(f);
    } else {
        volatile R result{};  // written between sigsetjmp and a possible longjmp
        auto store = [&] { result = f(); };
        detail::pg_call_void(store);
        return result;
    }
}

// Polls for query cancel and backend termination (which PostgreSQL reports as errors).
void check_for_interrupts();

using EntryBody = Datum (*)(FunctionCallInfo);

// A check every gated entry point passes before its body runs, behind the same barrier (set once,
// from _PG_init: Kobatela's readiness, context/readiness.hpp). It throws to refuse the call.
using EntryGate = void (*)();
void set_entry_gate(EntryGate gate);

// Runs an SQL-callable body behind the barrier, after the gate unless `gated` is false. Never lets
// a C++ exception out; raises the PostgreSQL error for it once every C++ object of the body is
// destroyed. While the body runs, current_function() is its function (put back on every way out,
// so a nested call through SPI leaves its caller's in place).
Datum run_entry(FunctionCallInfo fcinfo, EntryBody body, const char* name, bool gated);

// API calls: an entry point run by run_entry that is not a trigger. Calls nest (a Kobatela function
// whose SQL calls another); the hook runs when the outermost one returns normally, behind its
// barrier (it may throw: the call then fails). The audit trail writes a call's record there.
using CallEndHook = void (*)();
void set_call_end_hook(CallEndHook hook);
bool in_api_call() noexcept;  // an API call is running
void reset_call_depth() noexcept;  // at the end of a transaction (a safety net: calls count down)

// Runs C++ code from a PostgreSQL callback written in C (a transaction callback): behind the same
// barrier as run_entry, raising the PostgreSQL error for whatever it throws.
using CallbackBody = void (*)();
void run_callback(CallbackBody body, const char* name);

// The pg_proc oid of the SQL-callable function whose body is running (the innermost, when one
// calls another through SPI); InvalidOid outside any, or for a call without FmgrInfo
// (DirectFunctionCall). pg::Spi reads it to run a STABLE or IMMUTABLE function's SQL read-only.
Oid current_function();

}  // namespace koba::pg

// Defines the SQL-callable C symbol `symbol` (the name used in `AS 'MODULE_PATHNAME', 'symbol'`)
// with the body that follows, run behind the barrier, after the entry gate:
//
//   KOBA_FUNCTION(kobatela_get_user) { ... return datum; }
//
// KOBA_FUNCTION_UNGATED skips the gate: only for a function that must answer when Kobatela is not
// ready (health(), which reports why, and pre_request(), which PostgREST runs before it).
#define KOBA_FUNCTION_GATED(symbol, gated)                                      \
    static Datum symbol##_body(FunctionCallInfo fcinfo);                        \
    extern "C" {                                                                \
    PG_FUNCTION_INFO_V1(symbol);                                                \
    }                                                                           \
    extern "C" Datum symbol(PG_FUNCTION_ARGS) {                                 \
        return ::koba::pg::run_entry(fcinfo, &symbol##_body, #symbol, gated);   \
    }                                                                           \
    static Datum symbol##_body([[maybe_unused]] FunctionCallInfo fcinfo)
#define KOBA_FUNCTION(symbol) KOBA_FUNCTION_GATED(symbol, true)
#define KOBA_FUNCTION_UNGATED(symbol) KOBA_FUNCTION_GATED(symbol, false)
