// The decisions of an escrow's lifecycle (spec.md section 3) that need more than its status table
// (core/transitions): deposits, milestones, and the transitions a party or the clock asks for.
// Pure: src/store/escrow_store.hpp reads the escrow under its row lock and applies the decision.
#pragma once

#include "core/escrow_money.hpp"
#include "core/escrow_state.hpp"
#include "core/metadata.hpp"
#include "core/transitions.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace koba::core {

// create_escrow: INVALID_ARGUMENT when client and provider are one user, INVALID_JSON unless the
// release conditions are an object. Returns the step (DRAFT, CREATED, ESCROW_CREATED).
Step<EscrowStatus> plan_create_escrow(int64_t client_id, int64_t provider_id, std::string_view conditions_json);

// What create_escrow was asked, or what the escrow an idempotency key names was created with.
struct EscrowTerms {
    int64_t client_id = 0;
    int64_t provider_id = 0;
    int64_t amount_total = 0;  // cents
    std::string currency;
    std::string release_conditions;  // jsonb's text (PostgreSQL's normal form)
    int64_t deadline_at = 0;         // Unix microseconds
    std::string metadata{kNoMetadata};  // jsonb's text, within core/metadata.hpp's bounds
};
// A replay returns the key's escrow only if it was created with the same terms and metadata:
// IDEMPOTENCY_CONFLICT otherwise.
void require_same_escrow(const EscrowTerms& first, const EscrowTerms& request);
// The CREATED event's data.
std::string escrow_created_event(int64_t amount_total, std::string_view currency);

// add_milestone: ESCROW_NOT_ACTIVE on a closed escrow, MILESTONE_EXCEEDS_TOTAL when the escrow's
// milestones, `milestones_total` cents so far, would exceed its total, or when the money promised
// to open milestones would exceed what the escrow can still pay once funded (its total less what
// already left it: payouts, spends, refunds, failures to repay). Returns the audit reason; the
// milestone's amount is reserved (EscrowMoney::reserved).
struct MilestoneAddition {
    std::string_view audit_action;  // MILESTONE_ADDED
    EscrowMoney money{};              // its amount reserved
};
MilestoneAddition plan_add_milestone(const EscrowState& escrow, int64_t milestones_total, int64_t cents);

// A deposit already made under the request's key.
struct PriorDeposit {
    int64_t escrow_id;
    int64_t cents;
};

struct DepositDecision {
    bool replay = false;         // return the escrow as it is now, whatever its status
    Step<EscrowStatus> step{};  // DRAFT -> FUNDED when the deposits reach the total
    std::string event_data;     // the DEPOSIT event's
};

// A replay (same escrow, same amount) changes nothing; the key used for another deposit is
// IDEMPOTENCY_CONFLICT. Then the status (a closed escrow takes no money: ESCROW_NOT_ACTIVE), then
// DEPOSIT_EXCEEDS_TOTAL.
DepositDecision plan_deposit(const EscrowState& escrow, const std::optional<PriorDeposit>& prior, int64_t cents,
                             const std::optional<std::string>& key);

// A transition whose only input is the escrow (approve, reject, deliver, deadline): the status
// table's step, with the escrow's facts, and the money an ending moves.
struct EscrowEventDecision {
    Step<EscrowStatus> step;
    // A release (RELEASED by approval or deadline) pays the escrow's balance to the provider, a
    // refund (REFUNDED) returns it to the client: one payment of this kind, when the balance is
    // not zero, sent through the payout path (SENT, a PSP reference, settled or failed by webhooks).
    std::optional<PaymentKind> payout_kind;
    int64_t payout_cents = 0;
    // The milestones still open are closed with the escrow, RELEASED or CANCELLED: none can be
    // paid after it ended, and their reservation ends.
    std::optional<MilestoneStatus> open_milestones_to;
    EscrowMoney money{};  // paid (or refunded) += the balance; reserved -> 0
};
EscrowEventDecision plan_escrow_event(const EscrowState& escrow, EscrowEvent event);

// The payout key of an escrow's release or refund: one per escrow, as it ends once.
std::string ending_payout_key(int64_t escrow_id, PaymentKind kind);

// The status the deadline sweep looks for: the one whose CheckDeadline step releases an escrow.
inline constexpr EscrowStatus kReleasableAtDeadline = EscrowStatus::Funded;

// The event data of a release by deadline, for one escrow or the sweep.
std::string deadline_event();

}  // namespace koba::core
