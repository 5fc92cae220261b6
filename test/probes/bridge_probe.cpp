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
//   live             how many Tracked objects are alive, not counting this call's own: 0 unless
//                    an error skipped a destructor
#include "core/errors.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

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
        static pg::Statement divide{"SELECT 1 / (random() * 0)::int", {}};
        pg::Spi spi;
        const Tracked inside;
        spi.run(divide);
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
    throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "Unknown probe mode.");
}
