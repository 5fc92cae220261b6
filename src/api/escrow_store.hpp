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
    int64_t paid;          // cents: sum of the SENT and SETTLED payments
    std::string currency;
    core::EscrowStatus status;
    bool deadline_passed;

    int64_t balance() const { return deposited - paid; }  // what the escrow can still pay
};

// The escrow, locked FOR UPDATE until the transaction ends: every function that changes an
// escrow or its money (deposits, payouts, spends and their payees' counters, PSP webhooks) takes
// this lock first, so concurrent calls on one escrow run one after the other (and always in the
// same order), each seeing the money its predecessor committed. ESCROW_NOT_FOUND when there is
// none.
Escrow lock_escrow(pg::Spi& spi, int64_t escrow_id);
// The same without the lock, for reading.
Escrow find_escrow(pg::Spi& spi, int64_t escrow_id);

// Adds to the paid_amount of an escrow the caller has locked: a payout that became SENT or
// SETTLED, or (negative cents) one that stopped being so. Deposits go through apply_escrow_step.
void add_escrow_paid(pg::Spi& spi, int64_t escrow_id, int64_t paid_cents);

enum class EscrowParty { Client, Provider, Either };
// A key bound to a user acts on an escrow only as the party the call needs: NOT_A_PARTY.
void require_escrow_party(const Principal& caller, const Escrow& escrow, EscrowParty party);

// Appends to the escrow's timeline.
void append_escrow_event(pg::Spi& spi, int64_t escrow_id, std::string_view kind, const std::string& data_json);

// Applies a transition decided by core/transitions: the new status (and, for a deposit, the
// deposited_amount grown by `deposited_cents`), its event (with data_json) and its audit reason.
// A NoOp step writes nothing.
void apply_escrow_step(pg::Spi& spi, const Escrow& escrow, const core::Step<core::EscrowStatus>& step,
                       const std::string& data_json, int64_t deposited_cents = 0);

// The escrow_agreements row, as the calling function's result.
Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo);

}  // namespace koba::api
