// Reading kobatela.audit_log in (lane, seq) order, row by row, in place: what verify_audit_chain()
// walks. An index scan of audit_log_lane_seq_key with each row's values read from the heap tuple
// itself, without SPI: SPI would copy every row into a result table first, which cost half of the
// verification beside the hashing (docs/audit.md, "Performance").
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "access/genam.h"
}

#include <cstdint>
#include <optional>
#include <string_view>

namespace koba::audit {

// One row as it is stored; the views are valid until the next call of LaneOrderScan::next() (and a
// while longer, which no caller may count on).
struct StoredAuditRow {
    int32_t lane = 0;
    int64_t seq = 0;
    std::optional<std::string_view> prev_hash;
    std::string_view hash;
    int64_t at_unix_micros = 0;
    std::string_view actor;
    std::string_view action;
    uint64_t txid = 0;
    std::optional<std::string_view> changes;  // a record (0.7.0 on)
    std::string_view entity;                  // a row of 0.3.0 to 0.6.0: its change
    std::optional<int64_t> entity_id;
    std::string_view data;                    // ... and its data as jsonb_out prints it
};

// Opens audit_log and its (lane, seq) index for the caller's snapshot; closes them on normal exit
// (an error's abort closes them otherwise). Reads every row, whatever row-level security says:
// for the audit checks, which run as the log's owner.
class LaneOrderScan {
public:
    LaneOrderScan();
    ~LaneOrderScan();
    LaneOrderScan(const LaneOrderScan&) = delete;
    LaneOrderScan& operator=(const LaneOrderScan&) = delete;

    // The next row in (lane, seq) order into *row; false after the last.
    bool next(StoredAuditRow* row);

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
