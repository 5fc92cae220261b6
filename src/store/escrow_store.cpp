#include "store/escrow_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "store/identity_store.hpp"
#include "store/new_row.hpp"
#include "store/payment_store.hpp"

#include <stdexcept>

namespace koba::store {

namespace {

core::EscrowState escrow_of(const pg::Result& r) {
    core::EscrowState e;
    e.id = r.int8(0, r.column("id"));
    e.client_id = r.int8(0, r.column("client_id"));
    e.provider_id = r.int8(0, r.column("provider_id"));
    e.amount_total = r.money(0, r.column("amount_total"));
    e.deposited = r.money(0, r.column("deposited_amount"));
    e.paid = r.money(0, r.column("paid_amount"));
    e.refunded = r.money(0, r.column("refunded_amount"));
    e.to_repay = r.money(0, r.column("to_repay_amount"));
    e.reserved = r.money(0, r.column("reserved_amount"));
    e.currency = r.text(0, r.column("currency"));
    e.status = core::parse_status<core::EscrowStatus>(r.text(0, r.column("status"))).value();
    e.deadline_passed = r.boolean(0, r.column("deadline_passed"));
    return e;
}

// The escrow's money is in its own row (deposited_amount, paid_amount), so one statement reads
// the status and the balance together: with FOR UPDATE, it is the version the previous lock
// holder committed.
#define KOBA_ESCROW_SELECT                                                                           \
    "SELECT id, client_id, provider_id, amount_total, currency, status::text AS status, "           \
    "deadline_at <= clock_timestamp() AS deadline_passed, deposited_amount, paid_amount, "           \
    "refunded_amount, to_repay_amount, reserved_amount FROM kobatela.escrow_agreements WHERE id = $1"

core::EscrowState read_escrow(pg::Spi& spi, pg::Statement& statement, int64_t escrow_id) {
    const pg::Result r = spi.run(statement, pg::Params().int8(escrow_id));
    if (r.empty()) throw core::Error(core::ErrorCode::ESCROW_NOT_FOUND);
    return escrow_of(r);
}

}  // namespace

core::EscrowState find_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement select{KOBA_ESCROW_SELECT, {INT8OID}};
    return read_escrow(spi, select, escrow_id);
}

core::EscrowState lock_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement lock{KOBA_ESCROW_SELECT " FOR UPDATE", {INT8OID}};
    return read_escrow(spi, lock, escrow_id);
}

std::optional<core::EscrowState> try_lock_escrow(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement lock{KOBA_ESCROW_SELECT " FOR UPDATE SKIP LOCKED", {INT8OID}};
    const pg::Result r = spi.run(lock, pg::Params().int8(escrow_id));
    if (r.empty()) return std::nullopt;
    return escrow_of(r);
}

void add_escrow_money(pg::Spi& spi, int64_t escrow_id, const core::EscrowMoney& money) {
    if (money.empty()) return;
    // A payout or a spend moves paid_amount alone: the hot paths' statement stays as small as it was.
    static pg::Statement update_paid{
        "UPDATE kobatela.escrow_agreements SET paid_amount = paid_amount + $2 WHERE id = $1", {INT8OID, NUMERICOID}};
    if (money.refunded == 0 && money.to_repay == 0 && money.reserved == 0) {
        spi.run(update_paid, pg::Params().int8(escrow_id).money(money.paid));
        return;
    }
    static pg::Statement update{
        "UPDATE kobatela.escrow_agreements SET paid_amount = paid_amount + $2, refunded_amount = refunded_amount + $3, "
        "to_repay_amount = to_repay_amount + $4, reserved_amount = reserved_amount + $5 WHERE id = $1",
        {INT8OID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID}};
    spi.run(update, pg::Params()
                        .int8(escrow_id)
                        .money(money.paid)
                        .money(money.refunded)
                        .money(money.to_repay)
                        .money(money.reserved));
}

void append_escrow_event(pg::Spi& spi, int64_t escrow_id, std::string_view kind, const std::string& data_json) {
    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_events (escrow_id, kind, data) VALUES ($1, $2, $3)",
        {INT8OID, TEXTOID, JSONBOID}};
    spi.run(insert, pg::Params().int8(escrow_id).text(kind).own_jsonb(data_json));
}

