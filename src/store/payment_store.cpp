#include "store/payment_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "core/references.hpp"
#include "pg/datum.hpp"
#include "store/alert_store.hpp"
#include "store/escrow_store.hpp"
#include "store/payout_store.hpp"

#include <stdexcept>

namespace koba::store {

namespace {

using core::Error;
using core::ErrorCode;

// The columns of a payment the payout engine and the PSP webhook decide on.
#define KOBA_PAYMENT_COLUMNS                                                                            \
    "p.id, p.escrow_id, p.milestone_id, p.payee_id, p.amount, p.status::text AS status, p.kind::text AS kind"
#define KOBA_PAYMENT_SELECT "SELECT " KOBA_PAYMENT_COLUMNS " FROM kobatela.payments p "

// A payment read with KOBA_PAYMENT_SELECT (retried: false; see with_retry).
core::PaymentState read_payment(const pg::Result& r) {
    core::PaymentState p;
    p.id = r.int8(0, r.column("id"));
    p.escrow_id = r.int8(0, r.column("escrow_id"));
    p.milestone_id = r.opt_int8(0, r.column("milestone_id"));
    p.payee_id = r.opt_int8(0, r.column("payee_id"));
    p.cents = r.money(0, r.column("amount"));
    p.status = core::parse_status<core::PaymentStatus>(r.text(0, r.column("status"))).value();
    p.kind = core::parse_status<core::PaymentKind>(r.text(0, r.column("kind"))).value();
    return p;
}

// The same, with whether a later payment retries it: read only for a failed payment, the only
// status whose money depends on it (core/escrow_money), so that a webhook's common case (a SENT
// or SETTLED payment) reads nothing more.
core::PaymentState with_retry(pg::Spi& spi, const pg::Result& r) {
    static pg::Statement retried{
        "SELECT EXISTS (SELECT 1 FROM kobatela.payments WHERE retry_of = $1) AS retried", {INT8OID}};
    core::PaymentState p = read_payment(r);
    if (p.status == core::PaymentStatus::Error) {
        const pg::Result e = spi.run(retried, pg::Params().int8(p.id));
        p.retried = e.boolean(0, e.column("retried"));
    }
    return p;
}

// How many of the milestone's siblings (its escrow's other milestones) are not PAID yet.
int64_t other_unpaid_milestones(pg::Spi& spi, int64_t milestone_id) {
    static pg::Statement others{
        "SELECT count(*) AS unpaid FROM kobatela.milestones o JOIN kobatela.milestones m ON m.escrow_id = o.escrow_id "
        "WHERE m.id = $1 AND o.id <> m.id AND o.status <> $2::kobatela.milestone_status",
        {INT8OID, TEXTOID}};
    const pg::Result o =
        spi.run(others, pg::Params().int8(milestone_id).text(core::status_name(core::MilestoneStatus::Paid)));
    return o.int8(0, o.column("unpaid"));
}

// The milestone's status, locked.
core::MilestoneStatus lock_milestone_status(pg::Spi& spi, int64_t milestone_id) {
    static pg::Statement lock{
        "SELECT status::text AS status FROM kobatela.milestones WHERE id = $1 FOR UPDATE", {INT8OID}};
    const pg::Result r = spi.run(lock, pg::Params().int8(milestone_id));
    return core::parse_status<core::MilestoneStatus>(r.text(0, r.column("status"))).value();
}

// What follows a payment being sent, as decided: the milestone's new status, the escrow's
// PAYMENT_SENT event, and the escrow closed once every milestone is paid.
void apply_sent(pg::Spi& spi, int64_t escrow_id, const core::SendDecision& send, int64_t payment_id, int64_t cents,
                std::optional<int64_t> milestone_id, core::PaymentKind kind, const std::string& psp_ref) {
    static pg::Statement milestone_status{
        "UPDATE kobatela.milestones SET status = $2::kobatela.milestone_status WHERE id = $1", {INT8OID, TEXTOID}};
    if (milestone_id && send.milestone_to)
        spi.run(milestone_status, pg::Params().int8(*milestone_id).text(core::status_name(*send.milestone_to)));
    append_escrow_event(spi, escrow_id, core::kPaymentSentEvent,
                        core::payment_sent_event(payment_id, cents, psp_ref, milestone_id, kind));
    if (send.escrow_close) apply_escrow_step(spi, escrow_id, *send.escrow_close, core::all_paid_event());
}

// A new payment's reference at the PSP: time-ordered (core/references.hpp), so that inserts into
// payments_psp_ref_key land at the right edge of the index.
std::string new_psp_ref() { return core::new_psp_ref(pg::clock_micros() / 1000); }

// A PENDING payment sent, as decided.
void send_pending(pg::Spi& spi, int64_t escrow_id, const core::PaymentState& payment, const core::SendDecision& send) {
    static pg::Statement mark_sent{
        "UPDATE kobatela.payments SET status = $2::kobatela.payment_status, psp_ref = $3 "
        "WHERE id = $1 RETURNING psp_ref",
        {INT8OID, TEXTOID, TEXTOID}};
    const audit::AuditReason reason(core::kPayoutAudit);
    const pg::Result r = spi.run(
        mark_sent, pg::Params().int8(payment.id).text(core::status_name(send.payment_to)).text(new_psp_ref()));
    add_escrow_money(spi, escrow_id, send.money);
    if (core::queues_transmission(send.payment_to)) queue_transmission(spi, payment.id);
    apply_sent(spi, escrow_id, send, payment.id, payment.cents, payment.milestone_id, payment.kind,
               r.text(0, r.column("psp_ref")));
}

}  // namespace

core::MilestonePayoutSnapshot milestone_payout_snapshot(pg::Spi& spi, const core::EscrowState& escrow,
                                                        int64_t milestone_id, int64_t cents,
                                                        core::MilestoneStatus milestone_status,
                                                        const std::string& payout_key) {
    static pg::Statement by_key{KOBA_PAYMENT_SELECT "WHERE p.payout_key = $1 FOR UPDATE", {TEXTOID}};
    static pg::Statement paid_before{
        "SELECT id FROM kobatela.payments WHERE milestone_id = $1 AND amount = $2 "
        "AND status = ANY ($3::kobatela.payment_status[]) ORDER BY id LIMIT 1",
        {INT8OID, NUMERICOID, TEXTOID}};
    core::MilestonePayoutSnapshot s;
    s.send.escrow = escrow;
    s.send.kind = core::PaymentKind::Milestone;
    s.send.cents = cents;
    s.send.milestone_id = milestone_id;
    s.send.milestone_status = milestone_status;
    s.send.other_unpaid_milestones = other_unpaid_milestones(spi, milestone_id);
    const pg::Result seen = spi.run(by_key, pg::Params().text(payout_key));
    if (!seen.empty()) {
        s.by_key = read_payment(seen);
        return s;
    }
    const pg::Result earlier = spi.run(paid_before, pg::Params()
                                                        .int8(milestone_id)
                                                        .money(cents)
                                                        .text(core::paid_payment_statuses()));
    if (!earlier.empty()) s.paid_before = earlier.int8(0, 1);
    return s;
}

int64_t apply_milestone_payout(pg::Spi& spi, const core::MilestonePayoutSnapshot& snapshot,
                               const core::PayoutDecision& decision, const std::string& payout_key) {
    const int64_t escrow_id = snapshot.send.escrow.id;
    switch (decision.kind) {
        case core::PayoutDecision::Kind::Existing: return decision.payment_id;
        case core::PayoutDecision::Kind::SendPending:
            send_pending(spi, escrow_id, *snapshot.by_key, decision.send);
            return decision.payment_id;
        case core::PayoutDecision::Kind::SendNew: break;
    }
    const audit::AuditReason reason(core::kPayoutAudit);
    const pg::Result row = insert_payment(spi, {core::PaymentKind::Milestone, escrow_id, snapshot.send.milestone_id,
                                                std::nullopt, snapshot.send.cents, decision.send.payment_to,
                                                decision.send.money, std::nullopt, payout_key, std::nullopt});
    // Taken meanwhile by a payout of another escrow (this escrow's are serialised by its lock).
    if (row.empty()) throw Error(ErrorCode::IDEMPOTENCY_CONFLICT);
    const int64_t id = row.int8(0, row.column("id"));
    apply_sent(spi, escrow_id, decision.send, id, snapshot.send.cents, snapshot.send.milestone_id,
               core::PaymentKind::Milestone, row.text(0, row.column("psp_ref")));
    return id;
}

int64_t payment_escrow_id(pg::Spi& spi, int64_t payment_id) {
    static pg::Statement find{"SELECT escrow_id FROM kobatela.payments WHERE id = $1", {INT8OID}};
    const pg::Result found = spi.run(find, pg::Params().int8(payment_id));
    if (found.empty()) throw Error(ErrorCode::PAYMENT_NOT_FOUND);
    return found.int8(0, 1);
}

core::ExecuteSnapshot execute_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id) {
    static pg::Statement select{KOBA_PAYMENT_SELECT "WHERE p.id = $1 FOR UPDATE", {INT8OID}};
    core::ExecuteSnapshot s;
    s.payment = read_payment(spi.run(select, pg::Params().int8(payment_id)));
    s.send.escrow = escrow;
    s.send.kind = s.payment.kind;
    s.send.cents = s.payment.cents;
    s.send.milestone_id = s.payment.milestone_id;
    // Only a payment that will be sent needs its milestone's facts (and its lock).
    if (s.payment.milestone_id && s.payment.status == core::PaymentStatus::Pending) {
        s.send.milestone_status = lock_milestone_status(spi, *s.payment.milestone_id);
        s.send.other_unpaid_milestones = other_unpaid_milestones(spi, *s.payment.milestone_id);
    }
    return s;
}

