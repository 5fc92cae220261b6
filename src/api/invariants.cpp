// The books (issue 14; docs/reference.md, "The books"): check_invariants(), for support and
// admins. The rules are core/invariants.hpp's, their queries store/invariant_store.cpp's.
#include "context/identity.hpp"
#include "core/invariants.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/invariant_store.hpp"

using namespace koba;

// check_invariants() RETURNS TABLE (rule text, ids bigint[], detail text): one row per violated
// rule, with the offending ids; no row when the books hold.
KOBA_FUNCTION(kobatela_check_invariants) {
    context::require_scope(core::Scope::Support | core::Scope::Admin);  // who may read the ledger
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    const std::vector<core::InvariantViolation> violations = store::check_invariants(spi);
    store::append_violations_to_set(spi, violations, fcinfo);
    return Datum(0);
}
