// Checking the audit trail: verify_audit_chain(), audit_chain_tips(), and the append-only guard
// of audit_log. The chain's encoding is core/audit_chain.hpp; docs/audit.md says what it detects.
#include "audit/extension_tables.hpp"
#include "audit/lane_scan.hpp"
#include "context/identity.hpp"
#include "core/audit_chain.hpp"
#include "core/errors.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

#include <stdexcept>

using namespace koba;
using core::Error;
using core::ErrorCode;

namespace {

pg::Statement g_anchored{
    "SELECT encode(hash, 'hex') FROM kobatela.audit_log WHERE lane = $1 AND seq = $2", {INT4OID, INT8OID}};

pg::Statement g_anchor_list{
    "SELECT jsonb_typeof($1) = 'array', "
    "       (SELECT count(*) FROM jsonb_array_elements(CASE jsonb_typeof($1) WHEN 'array' THEN $1 END) e "
    "         WHERE jsonb_typeof(e) <> 'object' OR jsonb_typeof(e -> 'lane') IS DISTINCT FROM 'number' "
    "            OR jsonb_typeof(e -> 'seq') IS DISTINCT FROM 'number' "
    "            OR jsonb_typeof(e -> 'hash') IS DISTINCT FROM 'string' "
    "            OR (e ->> 'lane') !~ '^[0-9]{1,9}$' OR (e ->> 'seq') !~ '^[0-9]{1,18}$' "
    "            OR (e ->> 'hash') !~ '^[0-9a-fA-F]{64}$')",
    {JSONBOID}};
pg::Statement g_anchors{
    "SELECT (e ->> 'lane')::int, (e ->> 'seq')::bigint, lower(e ->> 'hash') "
    "  FROM jsonb_array_elements($1) WITH ORDINALITY AS a (e, n) ORDER BY n",
    {JSONBOID}};

void notice(const std::string& message) {
    const char* text = message.c_str();
    pg::pg_call([&] { ereport(NOTICE, (errmsg_internal("%s", text))); });
}

// Walks every lane in seq order and recomputes every hash. Reports each broken lane once.
bool chains_intact() {
    bool intact = true;
    int32_t lane = INT32_MIN;
    core::LaneChecker checker;
    bool lane_reported = false;
    audit::LaneOrderScan scan;
    core::AuditRecord record;
    std::string_view hash;
    for (uint64_t n = 0; scan.next(&record, &hash); n++) {
        if (n % 4096 == 0) pg::check_for_interrupts();
        if (record.lane != lane) {  // a new lane starts
            checker = core::LaneChecker();
            lane_reported = false;
            lane = record.lane;
        }
        const core::ChainBreak status = checker.next(record, hash);
        if (status != core::ChainBreak::Ok && !lane_reported) {
            intact = false;
            lane_reported = true;
            notice("audit chain broken in lane " + std::to_string(lane) + " at seq " + std::to_string(record.seq) +
                   ": " + core::chain_break_name(status));
        }
    }
    return intact;
}

// Every anchor {"lane", "seq", "hash"} names a row that still exists with that hash.
bool anchors_present(pg::Spi& spi, const std::string& anchors) {
    const pg::Result check = spi.run(g_anchor_list, pg::Params().jsonb(anchors));
    if (!check.boolean(0, 1) || check.int8(0, 2) != 0)
        throw Error(ErrorCode::INVALID_ARGUMENT,
                    "anchors must be a JSON array of {\"lane\": n, \"seq\": n, \"hash\": \"64 hex digits\"} "
                    "objects, as audit_chain_tips() returns them.");
    bool present = true;
    const pg::Result list = spi.run(g_anchors, pg::Params().jsonb(anchors));
    for (uint64_t i = 0; i < list.size(); i++) {
        const int32_t lane = list.int4(i, 1);
        const int64_t seq = list.int8(i, 2);
        const std::string hash = list.text(i, 3);
        const pg::Result row = spi.run(g_anchored, pg::Params().int4(lane).int8(seq));
        const char* problem = row.empty() ? "the row is missing" : row.text(0, 1) != hash ? "the row's hash differs" : nullptr;
        if (problem != nullptr) {
            present = false;
            notice("audit anchor lane " + std::to_string(lane) + " seq " + std::to_string(seq) + " fails: " + problem);
        }
    }
    return present;
}

}  // namespace

