#include "core/escrow_plan.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/money.hpp"

namespace koba::core {

Step<EscrowStatus> plan_create_escrow(int64_t client_id, int64_t provider_id, std::string_view conditions_json) {
    if (client_id == provider_id)
        throw Error(ErrorCode::INVALID_ARGUMENT, "client_id and provider_id must be different users.");
    if (conditions_json.empty() || conditions_json.front() != '{')
        throw Error(ErrorCode::INVALID_JSON, "release_conditions must be a JSON object.");
    // A deadline already past is allowed (spec.md sets no rule): once FUNDED, the escrow is
    // released by escrow_check_deadline or the deadline sweep, as any escrow whose deadline has passed.
    return escrow_create();
}

void require_same_escrow(const EscrowTerms& first, const EscrowTerms& request) {
    if (first.client_id != request.client_id || first.provider_id != request.provider_id ||
        first.amount_total != request.amount_total || first.currency != request.currency ||
        first.release_conditions != request.release_conditions || first.deadline_at != request.deadline_at ||
        first.metadata != request.metadata)
        throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
}

std::string escrow_created_event(int64_t amount_total, std::string_view currency) {
    return JsonObject().add_money("amount_total", amount_total).add("currency", currency).str();
}

MilestoneAddition plan_add_milestone(const EscrowState& escrow, int64_t milestones_total, int64_t cents) {
    if (is_terminal(escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(status_name(escrow.status)) + ": it takes no new milestone.");
    int64_t planned = 0;
    if (!add_cents(milestones_total, cents, &planned) || planned > escrow.amount_total)
        throw Error(ErrorCode::MILESTONE_EXCEEDS_TOTAL, "Milestones would total " + format_cents(planned) +
                                                            " of an escrow of " + format_cents(escrow.amount_total) +
                                                            ".");
    // What the escrow can still pay once fully funded: its total less what already left it.
    const int64_t can_still_pay = escrow.amount_total - (escrow.paid + escrow.refunded + escrow.to_repay);
    if (escrow.reserved + cents > can_still_pay)
        throw Error(ErrorCode::MILESTONE_EXCEEDS_TOTAL,
                    "Open milestones would be promised " + format_cents(escrow.reserved + cents) +
                        " of an escrow that can still pay " + format_cents(can_still_pay) + ".");
    MilestoneAddition a{"MILESTONE_ADDED", {}};
    a.money.reserved = cents;  // a new milestone is open (WAITING): its amount is promised
    return a;
}

DepositDecision plan_deposit(const EscrowState& escrow, const std::optional<PriorDeposit>& prior, int64_t cents,
                             const std::optional<std::string>& key) {
    DepositDecision d;
    if (prior) {
        if (prior->escrow_id != escrow.id || prior->cents != cents) throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
        d.replay = true;
        return d;
    }
    // The status first (a closed escrow takes no money), then the total.
    int64_t deposited = 0;
    const bool fits = add_cents(escrow.deposited, cents, &deposited) && deposited <= escrow.amount_total;
    d.step = escrow_step(escrow.status, EscrowEvent::Deposit, {fits && deposited >= escrow.amount_total, false});
    if (!fits)
        throw Error(ErrorCode::DEPOSIT_EXCEEDS_TOTAL, "Deposits would total " + format_cents(deposited) +
                                                          " of an escrow of " + format_cents(escrow.amount_total) + ".");
    JsonObject data;
    data.add_money("amount", cents);
    if (key) data.add("idempotency_key", *key);
    d.event_data = data.str();
    return d;
}

EscrowEventDecision plan_escrow_event(const EscrowState& escrow, EscrowEvent event) {
    EscrowEventDecision d;
    d.step = escrow_step(escrow.status, event, EscrowFacts{false, escrow.deadline_passed, escrow.deposited > 0});
    if (d.step.effect != Effect::Apply || escrow.status == d.step.to) return d;
    if (d.step.to != EscrowStatus::Released && d.step.to != EscrowStatus::Refunded) return d;
    // Released or refunded: the balance leaves, and the open milestones close.
    const bool release = d.step.to == EscrowStatus::Released;
    const PaymentKind kind = release ? PaymentKind::Release : PaymentKind::Refund;
    if (escrow.balance() > 0) {
        d.payout_kind = kind;
        d.payout_cents = escrow.balance();
        d.money = move_payment(kind, PaymentStatus::Pending, false, PaymentStatus::Sent, false, d.payout_cents);
    }
    d.open_milestones_to = release ? MilestoneStatus::Released : MilestoneStatus::Cancelled;
    d.money.reserved = -escrow.reserved;
    return d;
}

std::string ending_payout_key(int64_t escrow_id, PaymentKind kind) {
    return "escrow:" + std::to_string(escrow_id) + ":" + std::string(kind == PaymentKind::Refund ? "refund" : "release");
}

std::string deadline_event() { return JsonObject().add_null("note").add("reason", "deadline").str(); }

}  // namespace koba::core
