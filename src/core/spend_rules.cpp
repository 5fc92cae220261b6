#include "core/spend_rules.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"

#include <string>

namespace koba::core {

void require_escrow_balance(int64_t balance, int64_t cents, int64_t reserved) {
    if (balance - reserved >= cents) return;
    if (reserved <= 0)
        throw Error(ErrorCode::INSUFFICIENT_ESCROW_BALANCE,
                    "The escrow holds " + format_cents(balance) + "; the payout is " + format_cents(cents) + ".");
    throw Error(ErrorCode::INSUFFICIENT_ESCROW_BALANCE,
                "The escrow holds " + format_cents(balance) + ", of which " + format_cents(reserved) +
                    " is reserved for its open milestones; the spend is " + format_cents(cents) + ".");
}

void require_mandate_allows(const MandateRestrictions& mandate, int64_t merchant_id,
                            std::optional<int64_t> category_id) {
    if (mandate.merchant_id && *mandate.merchant_id != merchant_id)
        throw Error(ErrorCode::MANDATE_MERCHANT_FORBIDDEN);
    if (mandate.category_id && category_id != mandate.category_id)
        throw Error(ErrorCode::MANDATE_CATEGORY_FORBIDDEN);
}

MandateConsumption decide_consume(const MandateState& mandate, int64_t cents, int64_t now) {
    if (mandate.status == MandateStatus::Active && now >= mandate.expires_at)
        throw Error(ErrorCode::MANDATE_CONFLICT, "The mandate expired before the purchase.");
    int64_t spent = 0;
    const bool fits = add_cents(mandate.total_spent, cents, &spent) && spent <= mandate.total_amount;
    // The status table refuses an EXPIRED or CONSUMED mandate (MANDATE_CONFLICT) before the amount.
    const Step<MandateStatus> step =
        mandate_step(mandate.status, MandateEvent::Consume, {fits && spent == mandate.total_amount});
    if (!fits)
        throw Error(ErrorCode::MANDATE_CONFLICT, "The mandate has " +
                                                     format_cents(mandate.total_amount - mandate.total_spent) +
                                                     " left; the purchase is " + format_cents(cents) + ".");
    return MandateConsumption{spent, step.to, step.audit_action};
}

namespace {

// `counter + cents` when it stays within `limit` (no limit: always); an overflow of the money
// range counts as beyond any limit.
std::optional<int64_t> within(int64_t counter, int64_t cents, std::optional<int64_t> limit) {
    int64_t after = 0;
    if (!add_cents(counter, cents, &after)) return std::nullopt;
    if (limit && after > *limit) return std::nullopt;
    return after;
}

std::string limit_detail(const char* what, int64_t counter, int64_t cents, int64_t limit) {
    return std::string("The payee has ") + what + " " + format_cents(counter) + " of a limit of " +
           format_cents(limit) + "; the spend is " + format_cents(cents) + ".";
}

}  // namespace

PayeeCounters decide_spend(const PayeeState& payee, int64_t cents, int64_t escrow_balance, int64_t escrow_reserved) {
    const int64_t today = payee.spent_today_is_today ? payee.spent_today : 0;
    const std::optional<int64_t> new_today = within(today, cents, payee.daily_limit);
    if (!new_today)
        throw Error(ErrorCode::DAILY_LIMIT_REACHED,
                    limit_detail("spent today", today, cents, payee.daily_limit.value_or(kMaxCents)));
    const std::optional<int64_t> new_total = within(payee.spent_total, cents, payee.total_limit);
    if (!new_total)
        throw Error(ErrorCode::TOTAL_LIMIT_REACHED,
                    limit_detail("spent", payee.spent_total, cents, payee.total_limit.value_or(kMaxCents)));
    require_escrow_balance(escrow_balance, cents, escrow_reserved);
    return PayeeCounters{*new_today, *new_total};
}

}  // namespace koba::core
