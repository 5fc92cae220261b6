// The escrow area's SQL: escrows, their deposits, milestones and timeline. Reads return plain
// core values (core/escrow_state.hpp); writes apply what src/core decided. Nothing here decides a
// status, a counter or a refusal beyond "there is no such row".
#pragma once

#include "context/request.hpp"
#include "core/escrow_money.hpp"
#include "core/escrow_plan.hpp"
#include "core/photo_rules.hpp"
#include "core/escrow_state.hpp"
#include "core/transitions.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <vector>

namespace koba::store {

// The escrow, locked FOR UPDATE until the transaction ends: every function that changes an
// escrow or its money (deposits, payouts, spends and their payees' counters, PSP webhooks) takes
// this lock first, so concurrent calls on one escrow run one after the other (and always in the
// same order), each seeing the money its predecessor committed. ESCROW_NOT_FOUND when there is
// none.
core::EscrowState lock_escrow(pg::Spi& spi, int64_t escrow_id);
// The same when no other transaction holds it; none (having waited for nothing) when one does.
std::optional<core::EscrowState> try_lock_escrow(pg::Spi& spi, int64_t escrow_id);
// The same without the lock, for reading.
core::EscrowState find_escrow(pg::Spi& spi, int64_t escrow_id);

// Adds to the money counters of an escrow the caller has locked, as src/core decided
// (core/escrow_money.hpp): nothing when `money` is empty.
void add_escrow_money(pg::Spi& spi, int64_t escrow_id, const core::EscrowMoney& money);

// Appends to the escrow's timeline.
void append_escrow_event(pg::Spi& spi, int64_t escrow_id, std::string_view kind, const std::string& data_json);

// Applies a step decided by src/core: the new status (and, for a deposit, the deposited_amount
// grown by `deposited_cents`; for a release or a refund, the other counters moved by `money`), in
// one UPDATE, and its event (with data_json) under its audit reason. A NoOp step writes nothing.
void apply_escrow_step(pg::Spi& spi, int64_t escrow_id, const core::Step<core::EscrowStatus>& step,
                       const std::string& data_json, int64_t deposited_cents = 0, const core::EscrowMoney& money = {});

// Applies a party's or the clock's transition (approve, reject, deliver, deadline) as decided:
// the step, and for a release or a refund the counters, the payment of the balance (with its
// PAYMENT_SENT event) and the open milestones closed, all under the step's audit reason.
void apply_escrow_event(pg::Spi& spi, const core::EscrowState& escrow, const core::EscrowEventDecision& decision,
                        const std::string& data_json);

// The escrow_agreements row, as the calling function's result.
Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo);
// The escrow's timeline, oldest first, as the calling set-returning function's rows.
void append_escrow_events_to_set(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo);

// --- create_escrow ---
// USER_NOT_FOUND unless both parties exist.
void require_parties_exist(pg::Spi& spi, int64_t client_id, int64_t provider_id);
// The escrow `key` names in its owner's namespace, with the terms it was created with.
struct KeyedEscrow {
    int64_t id;
    core::EscrowTerms terms;
};
std::optional<KeyedEscrow> escrow_by_key(pg::Spi& spi, const context::IdempotencyKey& key);
// Inserts the escrow in the created step's status, with its CREATED event; returns its id. None,
// having written nothing, when a transaction that committed meanwhile took the key.
std::optional<int64_t> insert_escrow(pg::Spi& spi, const core::EscrowTerms& escrow,
                                     const std::optional<context::IdempotencyKey>& key,
                                     const core::Step<core::EscrowStatus>& created);

// --- Deposits ---
// The deposit made under `key`, if any.
std::optional<core::PriorDeposit> deposit_by_key(pg::Spi& spi, const context::IdempotencyKey& key);
// Records the deposit and applies its step. False, having written nothing, when a transaction that
// committed meanwhile took the key (the owner's deposit into another escrow).
bool apply_deposit(pg::Spi& spi, int64_t escrow_id, int64_t cents, const std::optional<context::IdempotencyKey>& key,
                   const core::DepositDecision& decision);

// --- Milestones ---
// The sum of the escrow's milestones, in cents.
int64_t milestones_total(pg::Spi& spi, int64_t escrow_id);
struct NewMilestone {
    int64_t escrow_id;
    int32_t idx;
    std::string label;
    int64_t cents;
    std::string proof_type;
    std::string validator;
    std::optional<core::Geofence> fence;
};
// Inserts the milestone and reserves its amount, as decided; MILESTONE_EXISTS when the escrow has
// one at idx.
Datum insert_milestone(pg::Spi& spi, const NewMilestone& milestone, const core::MilestoneAddition& addition,
                       FunctionCallInfo fcinfo);

// --- The deadline sweep ---
// The escrows in `status` past their deadline, locked, skipping those another transaction holds.
std::vector<int64_t> lock_overdue_escrows(pg::Spi& spi, core::EscrowStatus status);

}  // namespace koba::store
