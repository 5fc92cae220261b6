#include "pg/subtransaction.hpp"

extern "C" {
#include "utils/resowner.h"
}

namespace koba::pg {

std::string RolledBackError::sqlstate() const { return unpack_sql_state(data_->sqlerrcode); }

bool RolledBackError::is_data_exception() const noexcept {
    return ERRCODE_TO_CATEGORY(data_->sqlerrcode) == ERRCODE_DATA_EXCEPTION;
}

const char* RolledBackError::message() const noexcept {
    return data_->message != nullptr ? data_->message : "PostgreSQL error";
}

namespace detail {

namespace {

char* copy_text(const char* text) { return text == nullptr ? nullptr : pstrdup(text); }

// A deep copy of `error` in the current memory context. pg_call copied the error into the memory
// context current when it was called, which the rollback may delete (an SPI connection's, when
// the call ran inside one the subtransaction opened).
ErrorData* copy_error(const ErrorData* error) {
    ErrorData* copy = static_cast<ErrorData*>(palloc(sizeof(ErrorData)));
    *copy = *error;  // scalars, and the constant strings (file and function names, message id)
    copy->message = copy_text(error->message);
    copy->detail = copy_text(error->detail);
    copy->detail_log = copy_text(error->detail_log);
    copy->hint = copy_text(error->hint);
    copy->context = copy_text(error->context);
    copy->backtrace = copy_text(error->backtrace);
    copy->schema_name = copy_text(error->schema_name);
    copy->table_name = copy_text(error->table_name);
    copy->column_name = copy_text(error->column_name);
    copy->datatype_name = copy_text(error->datatype_name);
    copy->constraint_name = copy_text(error->constraint_name);
    copy->internalquery = copy_text(error->internalquery);
    copy->assoc_context = CurrentMemoryContext;
    return copy;
}

}  // namespace

bool subtransactions_allowed() {
    return !pg_call([] { return IsInParallelMode(); });
}

// The same steps as PL/pgSQL's exec_stmt_block and PL/Python's subtransactions: begin, then work
// in the caller's memory context; after commit or rollback, the caller's memory context and
// resource owner again (ending a subtransaction makes its parent's current).
Subtransaction::Subtransaction() : context_(CurrentMemoryContext), owner_(CurrentResourceOwner) {
    MemoryContext context = context_;
    pg_call([&] {
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(context);
    });
}

void Subtransaction::commit() {
    MemoryContext context = context_;
    ResourceOwner owner = owner_;
    pg_call([&] {
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(context);
        CurrentResourceOwner = owner;
    });
}

ErrorData* Subtransaction::roll_back(const ErrorData* error) {
    check_error_stacks();
    MemoryContext context = context_;
    ResourceOwner owner = owner_;
    return pg_call([&] {
        MemoryContextSwitchTo(context);
        ErrorData* copy = error != nullptr ? copy_error(error) : nullptr;
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(context);
        CurrentResourceOwner = owner;
        return copy;
    });
}

// Before rolling back, as the entry point does before raising: a C++ exception from f that left a
// PG_TRY block behind would otherwise leave PG_exception_stack in a dead frame for the rest of
// the call.
void Subtransaction::check_error_stacks() {
    if (stacks_.restore()) pg_call([] { warn_exception_stack_moved("pg::recoverable"); });
}

}  // namespace detail

}  // namespace koba::pg
