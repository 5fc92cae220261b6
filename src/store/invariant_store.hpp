// The books' queries (check_invariants(), core/invariants.hpp): one cached statement per rule,
// returning the offending ids in ascending order.
//
// The queries restate the money model's definitions (docs/reference.md, "The books") in SQL on
// purpose, with their status lists written out, instead of reusing the lists the flows use
// (core::paid_payment_statuses() & co.): a check that borrowed the code's definitions could not
// catch a wrong one.
#pragma once

#include "core/invariants.hpp"
#include "pg/spi.hpp"

#include <vector>

namespace koba::store {

// Runs every rule of core::kInvariants; what each found (nothing for a rule that holds).
std::vector<core::InvariantViolation> check_invariants(pg::Spi& spi);

// The violated rules as the calling function's rows (rule, ids, detail), in kInvariants' order;
// call pg::prepare_set_result() first.
void append_violations_to_set(pg::Spi& spi, const std::vector<core::InvariantViolation>& violations,
                              FunctionCallInfo fcinfo);

}  // namespace koba::store
