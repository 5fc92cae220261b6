#include "pg/guard.hpp"

#include "core/errors.hpp"
#include "core/read_only.hpp"

#include <new>

namespace koba::pg {

namespace detail {
ErrorData* capture_error(MemoryContext context) noexcept {
    MemoryContextSwitchTo(context);
    ErrorData* data = CopyErrorData();
    FlushErrorState();
    return data;
}

bool ErrorStacks::restore() const noexcept {
    const bool moved = PG_exception_stack != exception_stack_;
    PG_exception_stack = exception_stack_;
    error_context_stack = context_stack_;
    return moved;
}

void warn_exception_stack_moved(const char* where) {
    ereport(WARNING,
            (errcode(ERRCODE_INTERNAL_ERROR),
             errmsg_internal("kobatela: PG_exception_stack was found moved on leaving %s, and restored", where),
             errdetail_internal("A C++ exception left a PG_TRY block without passing its PG_END_TRY. "
                                "This is a bug in Kobatela; please report it.")));
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
Oid g_current_function = InvalidOid;

Oid function_of(FunctionCallInfo fcinfo) {
    return fcinfo->flinfo != nullptr ? fcinfo->flinfo->fn_oid : InvalidOid;
}

}  // namespace

void set_entry_gate(EntryGate gate) { g_gate = gate; }

namespace {

CallEndHook g_call_end_hook = nullptr;
int g_call_depth = 0;  // API calls running (entry points that are not triggers), nested

// PostgreSQL refused a write because the transaction is read-only (SQLSTATE 25006: a hot standby,
// or a READ ONLY transaction on the primary). The call fails all the same, as the catalogued
// READ_ONLY that says where writes go (core/read_only.hpp): the error still ends the transaction,
// only its words change. RecoveryInProgress() reads shared memory and cannot raise.
void set_read_only(PendingError* pending) noexcept {
    const core::ReadOnlyTexts texts = core::read_only_texts(core::read_only_cause(RecoveryInProgress()));
    pending->set(core::ErrorCode::READ_ONLY, texts.detail, texts.hint);
}

// Runs `body` behind the barrier: every C++ exception (and PostgreSQL error turned into one) is
// caught here and kept as plain data in *pending; true when the body returned normally.
template <typename Body>
bool run_guarded(Body&& body, const char* name, PendingError* pending) noexcept {
    try {
        body();
        return true;
    } catch (const PgError& e) {
        if (e.data()->sqlerrcode == ERRCODE_READ_ONLY_SQL_TRANSACTION)
            set_read_only(pending);
        else
            pending->postgres = e.data();
    } catch (const core::Error& e) {
        pending->set(e.code(), e.detail(), e.hint());
    } catch (const std::bad_alloc&) {
        pending->set(core::ErrorCode::OUT_OF_MEMORY, nullptr);
    } catch (const std::exception& e) {
        pending->set(core::ErrorCode::INTERNAL_ERROR, nullptr);
        snprintf(pending->detail, sizeof pending->detail, "Unexpected C++ exception in %s: %s", name, e.what());
    } catch (...) {
        pending->set(core::ErrorCode::INTERNAL_ERROR, nullptr);
        snprintf(pending->detail, sizeof pending->detail, "Unexpected C++ exception in %s.", name);
    }
    return false;
}

}  // namespace

void set_call_end_hook(CallEndHook hook) { g_call_end_hook = hook; }

bool in_api_call() noexcept { return g_call_depth > 0; }

void reset_call_depth() noexcept { g_call_depth = 0; }

Oid current_function() { return g_current_function; }

Datum run_entry(FunctionCallInfo fcinfo, EntryBody body, const char* name, bool gated) {
    // Checked on every way out: a C++ exception that skipped a PG_CATCH (a bug: see pg_call) must
    // not leave PostgreSQL's error handling pointing into a dead stack frame. Put back, then
    // reported (a WARNING could itself raise, and must find the stacks sound).
    const detail::ErrorStacks stacks;
    const Oid caller_function = g_current_function;
    g_current_function = function_of(fcinfo);
    PendingError pending;
    Datum result = Datum(0);
    // A trigger runs inside whatever statement fired it: it is no call of its own.
    const bool is_call = !CALLED_AS_TRIGGER(fcinfo);
    if (is_call) ++g_call_depth;
    const bool returned = run_guarded(
        [&] {
            if (gated && g_gate != nullptr) g_gate();
            result = body(fcinfo);
            // The outermost call ends (still behind the barrier: the hook may raise).
            if (is_call && g_call_depth == 1 && g_call_end_hook != nullptr) g_call_end_hook();
        },
        name, &pending);
    // Every C++ object of the body is destroyed by now, and so is any exception. (Counted down by
    // hand: raise() below longjmps past this frame's destructors.)
    if (is_call) --g_call_depth;
    g_current_function = caller_function;
    if (stacks.restore()) detail::warn_exception_stack_moved(name);
    if (returned) return result;
    raise(pending);
}

void run_callback(CallbackBody body, const char* name) {
    const detail::ErrorStacks stacks;
    PendingError pending;
    const bool returned = run_guarded([&] { body(); }, name, &pending);
    if (stacks.restore()) detail::warn_exception_stack_moved(name);
    if (!returned) raise(pending);
}

}  // namespace koba::pg
