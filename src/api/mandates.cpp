// Usage mandates (spec.md section 6): a sender lets a beneficiary spend, up to an amount, until a
// date, optionally only at one merchant or in one category; and the job that expires them.
// Purchases under a mandate are in purchases.cpp.
#include "api/audit.hpp"
#include "api/identity.hpp"
#include "api/lookups.hpp"
#include "core/errors.hpp"
#include "core/transitions.hpp"
#include "core/text_rules.hpp"
#include "core/timestamps.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

// MANDATE_EXPIRED, as core/transitions names the ACTIVE -> EXPIRED step.
std::string_view expired_action() {
    static const core::Step<core::MandateStatus> step =
        core::mandate_step(core::MandateStatus::Active, core::MandateEvent::Expire);
    return step.audit_action;
}

}  // namespace

// create_mandate(sender_id bigint, beneficiary_id bigint, total_amount numeric, currency text DEFAULT 'USD',
//                allowed_category_id bigint DEFAULT NULL, allowed_merchant_id bigint DEFAULT NULL,
//                expires_at timestamptz DEFAULT NULL) RETURNS usage_mandates
KOBA_FUNCTION(kobatela_create_mandate) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    const pg::Args args(fcinfo);
    const int64_t sender_id = args.int8(0, "sender_id");
    const int64_t beneficiary_id = args.int8(1, "beneficiary_id");
    const int64_t total = args.amount(2, "total_amount");
    const std::string currency = core::normalize_currency(args.text(3, "currency"), pg::settings::currencies());
    const std::optional<int64_t> category_id = args.opt_int8(4);
    const std::optional<int64_t> merchant_id = args.opt_int8(5);
    const std::optional<pg::UnixMicros> expires_at = args.opt_timestamptz(6);
    if (expires_at) core::require_within_horizon(*expires_at, pg::clock_micros(), "expires_at");
    api::require_party(caller, {sender_id});  // the sender grants its own money
    if (sender_id == beneficiary_id)
        throw Error(ErrorCode::INVALID_ARGUMENT, "sender_id and beneficiary_id must be different users.");
    if (expires_at && *expires_at <= pg::clock_micros()) throw Error(ErrorCode::MANDATE_EXPIRES_IN_PAST);

    // A mandate that is ACTIVE only because the expiry job has not run yet must not block its
    // successor: it is expired here, as the job would.
    static pg::Statement expire_stale{
        "UPDATE kobatela.usage_mandates SET status = 'EXPIRED' WHERE sender_id = $1 AND beneficiary_id = $2 "
        "AND currency = $3 AND status = 'ACTIVE' AND expires_at <= clock_timestamp()",
        {INT8OID, INT8OID, TEXTOID}};
    // One ACTIVE mandate per (sender, beneficiary, currency) is the partial unique index's rule,
    // so two concurrent calls cannot both create one.
    static pg::Statement insert{
        "INSERT INTO kobatela.usage_mandates (sender_id, beneficiary_id, total_amount, currency, "
        "allowed_category_id, allowed_merchant_id, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, clock_timestamp() + interval '30 days')) "
        "ON CONFLICT (sender_id, beneficiary_id, currency) WHERE status = 'ACTIVE' DO NOTHING RETURNING *",
        {INT8OID, INT8OID, NUMERICOID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID}};
    pg::Spi spi;
    api::require_user(spi, sender_id);
    api::require_user(spi, beneficiary_id);
    if (category_id) api::require_category(spi, *category_id);
    if (merchant_id) api::find_merchant(spi, *merchant_id);
    {
        const api::AuditReason reason(expired_action());
        spi.run(expire_stale, pg::Params().int8(sender_id).int8(beneficiary_id).text(currency));
    }
    pg::Params params;
    params.int8(sender_id).int8(beneficiary_id).money(total).text(currency).opt_int8(category_id).opt_int8(merchant_id);
    if (expires_at) params.timestamptz(*expires_at);
    else params.null();
    const api::AuditReason reason("MANDATE_CREATED");
    const pg::Result row = spi.run(insert, std::move(params));
    if (row.empty()) throw Error(ErrorCode::ACTIVE_MANDATE_EXISTS);
    return row.composite(0, fcinfo);
}

// expire_mandates() RETURNS integer: how many ACTIVE mandates past their expiry became EXPIRED.
// A business call (spec.md section 8: a sender may call every business function; the earlier
// system's cleanup endpoint was a sender's) that pg_cron also runs, as its job's owner. A key bound
// to a user expires only the mandates that user is a party to (sender or beneficiary). Concurrent
// runs split the work instead of waiting for each other (SKIP LOCKED), and the status guard makes a
// mandate expire, and be audited, once: a row a purchase holds is left for the next run (the
// purchase was decided before the expiry, or is refused under the lock). Expiry is judged by the
// clock when the job runs, not when its transaction began.
KOBA_FUNCTION(kobatela_expire_mandates) {
    const api::Principal caller = api::require_scope(core::kBusinessWrite);
    static pg::Statement expire{
        "UPDATE kobatela.usage_mandates m SET status = 'EXPIRED' "
        "FROM (SELECT id FROM kobatela.usage_mandates WHERE status = 'ACTIVE' AND expires_at <= clock_timestamp() "
        "      AND ($1::bigint IS NULL OR sender_id = $1 OR beneficiary_id = $1) "
        "      ORDER BY id FOR UPDATE SKIP LOCKED) AS due "
        "WHERE m.id = due.id AND m.status = 'ACTIVE' RETURNING m.id",
        {INT8OID}};
    pg::Spi spi;
    const api::AuditReason reason(expired_action());
    const uint64_t expired = spi.run(expire, pg::Params().opt_int8(caller.user_id)).size();
    return Int32GetDatum(static_cast<int32_t>(expired));
}
