#include "audit/lane_scan.hpp"

#include "pg/datum.hpp"
#include "pg/guard.hpp"

#include <exception>

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "utils/snapmgr.h"
#include "utils/xid8.h"
}

namespace koba::audit {

namespace {

AttrNumber column(Oid relid, const char* name) {
    const AttrNumber attnum = get_attnum(relid, name);
    if (attnum == InvalidAttrNumber) elog(ERROR, "kobatela: kobatela.audit_log has no column %s", name);
    return attnum;
}

}  // namespace

LaneOrderScan::LaneOrderScan() : uncaught_at_start_(std::uncaught_exceptions()) {
    pg::pg_call([&] {
        const Oid schema = get_namespace_oid("kobatela", false);
        const Oid relid = get_relname_relid("audit_log", schema);
        const Oid index = get_relname_relid("audit_log_lane_seq_key", schema);
        if (!OidIsValid(relid) || !OidIsValid(index)) elog(ERROR, "kobatela: kobatela.audit_log or its (lane, seq) index is missing");
        lane_ = column(relid, "lane");
        seq_ = column(relid, "seq");
        prev_hash_ = column(relid, "prev_hash");
        hash_ = column(relid, "hash");
        at_ = column(relid, "at");
        actor_ = column(relid, "actor");
        action_ = column(relid, "action");
        txid_ = column(relid, "txid");
        changes_ = column(relid, "changes");
        entity_ = column(relid, "entity");
        entity_id_ = column(relid, "entity_id");
        data_ = column(relid, "data");
        heap_ = table_open(relid, AccessShareLock);
        index_ = index_open(index, AccessShareLock);
        scan_ = index_beginscan(heap_, index_, GetActiveSnapshot(), 0, 0);
        index_rescan(scan_, nullptr, 0, nullptr, 0);
        slot_ = table_slot_create(heap_, nullptr);
        row_memory_ = AllocSetContextCreate(CurrentMemoryContext, "kobatela audit row", ALLOCSET_DEFAULT_SIZES);
    });
}

LaneOrderScan::~LaneOrderScan() {
    if (std::uncaught_exceptions() > uncaught_at_start_) return;  // the abort releases them
    pg::pg_call([&] {
        MemoryContextDelete(row_memory_);
        ExecDropSingleTupleTableSlot(slot_);
        index_endscan(scan_);
        index_close(index_, AccessShareLock);
        table_close(heap_, AccessShareLock);
    });
}

bool LaneOrderScan::next(core::AuditRecord* row, std::string_view* hash) {
    // Reset once in a while rather than per row: most rows allocate nothing (only a toasted value or
    // a row of 0.3.0-0.6.0 does), and a reset costs more than the rows in between hold.
    const bool reset = ++rows_read_ % 256 == 0;
    return pg::pg_call([&] {
        if (reset) MemoryContextReset(row_memory_);
        if (!index_getnext_slot(scan_, ForwardScanDirection, slot_)) return false;
        slot_getallattrs(slot_);
        const Datum* v = slot_->tts_values;
        const bool* n = slot_->tts_isnull;
        const auto at = [](AttrNumber a) { return a - 1; };
        if (n[at(lane_)] || n[at(seq_)] || n[at(hash_)] || n[at(at_)] || n[at(actor_)] || n[at(action_)] || n[at(txid_)])
            elog(ERROR, "kobatela: an audit_log row lacks lane, seq, hash, at, actor, action or txid");
        const MemoryContext caller = MemoryContextSwitchTo(row_memory_);
        // Views over the (detoasted) values, in row_memory_ (plain C: this runs inside pg_call).
        const auto view = [&](AttrNumber a) -> std::string_view {
            const struct varlena* d = pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(DatumGetPointer(v[at(a)])));
            return std::string_view(VARDATA_ANY(d), VARSIZE_ANY_EXHDR(d));
        };
        *row = core::AuditRecord{};
        row->lane = DatumGetInt32(v[at(lane_)]);
        row->seq = DatumGetInt64(v[at(seq_)]);
        if (!n[at(prev_hash_)]) row->prev_hash = view(prev_hash_);
        *hash = view(hash_);
        row->at_unix_micros = DatumGetTimestampTz(v[at(at_)]) + pg::kPostgresEpochOffsetMicros;
        row->actor = view(actor_);
        row->action = view(action_);
        row->txid = U64FromFullTransactionId(DatumGetFullTransactionId(v[at(txid_)]));
        if (!n[at(changes_)]) {
            row->changes = view(changes_);
        } else {
            if (!n[at(entity_)]) row->entity = view(entity_);
            if (!n[at(entity_id_)]) row->entity_id = DatumGetInt64(v[at(entity_id_)]);
            if (!n[at(data_)]) row->data = DatumGetCString(DirectFunctionCall1(jsonb_out, v[at(data_)]));
        }
        MemoryContextSwitchTo(caller);
        return true;
    });
}

}  // namespace koba::audit