// verify_audit_chain(anchors jsonb DEFAULT NULL) RETURNS boolean
KOBA_FUNCTION(kobatela_verify_audit_chain) {
    context::require_scope(core::Scope::Support | core::Scope::Admin);  // who may read audit_log
    const pg::Args args(fcinfo);
    const std::optional<std::string> anchors =
        args.is_null(0) ? std::nullopt
                        : std::optional<std::string>(args.bounded_jsonb(0, "anchors", core::kAuditAnchorsLimits));
    bool ok = chains_intact();
    if (anchors) {
        pg::Spi spi;
        ok = anchors_present(spi, *anchors) && ok;
    }
    return BoolGetDatum(ok);
}

// audit_chain_tips() RETURNS TABLE (lane integer, seq bigint, hash text): the last row of each
// lane, found with one index probe per lane (a loose index scan).
KOBA_FUNCTION(kobatela_audit_chain_tips) {
    static pg::Statement tips{
        "WITH RECURSIVE lanes (lane) AS ("
        "    SELECT min(lane) FROM kobatela.audit_log"
        "  UNION ALL"
        "    SELECT (SELECT min(a.lane) FROM kobatela.audit_log a WHERE a.lane > l.lane)"
        "      FROM lanes l WHERE l.lane IS NOT NULL) "
        "SELECT l.lane, t.seq, encode(t.hash, 'hex') FROM lanes l "
        " CROSS JOIN LATERAL (SELECT a.seq, a.hash FROM kobatela.audit_log a WHERE a.lane = l.lane "
        "                      ORDER BY a.seq DESC LIMIT 1) t "
        " ORDER BY l.lane",
        {}};
    context::require_scope(core::Scope::Support | core::Scope::Admin);
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    spi.run(tips).append_to_set(fcinfo);
    return Datum(0);
}

// audit_history(entity text, entity_id bigint) RETURNS SETOF audit_entries: the record ids come
// from the indexes (the records' entity keys, and the 0.3.0-0.6.0 rows' (entity, entity_id)); the
// view then unpacks their changes and applies the caller's scope.
KOBA_FUNCTION(kobatela_audit_history) {
    static pg::Statement history{
        "SELECT e.* FROM kobatela.audit_entries e "
        " WHERE e.record_id OPERATOR(pg_catalog.=) ANY (ARRAY("
        "         SELECT r.id FROM kobatela.audit_log r"
        "          WHERE r.entities OPERATOR(pg_catalog.@>) ARRAY[$1 OPERATOR(pg_catalog.||) ':' "
        "                                                         OPERATOR(pg_catalog.||) $2::text]"
        "         UNION ALL"
        "         SELECT r.id FROM kobatela.audit_log r"
        "          WHERE r.changes IS NULL AND r.entity OPERATOR(pg_catalog.=) $1 "
        "            AND r.entity_id OPERATOR(pg_catalog.=) $2))"
        "   AND e.entity OPERATOR(pg_catalog.=) $1 AND e.entity_id OPERATOR(pg_catalog.=) $2 "
        " ORDER BY e.record_id, e.change_no",
        {TEXTOID, INT8OID}};
    context::require_scope(core::Scope::Support | core::Scope::Admin);
    const pg::Args args(fcinfo);
    const std::string entity = args.bounded_text(0, "entity", NAMEDATALEN - 1);  // a table name
    const int64_t entity_id = args.int8(1, "entity_id");
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    spi.run(history, pg::Params().text(entity).int8(entity_id)).append_to_set(fcinfo);
    return Datum(0);
}

// audit_log_append_only() RETURNS trigger: BEFORE UPDATE OR DELETE FOR EACH ROW and BEFORE
// TRUNCATE FOR EACH STATEMENT on audit_log.
KOBA_FUNCTION(kobatela_audit_log_append_only) {
    if (!CALLED_AS_TRIGGER(fcinfo)) throw std::logic_error("audit_log_append_only: not called as a trigger");
    audit::require_extension_table(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_relation, "audit_log_append_only");
    const TriggerEvent event = reinterpret_cast<TriggerData*>(fcinfo->context)->tg_event;
    const char* what = TRIGGER_FIRED_BY_UPDATE(event)   ? "UPDATE"
                       : TRIGGER_FIRED_BY_DELETE(event) ? "DELETE"
                       : TRIGGER_FIRED_BY_TRUNCATE(event) ? "TRUNCATE"
                                                          : "INSERT";
    throw Error(ErrorCode::AUDIT_LOG_APPEND_ONLY,
                std::string(what) + " is refused on kobatela.audit_log: rows are only ever appended.");
}
