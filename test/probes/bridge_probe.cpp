// A probe for the tests of the error barrier (test/sql/bridge.sql). The symbol ships in the
// library, but no SQL function points at it unless a test declares one, so production databases
// never expose it.
//
//   ok               returns 'ok'
//   cpp_exception    throws std::runtime_error with C++ objects alive
//   bad_alloc        throws std::bad_alloc
//   catalogued       throws a catalogued error (USER_NOT_FOUND)
//   pg_error_in_spi  an SPI statement raises division_by_zero, C++ objects alive around it
//   pg_error_palloc  PostgreSQL refuses an allocation (not SPI)
//   nested:<mode>    runs the probe again through SPI, in <mode>
//   recovered_in_spi in pg::recoverable, an SPI connection of its own inserts a row into
//                    pg_temp.bridge_probe_rows (the test creates it), then a statement raises
//                    division_by_zero; once the subtransaction is rolled back the call goes on with
//                    SPI, and says what it caught and how many rows the insert left (none)
//   recovered_raised the same error, rolled back, then raised on unchanged
//   recovered_cpp_exception  a C++ exception inside pg::recoverable: rolled back, goes on unchanged
//   moved_exception_stack    a C++ exception leaves a PG_TRY block (the bug pg_call exists to
//                    prevent), leaving PG_exception_stack in a dead frame; the entry point warns,
//                    puts it back, and raises
//   moved_exception_stack_ok the same exception caught in the body, which returns 'ok': found on
//                    the normal way out
//   write            inserts a row into pg_temp.bridge_probe_rows through pg::Spi: refused when
//                    the function is declared STABLE or IMMUTABLE (its SQL runs read-only)
//   count            how many rows pg_temp.bridge_probe_rows holds, through pg::Spi
//   stable_then_write in one SPI connection, calls bridge_probe_stable('count') (the test declares
//                    it STABLE), then writes: the nested read-only call leaves this one read-write
//   live             how many Tracked objects are alive, not counting this call's own: 0 unless
//                    an error skipped a destructor
#include "core/errors.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"

#include <new>
#include <stdexcept>

using namespace koba;

namespace {

int64_t g_live = 0;

// Proves that unwinding ran C++ destructors: each object counts itself in and out.
struct Tracked {
    std::string payload = std::string(256, 'x');  // owns heap memory, like real code
    Tracked() { g_live++; }
    Tracked(const Tracked&) = delete;
    ~Tracked() { g_live--; }
};

pg::Statement g_divide{"SELECT 1 / (random() * 0)::int", {}};

// Writes, then fails: what a rollback must undo.
void insert_then_divide() {
    static pg::Statement insert{"INSERT INTO pg_temp.bridge_probe_rows VALUES (1)", {}};
    pg::Spi spi;  // opened inside the subtransaction: its rollback closes it
    const Tracked inside;
    spi.run(insert);
    spi.run(g_divide);
}

// The bug: a C++ exception out of a PG_TRY block, past its PG_END_TRY.
void throw_out_of_pg_try() {
    PG_TRY();
    {
        throw std::runtime_error("left a PG_TRY block");
    }
    PG_CATCH();
    {
        PG_RE_THROW();
    }
    PG_END_TRY();
}

}  // namespace

KOBA_FUNCTION(kobatela_bridge_probe) {
    const std::string mode = pg::Args(fcinfo).text(0, "mode");
    const Tracked alive;
    if (mode == "ok") return pg::text_datum("ok");
    if (mode == "live") return pg::text_datum(std::to_string(g_live - 1));
    if (mode == "cpp_exception") throw std::runtime_error("probe failure");
    if (mode == "bad_alloc") throw std::bad_alloc();
    if (mode == "catalogued") throw core::Error(core::ErrorCode::USER_NOT_FOUND, "Probe user not found.");
    if (mode == "pg_error_in_spi") {
        pg::Spi spi;
        const Tracked inside;
        spi.run(g_divide);
        return pg::text_datum("unreachable");
    }
    if (mode == "pg_error_palloc") {
        pg::pg_call([] { return palloc(MaxAllocSize + 1); });
        return pg::text_datum("unreachable");
    }
    if (mode.rfind("nested:", 0) == 0) {
        static pg::Statement nested{"SELECT bridge_probe($1)", {TEXTOID}};
        pg::Spi spi;
        return pg::text_datum(spi.run(nested, pg::Params().text(mode.substr(7))).text(0, 1));
    }
    if (mode == "write" || mode == "count" || mode == "stable_then_write") {
        static pg::Statement insert{"INSERT INTO pg_temp.bridge_probe_rows VALUES (2)", {}};
        static pg::Statement count{"SELECT count(*) FROM pg_temp.bridge_probe_rows", {}};
        static pg::Statement stable_count{"SELECT bridge_probe_stable('count')", {}};
        pg::Spi spi;
        if (mode == "count") return pg::text_datum(std::to_string(spi.run(count).int8(0, 1)));
        if (mode == "stable_then_write") spi.run(stable_count);
        spi.run(insert);
        return pg::text_datum("wrote");
    }
    if (mode == "recovered_in_spi") {
        static pg::Statement count{"SELECT count(*) FROM pg_temp.bridge_probe_rows", {}};
        pg::Spi spi;
        const pg::Recovered<void> outcome = pg::recoverable(insert_then_divide);
        if (outcome.ok()) return pg::text_datum("unreachable");
        const int64_t rows = spi.run(count).int8(0, 1);
        return pg::text_datum("rolled back " + outcome.error().sqlstate() + " " + outcome.error().message() +
                              "; rows left: " + std::to_string(rows));
    }
    if (mode == "recovered_raised") {
        const pg::Recovered<void> outcome = pg::recoverable(insert_then_divide);
        if (!outcome.ok()) outcome.error().raise();
        return pg::text_datum("unreachable");
    }
    if (mode == "recovered_cpp_exception") {
        pg::recoverable([] {
            const Tracked inside;
            throw std::runtime_error("probe failure in a subtransaction");
        });
        return pg::text_datum("unreachable");
    }
    if (mode == "moved_exception_stack") {
        throw_out_of_pg_try();
        return pg::text_datum("unreachable");
    }
    if (mode == "moved_exception_stack_ok") {
        try {
            throw_out_of_pg_try();
        } catch (const std::runtime_error&) {
        }
        return pg::text_datum("ok");
    }
    throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "Unknown probe mode.");
}
