#include "core/replication.hpp"

#include <gtest/gtest.h>

using namespace koba::core;

namespace {
ReplicationFacts standby() {
    ReplicationFacts f;
    f.in_recovery = true;
    f.receive_lsn = "0/3000148";
    f.replay_lsn = "0/3000100";
    f.receive_minus_replay = 72;
    f.last_replay_at = "2026-12-05T10:00:00Z";
    f.last_replay_micros = 1'000'000'000;
    f.now_micros = 1'002'500'999;
    return f;
}
}  // namespace

TEST(Replication, Role) {
    EXPECT_STREQ(replication_role(ReplicationFacts{}), "primary");
    EXPECT_STREQ(replication_role(standby()), "standby");
}

TEST(Replication, PrimaryHasOnlyItsRole) {
    JsonObject json;
    add_replication(json, ReplicationFacts{});
    EXPECT_EQ(json.str(), R"({"role":"primary"})");
}

TEST(Replication, StandbyTellsItsReplay) {
    JsonObject json;
    add_replication(json, standby());
    EXPECT_EQ(json.str(),
              R"({"role":"standby","replication":{"receive_lsn":"0/3000148","replay_lsn":"0/3000100",)"
              R"("replay_behind_bytes":72,"last_replay_at":"2026-12-05T10:00:00Z","since_last_replay_ms":2500,)"
              R"("replay_paused":false}})");
}

TEST(Replication, NothingReplayedYetIsNull) {
    ReplicationFacts f;
    f.in_recovery = true;
    f.replay_paused = true;
    f.now_micros = 5;
    EXPECT_EQ(since_last_replay_ms(f), std::nullopt);
    JsonObject json;
    add_replication(json, f);
    EXPECT_EQ(json.str(),
              R"({"role":"standby","replication":{"receive_lsn":null,"replay_lsn":null,"replay_behind_bytes":null,)"
              R"("last_replay_at":null,"since_last_replay_ms":null,"replay_paused":true}})");
}

TEST(Replication, SinceLastReplayNeverNegative) {
    ReplicationFacts f = standby();
    f.now_micros = *f.last_replay_micros - 3000;  // the standby's clock a little behind the primary's
    EXPECT_EQ(since_last_replay_ms(f), 0);
    f.now_micros = *f.last_replay_micros + 999;
    EXPECT_EQ(since_last_replay_ms(f), 0);
    f.now_micros = *f.last_replay_micros + 1000;
    EXPECT_EQ(since_last_replay_ms(f), 1);
}

TEST(Replication, BehindBytesNeverNegative) {
    ReplicationFacts f = standby();
    EXPECT_EQ(replay_behind_bytes(f), 72);
    f.receive_minus_replay = -616760;  // after a restart, streaming resumes at a segment's start
    EXPECT_EQ(replay_behind_bytes(f), 0);
    f.receive_minus_replay.reset();    // no streaming (WAL from an archive only)
    EXPECT_EQ(replay_behind_bytes(f), std::nullopt);
}
