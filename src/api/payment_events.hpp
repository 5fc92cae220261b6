// What the PSP says happened to a payment, applied: the one sequence that a PSP webhook
// (psp.cpp) and an admin's correction (correct_payment, payments.cpp) both go through.
#pragma once

#include "core/payout_plan.hpp"
#include "pg/spi.hpp"
#include "store/payment_store.hpp"

#include <optional>
#include <string_view>

namespace koba::api {

// A correction's own facts (correct_payment): why the admin records it.
struct Correction {
    std::string_view reason;
};

// On a snapshot taken under the escrow's lock (store::psp_snapshot, store::payment_snapshot):
// core::plan_psp_event decides what `event` does to the payment, store::apply_psp_event writes it,
// and a hand-off still waiting for a worker is TRANSMITTED (core::transmission_on_psp_event).
// With a `correction`, core::correct_decision makes it one before anything is written (a
// contradiction refused, the rows audited PAYMENT_CORRECTED) and a PAYMENT_CORRECTED escrow event
// records it; a replay writes nothing.
void apply_payment_event(pg::Spi& spi, const store::PspSnapshot& snapshot, core::PaymentEvent event,
                         const core::PspEventFacts& facts, const std::optional<Correction>& correction = std::nullopt);

}  // namespace koba::api