void apply_escrow_step(pg::Spi& spi, int64_t escrow_id, const core::Step<core::EscrowStatus>& step,
                       const std::string& data_json, int64_t deposited_cents, const core::EscrowMoney& money) {
    if (step.effect == core::Effect::NoOp) {
        if (deposited_cents != 0 || !money.empty())
            throw std::logic_error("kobatela: a step that changes nothing moves money");
        return;
    }
    static pg::Statement update{
        "UPDATE kobatela.escrow_agreements SET status = $2::kobatela.escrow_status, "
        "deposited_amount = deposited_amount + $3 WHERE id = $1",
        {INT8OID, TEXTOID, NUMERICOID}};
    static pg::Statement update_money{
        "UPDATE kobatela.escrow_agreements SET status = $2::kobatela.escrow_status, "
        "deposited_amount = deposited_amount + $3, paid_amount = paid_amount + $4, "
        "refunded_amount = refunded_amount + $5, to_repay_amount = to_repay_amount + $6, "
        "reserved_amount = reserved_amount + $7 WHERE id = $1",
        {INT8OID, TEXTOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID}};
    const audit::AuditReason reason(step.audit_action);
    // Updated even when the status stays (a partial deposit): the escrow changed, and under
    // REPEATABLE READ a concurrent call on it then fails to serialise instead of reading stale sums.
    // One statement for the status and every counter: one row version, one audit row.
    pg::Params params;
    params.int8(escrow_id).text(core::status_name(step.to)).money(deposited_cents);
    if (money.empty()) {
        spi.run(update, std::move(params));
    } else {
        params.money(money.paid).money(money.refunded).money(money.to_repay).money(money.reserved);
        spi.run(update_money, std::move(params));
    }
    if (!step.event_kind.empty()) append_escrow_event(spi, escrow_id, step.event_kind, data_json);
}

void apply_escrow_event(pg::Spi& spi, const core::EscrowState& escrow, const core::EscrowEventDecision& decision,
                        const std::string& data_json) {
    apply_escrow_step(spi, escrow.id, decision.step, data_json, 0, decision.money);
    if (decision.step.effect != core::Effect::Apply) return;
    static pg::Statement close_open{
        "UPDATE kobatela.milestones SET status = $2::kobatela.milestone_status "
        "WHERE escrow_id = $1 AND status = ANY ($3::kobatela.milestone_status[])",
        {INT8OID, TEXTOID, TEXTOID}};
    const audit::AuditReason reason(decision.step.audit_action);
    if (decision.open_milestones_to)
        spi.run(close_open, pg::Params()
                                .int8(escrow.id)
                                .text(core::status_name(*decision.open_milestones_to))
                                .text(core::open_milestone_statuses()));
    if (!decision.payout_kind) return;
    const core::PaymentKind kind = *decision.payout_kind;
    // Its money was counted above, with the rest of the ending.
    const pg::Result row =
        insert_payment(spi, {kind, escrow.id, std::nullopt, std::nullopt, decision.payout_cents, core::PaymentStatus::Sent,
                             {}, std::nullopt, core::ending_payout_key(escrow.id, kind), std::nullopt});
    // An escrow ends once, so its ending's key is new: a row there means the books were edited.
    if (row.empty()) throw std::logic_error("kobatela: the escrow's release or refund payment exists already");
    append_escrow_event(spi, escrow.id, core::kPaymentSentEvent,
                        core::payment_sent_event(row.int8(0, row.column("id")), decision.payout_cents,
                                                 row.text(0, row.column("psp_ref")), std::nullopt, kind));
}

Datum escrow_row(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{"SELECT * FROM kobatela.escrow_agreements WHERE id = $1", {INT8OID}};
    return spi.run(select, pg::Params().int8(escrow_id)).composite(0, fcinfo);
}

void append_escrow_events_to_set(pg::Spi& spi, int64_t escrow_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{
        "SELECT * FROM kobatela.escrow_events WHERE escrow_id = $1 ORDER BY at, id", {INT8OID}};
    spi.run(select, pg::Params().int8(escrow_id)).append_to_set(fcinfo);
}

void require_parties_exist(pg::Spi& spi, int64_t client_id, int64_t provider_id) {
    require_user(spi, client_id);
    require_user(spi, provider_id);
}

std::optional<KeyedEscrow> escrow_by_key(pg::Spi& spi, const context::IdempotencyKey& key) {
    static pg::Statement find{
        "SELECT id, client_id, provider_id, amount_total, currency, release_conditions::text AS release_conditions, "
        "deadline_at, metadata::text AS metadata FROM kobatela.escrow_agreements "
        "WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
        {TEXTOID, INT8OID}};
    const pg::Result r = spi.run(find, pg::Params().text(key.key).opt_int8(key.owner));
    if (r.empty()) return std::nullopt;
    return KeyedEscrow{r.int8(0, r.column("id")),
                       {r.int8(0, r.column("client_id")), r.int8(0, r.column("provider_id")),
                        r.money(0, r.column("amount_total")), r.text(0, r.column("currency")),
                        r.text(0, r.column("release_conditions")), r.timestamptz(0, r.column("deadline_at")),
                        r.text(0, r.column("metadata"))}};
}

