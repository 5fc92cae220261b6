#include "store/event_store.hpp"

#include "pg/as_owner.hpp"
#include "pg/guard.hpp"
#include "pg/notify_gate.hpp"

namespace koba::store {

namespace {

// The channel consumers LISTEN on (docs/events.md); the payload is empty: a notification says
// "there is something new", never what.
constexpr const char* kChannel = "kobatela_events";

// The columns events_since() returns (kobatela.feed_event), the txid standing in the cursor's place.
#define KOBA_FEED_COLUMNS "txid::text AS cursor, id, type::text AS type, object::text AS object, object_id, data, created_at"
// Events of transactions older than every one still running: none of a smaller txid can commit
// after a page that shows these (docs/events.md, "Commit order").
#define KOBA_FEED_FINISHED "txid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())"

}  // namespace

void record_event(pg::Spi& spi, const NewEvent& event, Oid owner) {
    // Run as the table's owner under the caller's search_path: every name and operator qualified.
    static pg::Statement insert{
        "INSERT INTO kobatela.events (type, object, object_id, data, party_a, party_b) "
        "SELECT $1, $2, $3, $4, COALESCE($5, e.client_id, p.beneficiary_id), "
        "COALESCE($6, e.provider_id, m.sender_id) "
        "FROM (VALUES (1)) AS one (x) "
        "LEFT JOIN kobatela.escrow_agreements e ON e.id OPERATOR(pg_catalog.=) $7 "
        "LEFT JOIN kobatela.purchases p ON p.id OPERATOR(pg_catalog.=) $8 "
        "LEFT JOIN kobatela.usage_mandates m ON m.id OPERATOR(pg_catalog.=) $9",
        {TEXTOID, TEXTOID, INT8OID, JSONBOID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}};
    const pg::AsTableOwner as_owner(owner);
    spi.run(insert, pg::Params()
                        .text(event.type)
                        .text(event.object)
                        .int8(event.object_id)
                        .own_jsonb(event.data_json)
                        .opt_int8(event.party_a)
                        .opt_int8(event.party_b)
                        .opt_int8(event.escrow_id)
                        .opt_int8(event.purchase_id)
                        .opt_int8(event.mandate_id));
    pg::notify_at_commit(kChannel);
}

pg::Result events_page(pg::Spi& spi, const core::FeedPosition& after, int64_t limit, std::optional<int64_t> party) {
    static pg::Statement all{
        "SELECT " KOBA_FEED_COLUMNS " FROM kobatela.events "
        "WHERE (txid, id) > ($1, $2) AND " KOBA_FEED_FINISHED " ORDER BY txid, id LIMIT $3",
        {XID8OID, INT8OID, INT8OID}};
    // A party's events: as party a, merged with those as party b (not also a), each read from its
    // own index in (txid, id) order.
    static pg::Statement of_party{
        "SELECT " KOBA_FEED_COLUMNS " FROM ("
        "(SELECT * FROM kobatela.events WHERE party_a = $4 AND (txid, id) > ($1, $2) AND " KOBA_FEED_FINISHED
        " ORDER BY txid, id LIMIT $3) UNION ALL "
        "(SELECT * FROM kobatela.events WHERE party_b = $4 AND party_a IS DISTINCT FROM $4 AND (txid, id) > ($1, $2) "
        "AND " KOBA_FEED_FINISHED " ORDER BY txid, id LIMIT $3)) AS e ORDER BY txid, id LIMIT $3",
        {XID8OID, INT8OID, INT8OID, INT8OID}};
    pg::Params params;
    params.xid8(after.txid).int8(after.id).int8(limit);
    if (!party) return spi.run(all, std::move(params));
    params.int8(*party);
    return spi.run(of_party, std::move(params));
}

}  // namespace koba::store
