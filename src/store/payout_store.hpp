// The payout hand-off's SQL (payout_transmissions, docs/payouts.md): the queue row a SENT payment
// gets, the due rows a worker claims (FOR UPDATE SKIP LOCKED), the rows its reports lock, and the
// writes that apply what core/payout_transmission decided. Locks are taken in the order every
// payment uses: the escrow, then the payment, then its transmission row; a claim, which must lock
// the transmission rows first to skip those another worker holds, never waits for an escrow
// afterwards (it skips one that is locked, see try_abandon_snapshot).
#pragma once

#include "core/payout_transmission.hpp"
#include "pg/spi.hpp"
#include "store/payment_store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace koba::store {

// Queues the hand-off of a payment that became SENT in this transaction (QUEUED, due now).
void queue_transmission(pg::Spi& spi, int64_t payment_id);

// The payment's transmission row, locked; none when it has none.
std::optional<core::Transmission> lock_transmission(pg::Spi& spi, int64_t payment_id);

// Writes a step decided by core (under its audit reason) and returns the row.
pg::Result write_transmission(pg::Spi& spi, int64_t payment_id, const core::TransmissionWrite& write);

// The payout_transmissions row, as the calling function's result.
Datum transmission_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo);

// --- claim_payouts ---
struct DueTransmission {
    core::Transmission transmission;
    int64_t escrow_id = 0;
    core::PaymentKind kind = core::PaymentKind::Milestone;
    int64_t client_id = 0;
    int64_t provider_id = 0;
};
// At most `limit` due rows (core::claimable_transmission_states, next_attempt_at <= now), oldest
// first, locked; rows another transaction holds are skipped.
std::vector<DueTransmission> lock_due_transmissions(pg::Spi& spi, int64_t limit);
// Appends the claimed payout's instruction to the calling function's result set.
void append_instruction(pg::Spi& spi, int64_t payment_id, std::optional<int64_t> beneficiary_user_id,
                        FunctionCallInfo fcinfo);
// The payment of a due row to give up, with its escrow locked, or none (having waited for nothing)
// when another transaction holds the escrow: the row is then left for a later claim.
std::optional<PspSnapshot> try_abandon_snapshot(pg::Spi& spi, const DueTransmission& due);

// --- payout_transmitted ---
// PAYMENT_NOT_FOUND; else the payment's psp_ref and its transmission row, locked.
core::TransmittedSnapshot transmitted_snapshot(pg::Spi& spi, int64_t payment_id);

// --- Giving a payout up (a failure report or a claim) ---
// The payment failed as decided (the webhook's write, store::apply_psp_event), the payout
// ABANDONED, and the alert PAYOUT_TRANSMISSION_FAILED.
void apply_abandon(pg::Spi& spi, const PspSnapshot& payment, int64_t payment_id, const core::TransmissionWrite& write,
                   const core::AbandonDecision& abandon);

// An alert about the hand-off (PAYOUT_TRANSMITTED_AFTER_ABANDON), under its type as audit reason.
void raise_payout_alert(pg::Spi& spi, std::string_view type, std::string_view message, const std::string& payload);

}  // namespace koba::store
