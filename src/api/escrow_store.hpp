// Reading and changing escrows, shared by the escrow, proof and payment functions.
#pragma once

#include "api/identity.hpp"
#include "core/transitions.hpp"
#include "pg/spi.hpp"

#include <string>

namespace koba::api {

struct Escrow {
    int64_t id;
    int64_t client_id;
    int64_t provider_id;
    int64_t amount_total;  // cents
    int64_t deposited;     // cents: sum of the deposits
    std::string currency;
    core::EscrowStatus status;
    bool deadline_passed;
};

// The escrow, locked FOR UPDATE until the transaction ends: every function that changes an
// escrow or its money takes this lock first, so concurrent calls on one escrow run one after
// the other (and always in the same order), each seeing the money its predecessor committed.
// ESCROW_NOT_FOUND when there is none.
Escrow lock_escrow(pg::Spi& spi, int64_t escrow_id);
// The same without the lock, for reading.
Escrow find_escrow(pg::Spi& spi, int64_t escrow_id);

enum class EscrowParty { Client, Provider, Either };
// A key bound to a user acts on an escrow only as the party the call needs: NOT_A_PARTY.
void require_escrow_party(const Principal& caller, const Escrow& escrow, EscrowParty party);

// Appends to the escrow's timeline.
void append_escrow_event(pg::Spi& spi, int64_t escrow_id, std::string_view kind, const std::string& data_json);

// Applies a transition decided by core/transitions: the new status, its event (with data_json)
// and its audit reason. A NoOp step writes nothing.
void apply_escrow_step(pg::Spi& spi, const Escrow& escrow, const core::Step<core::EscrowStatus>& step,
                       const std::string& data_json);

// The escrow_agreements row, as the calling function's result.
Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo);

}  // namespace koba::api