void apply_execute(pg::Spi& spi, const core::ExecuteSnapshot& snapshot, const core::PayoutDecision& decision) {
    if (decision.kind != core::PayoutDecision::Kind::SendPending) return;
    static pg::Statement ensure_key{
        "UPDATE kobatela.payments SET payout_key = 'payment:' || id WHERE id = $1 AND payout_key IS NULL",
        {INT8OID}};
    const audit::AuditReason reason(core::kPayoutAudit);
    spi.run(ensure_key, pg::Params().int8(snapshot.payment.id));
    send_pending(spi, snapshot.send.escrow.id, snapshot.payment, decision.send);
}

pg::Result insert_payment(pg::Spi& spi, const NewPayment& payment) {
    static pg::Statement insert{
        "INSERT INTO kobatela.payments (escrow_id, milestone_id, payee_id, amount, status, psp_ref, "
        "idempotency_key, idempotency_owner, payout_key, kind, retry_of, metadata) "
        "VALUES ($1, $2, $3, $4, $5::kobatela.payment_status, $6, $7, $8, $9, "
        "$10::kobatela.payment_kind, $11, $12) ON CONFLICT DO NOTHING RETURNING *",
        {INT8OID, INT8OID, INT8OID, NUMERICOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID,
         JSONBOID}};
    pg::Params values;
    values.int8(payment.escrow_id)
        .opt_int8(payment.milestone_id)
        .opt_int8(payment.payee_id)
        .money(payment.cents)
        .text(core::status_name(payment.status))
        .text(new_psp_ref());
    context::add_idempotency_key(values, payment.caller_key)
        .opt_text(payment.payout_key)
        .text(core::status_name(payment.kind))
        .opt_int8(payment.retry_of)
        .own_jsonb(payment.metadata);
    pg::Result row = spi.run(insert, std::move(values));
    if (row.empty()) return row;
    add_escrow_money(spi, payment.escrow_id, payment.money);
    // Every payment that becomes SENT is handed to the PSP by a worker: queued with it.
    if (core::queues_transmission(payment.status)) queue_transmission(spi, row.int8(0, row.column("id")));
    return row;
}

