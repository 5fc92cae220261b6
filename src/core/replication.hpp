// What health() tells of the server's place in replication: "role" primary or standby and, on a
// standby, how far its replay has come (docs/operations.md, Scaling).
//
// Pure C++: no PostgreSQL header may be included here.
#pragma once

#include "core/json_writer.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace koba::core {

// As the server reports them (store/replication_store.hpp). Only in_recovery is read on a primary.
struct ReplicationFacts {
    bool in_recovery = false;                    // pg_is_in_recovery(): a hot standby
    std::optional<std::string> receive_lsn;      // pg_last_wal_receive_lsn(): WAL received (streaming)
    std::optional<std::string> replay_lsn;       // pg_last_wal_replay_lsn(): WAL replayed
    std::optional<int64_t> receive_minus_replay;  // pg_wal_lsn_diff(receive, replay)
    std::optional<std::string> last_replay_at;   // pg_last_xact_replay_timestamp(), UTC, ISO 8601
    std::optional<int64_t> last_replay_micros;   // the same, in microseconds since 1970
    bool replay_paused = false;                  // pg_is_wal_replay_paused()
    int64_t now_micros = 0;                      // the clock when the facts were read
};

// "primary" or "standby".
const char* replication_role(const ReplicationFacts& facts) noexcept;

// Milliseconds since the last replayed transaction committed on the primary (never negative: the
// two clocks may differ a little); nothing before the standby has replayed any. It grows while the
// primary commits nothing, so it is a bound on how stale the standby may be, not a lag.
std::optional<int64_t> since_last_replay_ms(const ReplicationFacts& facts) noexcept;

// Bytes received but not yet replayed; 0 when the server reports the receive position behind the
// replay position (just after a restart, streaming resumes from the start of a WAL segment).
std::optional<int64_t> replay_behind_bytes(const ReplicationFacts& facts) noexcept;

// Adds "role" and, on a standby, "replication": {"receive_lsn", "replay_lsn",
// "replay_behind_bytes", "last_replay_at", "since_last_replay_ms", "replay_paused"} (null where
// the server has no value yet).
void add_replication(JsonObject& json, const ReplicationFacts& facts);

}  // namespace koba::core
