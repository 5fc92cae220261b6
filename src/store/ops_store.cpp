#include "store/ops_store.hpp"

#include "pg/as_owner.hpp"
#include "pg/guard.hpp"

namespace koba::store {

namespace {

// "$1 seconds before the transaction's start", for a bigint parameter.
#define KOBA_SECONDS_AGO(n) "now() - (" n ")::float8 * interval '1 second'"
// Whole seconds from `t` to the transaction's start, never negative.
// (NULL when `t` is: greatest() alone would make it 0)
#define KOBA_AGE_S(t) "CASE WHEN " t " IS NOT NULL THEN greatest(floor(extract(epoch FROM now() - " t ")), 0)::int8 END"

// SENT payments by currency: payments_sent_updated_at_idx (partial: SENT only), each one's escrow
// by its primary key. A payment's updated_at is when it became SENT (nothing else updates a SENT
// payment but the change that ends it).
void read_unsettled(pg::Spi& spi, const OpsThresholds& t, core::OpsFigures& out) {
    static pg::Statement unsettled{
        "SELECT e.currency::text AS currency, count(*) AS sent, "
        "       count(*) FILTER (WHERE p.updated_at < " KOBA_SECONDS_AGO("$1") ") AS overdue, "
        "       " KOBA_AGE_S("min(p.updated_at)") " AS oldest_s "
        "FROM kobatela.payments p JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id "
        "WHERE p.status = 'SENT' GROUP BY e.currency ORDER BY e.currency",
        {INT8OID}};
    const pg::Result r = spi.run(unsettled, pg::Params().int8(t.unsettled_alert_s));
    const int currency = r.column("currency"), sent = r.column("sent"), overdue = r.column("overdue"),
              oldest = r.column("oldest_s");
    for (uint64_t i = 0; i < r.size(); ++i)
        out.unsettled.push_back({r.text(i, currency), r.int8(i, sent), r.int8(i, overdue), r.opt_int8(i, oldest)});
}

// The newest events of the window along psp_webhook_events_received_at_idx (at most
// kScanLimit), each reference looked up by payments_psp_ref_key.
void read_webhooks(pg::Spi& spi, const OpsThresholds& t, core::OpsFigures& out) {
    static pg::Statement webhooks{
        "SELECT count(*) AS received, "
        "       count(*) FILTER (WHERE w.psp_ref IS NOT NULL AND NOT EXISTS ("
        "           SELECT FROM kobatela.payments p WHERE p.psp_ref = w.psp_ref)) AS unmatched "
        "FROM (SELECT psp_ref FROM kobatela.psp_webhook_events WHERE received_at >= " KOBA_SECONDS_AGO("$1")
        "      ORDER BY received_at DESC LIMIT $2) w",
        {INT8OID, INT8OID}};
    const pg::Result r = spi.run(webhooks, pg::Params().int8(t.window_s).int8(kScanLimit));
    out.webhooks_received = r.int8(0, r.column("received"));
    out.webhooks_unmatched = r.int8(0, r.column("unmatched"));
}

// The window's newest alerts along alerts_created_at_id_idx, backwards (at most kScanLimit: the
// limit is also what makes the generic plan an index scan, whatever the window's width).
void read_alerts(pg::Spi& spi, const OpsThresholds& t, core::OpsFigures& out) {
    static pg::Statement alerts{
        "SELECT a.type, count(*) AS n "
        "FROM (SELECT type FROM kobatela.alerts WHERE created_at >= " KOBA_SECONDS_AGO("$1")
        "      ORDER BY created_at DESC, id DESC LIMIT $2) a "
        "GROUP BY a.type ORDER BY a.type",
        {INT8OID, INT8OID}};
    const pg::Result r = spi.run(alerts, pg::Params().int8(t.window_s).int8(kScanLimit));
    for (uint64_t i = 0; i < r.size(); ++i) out.alerts_by_type.push_back({r.text(i, 1), r.int8(i, 2)});
}

// The queue along payout_transmissions_due_idx (QUEUED and CLAIMED only), the given-up hand-offs
// along payout_transmissions_abandoned_idx (ABANDONED only).
void read_payout_queue(pg::Spi& spi, const OpsThresholds& t, core::OpsFigures& out) {
    static pg::Statement queue{
        "SELECT count(*) FILTER (WHERE state = 'QUEUED') AS queued, "
        "       count(*) FILTER (WHERE state = 'CLAIMED') AS claimed, "
        "       " KOBA_AGE_S("min(created_at) FILTER (WHERE state = 'QUEUED')") " AS oldest_queued_s "
        "FROM kobatela.payout_transmissions WHERE state IN ('QUEUED', 'CLAIMED')",
        {}};
    static pg::Statement abandoned{
        "SELECT count(*) AS abandoned, count(*) FILTER (WHERE updated_at >= " KOBA_SECONDS_AGO("$1") ") AS recent "
        "FROM kobatela.payout_transmissions WHERE state = 'ABANDONED'",
        {INT8OID}};
    const pg::Result q = spi.run(queue);
    out.queued = q.int8(0, q.column("queued"));
    out.claimed = q.int8(0, q.column("claimed"));
    out.oldest_queued_age_s = q.opt_int8(0, q.column("oldest_queued_s"));
    const pg::Result a = spi.run(abandoned, pg::Params().int8(t.window_s));
    out.abandoned = a.int8(0, a.column("abandoned"));
    out.abandoned_recent = a.int8(0, a.column("recent"));
}

// Counters: the highest identity of the audit log and of the event feed (the last entry of each
// primary key). Identities only grow, so these are counters in Prometheus' sense.
void read_totals(pg::Spi& spi, core::OpsFigures& out) {
    static pg::Statement totals{
        "SELECT (SELECT max(id) FROM kobatela.audit_log) AS audit_records, "
        "       (SELECT max(id) FROM kobatela.events) AS events",
        {}};
    const pg::Result r = spi.run(totals);
    out.audit_records = r.opt_int8(0, r.column("audit_records"));
    out.events = r.opt_int8(0, r.column("events"));
}

#undef KOBA_SECONDS_AGO
#undef KOBA_AGE_S

}  // namespace

core::OpsFigures read_ops_figures(pg::Spi& spi, const OpsThresholds& thresholds) {
    const pg::AsTableOwner as_owner(pg::pg_call([] { return GetUserId(); }));
    core::OpsFigures out;
    out.unsettled_alert_s = thresholds.unsettled_alert_s;
    out.window_s = thresholds.window_s;
    out.queue_alert_s = thresholds.queue_alert_s;
    out.scan_limit = kScanLimit;
    read_unsettled(spi, thresholds, out);
    read_webhooks(spi, thresholds, out);
    read_alerts(spi, thresholds, out);
    read_payout_queue(spi, thresholds, out);
    read_totals(spi, out);
    return out;
}

std::vector<core::StatusEstimate> read_status_estimates(pg::Spi& spi) {
    // One row per (table, most common status); a table without statistics gives one row with
    // NULL value and frequency. (pg_stats shows its columns to their table's owner: the definer.)
    static pg::Statement estimates{
        "SELECT c.relname::text AS tbl, c.reltuples::float8 AS reltuples, v.value, v.freq::float8 AS freq "
        "FROM pg_catalog.pg_class c "
        "LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = 'kobatela' AND s.tablename = c.relname "
        "     AND s.attname = 'status' AND NOT s.inherited "
        "LEFT JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v (value, freq) ON true "
        "WHERE c.relnamespace = 'kobatela'::regnamespace AND c.relname IN ('escrow_agreements', 'payments') "
        "ORDER BY c.relname, v.value",
        {}};
    const pg::Result r = spi.run(estimates);
    const int tbl = r.column("tbl"), reltuples = r.column("reltuples"), value = r.column("value"),
              freq = r.column("freq");
    std::vector<core::StatusEstimate> out;
    for (uint64_t i = 0; i < r.size(); ++i) {
        const std::string table = r.text(i, tbl);
        if (out.empty() || out.back().table != table) out.push_back({table, r.float8(i, reltuples), {}, {}});
        if (r.is_null(i, value)) continue;
        out.back().values.push_back(r.text(i, value));
        out.back().frequencies.push_back(r.float8(i, freq));
    }
    return out;
}

}  // namespace koba::store
