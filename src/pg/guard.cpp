#include "pg/guard.hpp"

#include "core/errors.hpp"

#include <new>

namespace koba::pg {

const char* PgError::what() const noexcept {
    return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

namespace detail {
ErrorData* capture_error(MemoryContext context) noexcept {
    MemoryContextSwitchTo(context);
    ErrorData* data = CopyErrorData();
    FlushErrorState();
    return data;
}
}  // namespace detail

void check_for_interrupts() {
    pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

namespace {

// What to raise once the C++ frames are gone. Plain data on purpose: it must survive the end of
// the catch block (which destroys the exception) without allocating, since an allocation
// failure there could not be reported.
struct PendingError {
    ErrorData* postgres = nullptr;  // rethrown unchanged when set
    core::ErrorCode code = core::ErrorCode::INTERNAL_ERROR;
    char detail[1024] = {};
    char hint[512] = {};

    void set(core::ErrorCode c, const char* text, const char* guidance = "") noexcept {
        code = c;
        strlcpy(detail, text != nullptr ? text : core::error_info(c).detail, sizeof detail);
        strlcpy(hint, guidance, sizeof hint);
    }
};

[[noreturn]] void raise(const PendingError& pending) {
    if (pending.postgres != nullptr) ReThrowError(pending.postgres);
    const core::ErrorInfo& info = core::error_info(pending.code);
    const char* s = info.sqlstate;
    ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                    errmsg_internal("%s", info.name), errdetail_internal("%s", pending.detail),
                    pending.hint[0] != '\0' ? errhint("%s", pending.hint) : 0,
                    errhidestmt(core::hides_statement(pending.code))));
    pg_unreachable();
}

EntryGate g_gate = nullptr;

}  // namespace

void set_entry_gate(EntryGate gate) { g_gate = gate; }

Datum run_entry(FunctionCallInfo fcinfo, EntryBody body, const char* name, bool gated) {
    // Saved so that a C++ exception that skipped a PG_CATCH (a bug: see pg_call) cannot leave
    // PostgreSQL's error handling pointing into a dead stack frame.
    sigjmp_buf* saved_exception_stack = PG_exception_stack;
    ErrorContextCallback* saved_context_stack = error_context_stack;
    PendingError pending;
    try {
        if (gated && g_gate != nullptr) g_gate();
        return body(fcinfo);
    } catch (const PgError& e) {
        pending.postgres = e.data();
    } catch (const core::Error& e) {
        pending.set(e.code(), e.detail(), e.hint());
    } catch (const std::bad_alloc&) {
        pending.set(core::ErrorCode::OUT_OF_MEMORY, nullptr);
    } catch (const std::exception& e) {
        pending.set(core::ErrorCode::INTERNAL_ERROR, nullptr);
        snprintf(pending.detail, sizeof pending.detail, "Unexpected C++ exception in %s: %s", name,
                 e.what());
    } catch (...) {
        pending.set(core::ErrorCode::INTERNAL_ERROR, nullptr);
        snprintf(pending.detail, sizeof pending.detail, "Unexpected C++ exception in %s.", name);
    }
    PG_exception_stack = saved_exception_stack;
    error_context_stack = saved_context_stack;
    raise(pending);
}

}  // namespace koba::pg