Datum payment_row(pg::Spi& spi, int64_t payment_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.payments WHERE id = $1", {INT8OID}};
    const pg::Result row = spi.run(select, pg::Params().int8(payment_id));
    if (row.empty()) throw Error(ErrorCode::PAYMENT_NOT_FOUND);
    return row.composite(0, fcinfo);
}

std::optional<PspSnapshot> psp_snapshot(pg::Spi& spi, const std::string& psp_ref) {
    static pg::Statement find{"SELECT escrow_id FROM kobatela.payments WHERE psp_ref = $1", {TEXTOID}};
    static pg::Statement lock{KOBA_PAYMENT_SELECT "WHERE p.psp_ref = $1 FOR UPDATE", {TEXTOID}};
    const pg::Result owner = spi.run(find, pg::Params().text(psp_ref));
    if (owner.empty()) return std::nullopt;
    PspSnapshot s;
    s.escrow = lock_escrow(spi, owner.int8(0, 1));
    s.payment = with_retry(spi, spi.run(lock, pg::Params().text(psp_ref)));
    s.transmission = lock_transmission(spi, s.payment.id);
    return s;
}

PspSnapshot payment_snapshot(pg::Spi& spi, int64_t payment_id) {
    return payment_snapshot_locked(spi, lock_escrow(spi, payment_escrow_id(spi, payment_id)), payment_id);
}

