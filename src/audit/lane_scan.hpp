// Reading kobatela.audit_log in (lane, seq) order, row by row, in place: what verify_audit_chain()
// walks. An index scan of audit_log_lane_seq_key with each row's values read from the heap tuple
// itself, without SPI: SPI would copy every row into a result table first, which cost half of the
// verification beside the hashing (docs/audit.md, "Performance").
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "access/genam.h"
}

#include "core/audit_chain.hpp"

#include <cstdint>
#include <string_view>

namespace koba::audit {

// Opens audit_log and its (lane, seq) index for the caller's snapshot; closes them on normal exit
// (an error's abort closes them otherwise). Reads every row, whatever row-level security says:
// for the audit checks, which run as the log's owner.
class LaneOrderScan {
public:
    LaneOrderScan();
    ~LaneOrderScan();
    LaneOrderScan(const LaneOrderScan&) = delete;
    LaneOrderScan& operator=(const LaneOrderScan&) = delete;

    // The next row in (lane, seq) order: *record as the chain hashes it (a record of 0.7.0 on with
    // its changes, a row of 0.3.0 to 0.6.0 with entity, entity_id and data as jsonb_out prints it),
    // *hash its stored hash; false after the last. The views are valid until the next call (and a
    // while longer, which no caller may count on).
    bool next(core::AuditRecord* record, std::string_view* hash);

private:
    Relation heap_ = nullptr;
    Relation index_ = nullptr;
    IndexScanDesc scan_ = nullptr;
    TupleTableSlot* slot_ = nullptr;
    MemoryContext row_memory_ = nullptr;  // what reading rows allocates (detoasting), reset every 256 rows
    uint64_t rows_read_ = 0;
    AttrNumber lane_ = 0, seq_ = 0, prev_hash_ = 0, hash_ = 0, at_ = 0, actor_ = 0, action_ = 0, txid_ = 0,
               changes_ = 0, entity_ = 0, entity_id_ = 0, data_ = 0;
    int uncaught_at_start_;
};

}  // namespace koba::audit
