// The payout engine (spec.md section 5): money leaves an escrow, to a milestone's provider or to
// an allowed payee, exactly once per idempotency key and never beyond the escrow's balance
// (deposits minus SENT and SETTLED payments, kept in the escrow's row).
#pragma once

#include "api/escrow_store.hpp"
#include "api/request.hpp"

#include <optional>
#include <string>

namespace koba::api {

// Columns of kobatela.payments as returned by SELECT * / RETURNING *.
enum PaymentColumn {
    kPaymentId = 1,
    kPaymentEscrowId,
    kPaymentMilestoneId,
    kPaymentPayeeId,
    kPaymentAmount,
    kPaymentPspRef,
    kPaymentStatus,
    kPaymentIdempotencyKey,
    kPaymentCreatedAt,
    kPaymentUpdatedAt,
    kPaymentIdempotencyOwner,
    kPaymentPayoutKey,
};

// A milestone's payout, under a key Kobatela makes (payments.payout_key, outside every caller's
// idempotency namespace).
struct PayoutRequest {
    int64_t milestone_id;
    int64_t cents;
    std::string payout_key;
};

// Pays a milestone out of `escrow`, which the caller has locked (lock_escrow). A key already used
// returns its payment (a SENT or SETTLED one as is, a PENDING one sent now; an ERROR one is
// PAYMENT_IN_ERROR: retry with a new key); a milestone already paid this amount returns that
// payment. Otherwise a payment is sent: status SENT, psp_ref PSP-<uuid>, event PAYMENT_SENT,
// audit EXECUTE_PAYOUT; the milestone becomes PAID and, when every milestone of the escrow is
// paid, the escrow is RELEASED with a CLOSED event. INSUFFICIENT_ESCROW_BALANCE when the money
// is not there. Returns the payment's id.
int64_t pay_out(pg::Spi& spi, const Escrow& escrow, const PayoutRequest& request);

// A payment to insert already SENT: for a milestone (pay_out, under Kobatela's payout key) or an
// allowed payee (spend, under the caller's idempotency key).
struct NewPayment {
    std::optional<int64_t> milestone_id;
    std::optional<int64_t> payee_id;
    int64_t cents;
    std::optional<IdempotencyKey> caller_key;
    std::optional<std::string> payout_key;
};

// Inserts `payment` with status SENT and psp_ref PSP-<uuid> out of the locked escrow holding
// `escrow_balance`, and counts it in the escrow's paid_amount; INSUFFICIENT_ESCROW_BALANCE when
// the balance is lower. Returns the new row (PaymentColumn), or no row, having written nothing,
// when a transaction that committed meanwhile took its key. The caller writes the event and
// names the audit reason.
pg::Result insert_sent_payment(pg::Spi& spi, int64_t escrow_id, int64_t escrow_balance, const NewPayment& payment);

// Sends a PENDING payment of the locked escrow (execute_payment), as pay_out sends a new one.
void send_pending_payment(pg::Spi& spi, const Escrow& escrow, int64_t payment_id);

// The payments row, as the calling function's result.
Datum payment_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo);

}  // namespace koba::api