PspSnapshot payment_snapshot_locked(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id) {
    static pg::Statement lock{KOBA_PAYMENT_SELECT "WHERE p.id = $1 FOR UPDATE", {INT8OID}};
    PspSnapshot s;
    s.escrow = escrow;
    s.payment = with_retry(spi, spi.run(lock, pg::Params().int8(payment_id)));
    s.transmission = lock_transmission(spi, payment_id);
    return s;
}

void apply_psp_event(pg::Spi& spi, const PspSnapshot& snapshot, const core::PspEventDecision& decision) {
    static pg::Statement update{
        "UPDATE kobatela.payments SET status = $2::kobatela.payment_status WHERE id = $1", {INT8OID, TEXTOID}};
    if (decision.step.effect == core::Effect::NoOp) return;
    const bool apply = decision.step.effect == core::Effect::Apply;
    const audit::AuditReason reason(apply ? decision.step.audit_action : decision.alert_audit);
    if (apply) {
        spi.run(update, pg::Params().int8(snapshot.payment.id).text(core::status_name(decision.step.to)));
        add_escrow_money(spi, snapshot.escrow.id, decision.money);
        if (!decision.event_kind.empty())
            append_escrow_event(spi, snapshot.escrow.id, decision.event_kind, decision.event_data);
    }
    if (!decision.alert_type.empty())
        insert_alert(spi, {decision.alert_type, decision.alert_message, std::nullopt, decision.alert_payload});
}

core::RetrySnapshot retry_snapshot(pg::Spi& spi, const core::EscrowState& escrow, int64_t payment_id) {
    static pg::Statement lock{"SELECT " KOBA_PAYMENT_COLUMNS ", p.metadata::text AS metadata "
                              "FROM kobatela.payments p WHERE p.id = $1 FOR UPDATE",
                              {INT8OID}};
    static pg::Statement retry{"SELECT id FROM kobatela.payments WHERE retry_of = $1", {INT8OID}};
    core::RetrySnapshot s;
    s.escrow = escrow;
    const pg::Result locked = spi.run(lock, pg::Params().int8(payment_id));
    s.payment = read_payment(locked);
    s.metadata = locked.text(0, locked.column("metadata"));
    const pg::Result r = spi.run(retry, pg::Params().int8(payment_id));
    if (!r.empty()) s.retried_by = r.int8(0, 1);
    return s;
}

int64_t apply_retry(pg::Spi& spi, const core::RetrySnapshot& s, const core::RetryDecision& decision) {
    if (decision.replay) return s.retried_by.value();
    const core::PaymentState& failed = s.payment;
    const audit::AuditReason reason(core::kRetryAudit);
    const pg::Result row =
        insert_payment(spi, {failed.kind, failed.escrow_id, failed.milestone_id, failed.payee_id, failed.cents,
                             core::PaymentStatus::Sent, decision.money, std::nullopt,
                             "retry:payment:" + std::to_string(failed.id), failed.id, s.metadata});
    // The escrow's lock serialises the retries of its payments: the retry_of and key are free.
    if (row.empty()) throw std::logic_error("kobatela: a payment's retry exists already");
    const int64_t id = row.int8(0, row.column("id"));
    append_escrow_event(spi, failed.escrow_id, core::kPaymentSentEvent,
                        core::payment_sent_event(id, failed.cents, row.text(0, row.column("psp_ref")),
                                                 failed.milestone_id, failed.kind, failed.id));
    return id;
}

}  // namespace koba::store