std::optional<int64_t> insert_escrow(pg::Spi& spi, const core::EscrowTerms& escrow,
                                     const std::optional<context::IdempotencyKey>& key,
                                     const core::Step<core::EscrowStatus>& created) {
    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_agreements (client_id, provider_id, amount_total, currency, "
        "release_conditions, deadline_at, status, idempotency_key, idempotency_owner, metadata) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::kobatela.escrow_status, $8, $9, $10) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, JSONBOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT8OID, JSONBOID}};
    const audit::AuditReason reason(created.audit_action);
    pg::Params values;
    values.int8(escrow.client_id)
        .int8(escrow.provider_id)
        .money(escrow.amount_total)
        .text(escrow.currency)
        .own_jsonb(escrow.release_conditions)  // jsonb's own text of the argument: parsed before
        .timestamptz(escrow.deadline_at)
        .text(core::status_name(created.to));
    context::add_idempotency_key(values, key).own_jsonb(escrow.metadata);
    const pg::Result row = spi.run(insert, std::move(values));
    if (row.empty()) return std::nullopt;
    const int64_t escrow_id = row.int8(0, row.column("id"));
    append_escrow_event(spi, escrow_id, created.event_kind,
                        core::escrow_created_event(escrow.amount_total, escrow.currency));
    return escrow_id;
}

std::optional<core::PriorDeposit> deposit_by_key(pg::Spi& spi, const context::IdempotencyKey& key) {
    static pg::Statement find{
        "SELECT escrow_id, amount FROM kobatela.escrow_deposits "
        "WHERE idempotency_key = $1 AND idempotency_owner IS NOT DISTINCT FROM $2",
        {TEXTOID, INT8OID}};
    const pg::Result r = spi.run(find, pg::Params().text(key.key).opt_int8(key.owner));
    if (r.empty()) return std::nullopt;
    return core::PriorDeposit{r.int8(0, r.column("escrow_id")), r.money(0, r.column("amount"))};
}

bool apply_deposit(pg::Spi& spi, int64_t escrow_id, int64_t cents, const std::optional<context::IdempotencyKey>& key,
                   const core::DepositDecision& decision) {
    static pg::Statement insert{
        "INSERT INTO kobatela.escrow_deposits (escrow_id, amount, idempotency_key, idempotency_owner) "
        "VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (idempotency_key, idempotency_owner) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, NUMERICOID, TEXTOID, INT8OID}};
    {
        const audit::AuditReason reason(decision.step.audit_action);
        pg::Params values;
        if (spi.run(insert, context::add_idempotency_key(values.int8(escrow_id).money(cents), key)).empty())
            return false;
    }
    apply_escrow_step(spi, escrow_id, decision.step, decision.event_data, cents);
    return true;
}

int64_t milestones_total(pg::Spi& spi, int64_t escrow_id) {
    static pg::Statement total{
        "SELECT coalesce(sum(amount), 0)::numeric(18,2) FROM kobatela.milestones WHERE escrow_id = $1", {INT8OID}};
    return spi.run(total, pg::Params().int8(escrow_id)).money(0, 1);
}

Datum insert_milestone(pg::Spi& spi, const NewMilestone& m, const core::MilestoneAddition& addition,
                       FunctionCallInfo fcinfo) {
    static pg::Statement insert{
        "INSERT INTO kobatela.milestones (escrow_id, idx, label, amount, proof_type, validator, "
        "geofence_lat, geofence_lng, geofence_radius_m) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (escrow_id, idx) DO NOTHING RETURNING *",
        {INT8OID, INT4OID, TEXTOID, NUMERICOID, TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, FLOAT8OID}};
    pg::Params params;
    params.int8(m.escrow_id).int4(m.idx).text(m.label).money(m.cents).text(m.proof_type).text(m.validator);
    if (m.fence) params.float8(m.fence->lat).float8(m.fence->lng).float8(m.fence->radius_m);
    else params.null().null().null();
    const Datum row =
        insert_new_row(spi, insert, std::move(params), addition.audit_action, core::ErrorCode::MILESTONE_EXISTS, fcinfo);
    const audit::AuditReason reason(addition.audit_action);
    add_escrow_money(spi, m.escrow_id, addition.money);
    return row;
}

std::vector<int64_t> lock_overdue_escrows(pg::Spi& spi, core::EscrowStatus status) {
    static pg::Statement overdue{
        "SELECT id FROM kobatela.escrow_agreements WHERE status = $1::kobatela.escrow_status "
        "AND deadline_at <= clock_timestamp() ORDER BY id FOR UPDATE SKIP LOCKED",
        {TEXTOID}};
    const pg::Result due = spi.run(overdue, pg::Params().text(core::status_name(status)));
    std::vector<int64_t> ids;
    for (uint64_t i = 0; i < due.size(); ++i) ids.push_back(due.int8(i, 1));
    return ids;
}

}  // namespace koba::store
