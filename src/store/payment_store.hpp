// The payments area's SQL: payments and the milestones they pay. Snapshots for the payout engine
// and the PSP webhook (core/payout_plan.hpp), taken under the escrow's row lock the caller holds,
// and the writes that apply their decisions.
#pragma once

#include "context/request.hpp"
#include "core/escrow_state.hpp"
#include "core/metadata.hpp"
#include "core/payout_plan.hpp"
#include "core/payout_transmission.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace koba::store {

// What a milestone's payout decides on, under the escrow's lock: the milestone's payments and its
// siblings. `milestone_status` is the milestone's as this call has decided it (APPROVED).
core::MilestonePayoutSnapshot milestone_payout_snapshot(pg::Spi& spi, const core::EscrowState& escrow,
                                                        int64_t milestone_id, int64_t cents,
                                                        core::MilestoneStatus milestone_status,
                                                        const std::string& payout_key);

// Applies a milestone's payout decision under `payout_key`; returns the payment's id.
// IDEMPOTENCY_CONFLICT when a payout of another escrow took the key meanwhile.
int64_t apply_milestone_payout(pg::Spi& spi, const core::MilestonePayoutSnapshot& snapshot,
                               const core::PayoutDecision& decision, const std::string& payout_key);

// execute_payment: the payment's escrow id (PAYMENT_NOT_FOUND), then, once the caller holds the
// escrow's lock, the payment locked with what sending it decides on.
int64_t payment_escrow_id(pg::Spi& spi, int64_t payment_id);
core::ExecuteSnapshot execute_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id);
void apply_execute(pg::Spi& spi, const core::ExecuteSnapshot& snapshot, const core::PayoutDecision& decision);

// A new payment out of the locked escrow, inserted in `status` with psp_ref PSP-<UUIDv7>, its
// `money` added to the escrow's counters. No row, having written nothing, when a transaction that
// committed meanwhile took its key. Columns by name: id, psp_ref, ...
struct NewPayment {
    core::PaymentKind kind;
    int64_t escrow_id;
    std::optional<int64_t> milestone_id;
    std::optional<int64_t> payee_id;
    int64_t cents;
    core::PaymentStatus status;
    core::EscrowMoney money;
    std::optional<context::IdempotencyKey> caller_key;
    std::optional<std::string> payout_key;
    std::optional<int64_t> retry_of;
    // The application's references (core/metadata.hpp): a spend's from its call, a retry's from the
    // payment it retries; Kobatela's own payouts (milestones, releases, refunds) have none.
    std::string metadata{core::kNoMetadata};
};
pg::Result insert_payment(pg::Spi& spi, const NewPayment& payment);

// The payments row, as the calling function's result.
Datum payment_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo);

// --- PSP events ---
struct PspSnapshot {
    core::EscrowState escrow;
    core::PaymentState payment;
    std::optional<core::Transmission> transmission;  // its hand-off to the PSP (0.8.0), locked; none: never queued
};
// The payment with this psp_ref and its escrow, both locked (the escrow first, the order every
// payout uses), then its transmission row; none when no payment has it.
std::optional<PspSnapshot> psp_snapshot(pg::Spi& spi, const std::string& psp_ref);
// The same by the payment's id (correct_payment, payout_transmission_failed): PAYMENT_NOT_FOUND
// when there is none.
PspSnapshot payment_snapshot(pg::Spi& spi, int64_t payment_id);
// The same once the caller holds the payment's escrow `escrow` (locked).
PspSnapshot payment_snapshot_locked(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id);
void apply_psp_event(pg::Spi& spi, const PspSnapshot& snapshot, const core::PspEventDecision& decision);

// --- retry_payment ---
// The payment (PAYMENT_NOT_FOUND), locked once the caller holds its escrow's lock, with the payment
// that retries it if any.
core::RetrySnapshot retry_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id);
// Sends the retry as decided; returns its id (the existing retry's on a replay).
int64_t apply_retry(pg::Spi& spi, const core::RetrySnapshot& snapshot, const core::RetryDecision& decision);

}  // namespace koba::store
