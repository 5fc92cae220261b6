#include "api/payment_events.hpp"

#include "audit/audit.hpp"
#include "core/payment_correction.hpp"
#include "store/escrow_store.hpp"
#include "store/payout_store.hpp"

#include <string>

namespace koba::api {

void apply_payment_event(pg::Spi& spi, const store::PspSnapshot& snapshot, core::PaymentEvent event,
                         const core::PspEventFacts& facts, const std::optional<Correction>& correction) {
    core::PspEventDecision decision = core::plan_psp_event(snapshot.escrow, snapshot.payment, event, facts);
    std::string corrected;  // the PAYMENT_CORRECTED event's data, when a correction changes something
    if (correction) corrected = core::correct_decision(&decision, snapshot.payment, correction->reason);
    store::apply_psp_event(spi, snapshot, decision);
    // The PSP has the payment: no worker may send it (again).
    if (const auto handed = core::transmission_on_psp_event(snapshot.transmission, decision.step.effect))
        store::write_transmission(spi, snapshot.payment.id, *handed);
    if (!corrected.empty()) {
        const audit::AuditReason reason(core::kPaymentCorrectedAudit);
        store::append_escrow_event(spi, snapshot.escrow.id, core::kPaymentCorrectedEvent, corrected);
    }
}

}  // namespace koba::api
