// The audit log's hash chain, pure C++: the canonical encoding of one audit record and its SHA-256.
//
// Every audit_log row belongs to a lane (the PostgreSQL backend slot that wrote it) and carries
// seq (1, 2, 3, ... within the lane), prev_hash (the hash of the lane's previous row, absent for
// seq 1) and hash = SHA-256(encode_audit_record(row)). Editing, removing or reordering a row
// breaks the chain of its lane; see docs/audit.md for what the chain can and cannot detect.
//
// The encoding is unambiguous: a version tag, then every field in a fixed order, byte strings
// length-prefixed, integers fixed-width big-endian, optional fields behind a presence byte. Two
// different rows never encode to the same bytes (actor "ab" + action "c" differs from "a" + "bc").
// A row is in one of two forms, told apart by its tag (and by whether `changes` is set):
//
// v2, a record of one business action (0.7.0 on: audit_record.hpp builds `changes`):
//   "kobatela.audit.v2"                      17 bytes, no length prefix
//   prev_hash   0x00 | 0x01 u64(len) bytes   absent for the first row of a lane
//   lane        i64
//   seq         i64
//   at          i64 microseconds since 1970-01-01 00:00:00 UTC
//   actor       u64(len) bytes
//   action      u64(len) bytes
//   txid        u64
//   changes     u64(len) bytes               the stored json text, byte for byte: what is hashed is
//                                            what is stored, so no output format of PostgreSQL's
//                                            (jsonb_out, DateStyle, float printing) enters the hash
//
// v1, one row change (written by 0.3.0 to 0.6.0; still verified, never written again):
//   "kobatela.audit.v1"                      17 bytes, no length prefix
//   prev_hash   0x00 | 0x01 u64(len) bytes   absent for the first row of a lane
//   lane        i64 (two's complement)
//   seq         i64
//   at          i64 microseconds since 1970-01-01 00:00:00 UTC
//   actor       u64(len) bytes               UTF-8 as stored
//   action      u64(len) bytes
//   entity      u64(len) bytes
//   entity_id   0x00 | 0x01 i64
//   data        u64(len) bytes               the jsonb exactly as jsonb_out prints the stored value
//   txid        u64                          the top-level transaction's full (epoch-extended) xid
//
// Pure C++: no PostgreSQL header may be included here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

using AuditHash = std::array<unsigned char, 32>;

struct AuditRecord {
    std::optional<std::string_view> prev_hash;  // raw bytes (32 for rows Kobatela wrote)
    int32_t lane = 0;
    int64_t seq = 0;
    int64_t at_unix_micros = 0;
    std::string_view actor;
    std::string_view action;
    std::string_view entity;
    std::optional<int64_t> entity_id;
    std::string_view data;  // v1: jsonb text as jsonb_out prints it
    uint64_t txid = 0;
    std::optional<std::string_view> changes;  // v2: the record's changes (json text); set = v2 form
};

// The canonical bytes the hash is computed over (appended to *out, which is cleared first).
void encode_audit_record(const AuditRecord& record, std::string* out);

// SHA-256 of the canonical encoding. Throws std::runtime_error if OpenSSL fails.
AuditHash audit_record_hash(const AuditRecord& record);

// SHA-256 of arbitrary bytes (OpenSSL EVP). Throws std::runtime_error if OpenSSL fails.
AuditHash sha256(std::string_view bytes);

// jsonb's canonical text of an object, exactly as PostgreSQL's jsonb_out prints it: keys sorted
// shorter first, then bytewise; a repeated key keeps its last value; `{"k": v, "k2": v2}` with
// ", " and ": "; `{}` when empty. Each value must already be canonical jsonb text (a scalar as
// jsonb prints it, or a nested canonical object). Keys are raw (unescaped) bytes.
struct JsonbMember {
    std::string_view key;
    std::string_view value;
};
std::string canonical_jsonb_object(std::vector<JsonbMember> members);

// Secrets never reach the audit log: a column named key_hash, or ending in _secret or _hash, is
// recorded as "[masked]".
bool is_secret_column(std::string_view name) noexcept;

// ---- state kept by the writing backend ---------------------------------------------------------

struct ChainTip {
    int64_t seq = 0;  // 0: the lane is empty
    AuditHash hash{};
    bool operator==(const ChainTip& o) const { return seq == o.seq && hash == o.hash; }
};

// The tip of this backend's lane across (sub)transactions. Nesting levels are PostgreSQL's
// (1 = the top-level transaction). Reading the tip from the table is always right; this keeps it
// in memory so that it is read once per backend:
//  * rows written advance current(); commit() makes it final;
//  * a subtransaction that rolls back takes its rows with it, so subabort() restores the tip it
//    had when it first wrote; subcommit() hands that duty to the parent;
//  * abort() restores the committed tip, and forgets it altogether (read it again) if a write was
//    attempted, in case the write failed because the tip was wrong.
class LaneTip {
public:
    bool known() const { return known_; }
    void load(const ChainTip& committed);
    void forget() { known_ = false; }
    const ChainTip& current() const { return current_; }
    bool has_pending() const { return known_ && !(current_ == committed_); }

    void before_write(int level);  // call right before writing a row at this level
    void advance(const ChainTip& next) { current_ = next; }

    void commit();
    void abort();
    void subcommit(int level);
    void subabort(int level);

private:
    struct Saved {
        int level;
        ChainTip tip;
    };
    bool known_ = false;
    bool attempted_ = false;
    ChainTip committed_;
    ChainTip current_;
    std::vector<Saved> saves_;  // levels strictly increasing, all >= 2
};

// Values set for a while by C++ objects (audit reasons, actors): the last one pushed wins.
// Entries remember the nesting level they were set at, so a subtransaction that rolls back drops
// the ones it set even if their owners were never destroyed (a longjmp past C++ frames).
class OverrideStack {
public:
    uint64_t push(std::string value, int level);  // returns a token for pop()
    void pop(uint64_t token) noexcept;             // no-op when already dropped
    const std::string* top() const noexcept { return entries_.empty() ? nullptr : &entries_.back().value; }
    std::size_t size() const noexcept { return entries_.size(); }
    void subcommit(int level) noexcept;
    void subabort(int level) noexcept;
    void clear() noexcept { entries_.clear(); }

private:
    struct Entry {
        std::string value;
        int level;
        uint64_t token;
    };
    std::vector<Entry> entries_;
    uint64_t next_token_ = 1;
};

// Why a lane's chain is broken, or Ok.
enum class ChainBreak { Ok, FirstRowNotSeq1, SeqGap, PrevHashMismatch, HashMismatch };
const char* chain_break_name(ChainBreak b) noexcept;

// Walks one lane's rows in seq order. Feed each row with next(); the first problem sticks.
class LaneChecker {
public:
    // `stored_hash` is the row's hash column; record.prev_hash its prev_hash column.
    ChainBreak next(const AuditRecord& record, std::string_view stored_hash);
    ChainBreak status() const { return status_; }
    int64_t last_seq() const { return last_seq_; }

private:
    ChainBreak status_ = ChainBreak::Ok;
    int64_t last_seq_ = 0;
    std::string last_hash_;
    std::string scratch_;
};

}  // namespace koba::core
