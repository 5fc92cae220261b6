#include "store/replication_store.hpp"

#include "pg/datum.hpp"

namespace koba::store {

core::ReplicationFacts replication_facts(pg::Spi& spi) {
    static pg::Statement role{"SELECT pg_catalog.pg_is_in_recovery() AS in_recovery", {}};
    // Asked of a standby only: pg_is_wal_replay_paused() fails on a primary.
    static pg::Statement replay{
        "SELECT r.receive_lsn::text AS receive_lsn, r.replay_lsn::text AS replay_lsn, "
        "       pg_catalog.pg_wal_lsn_diff(r.receive_lsn, r.replay_lsn)::int8 AS behind_bytes, "
        "       to_char(r.replayed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS replayed_at_text, "
        "       r.replayed_at, pg_catalog.pg_is_wal_replay_paused() AS paused "
        "FROM (SELECT pg_catalog.pg_last_wal_receive_lsn() AS receive_lsn, "
        "             pg_catalog.pg_last_wal_replay_lsn() AS replay_lsn, "
        "             pg_catalog.pg_last_xact_replay_timestamp() AS replayed_at) r",
        {}};
    core::ReplicationFacts facts;
    const pg::Result r = spi.run(role);
    facts.in_recovery = r.boolean(0, r.column("in_recovery"));
    if (!facts.in_recovery) return facts;
    const pg::Result s = spi.run(replay);
    facts.receive_lsn = s.opt_text(0, s.column("receive_lsn"));
    facts.replay_lsn = s.opt_text(0, s.column("replay_lsn"));
    facts.receive_minus_replay = s.opt_int8(0, s.column("behind_bytes"));
    facts.last_replay_at = s.opt_text(0, s.column("replayed_at_text"));
    const int replayed_at = s.column("replayed_at");
    if (!s.is_null(0, replayed_at)) facts.last_replay_micros = s.timestamptz(0, replayed_at);
    facts.replay_paused = s.boolean(0, s.column("paused"));
    facts.now_micros = pg::clock_micros();  // after the replay's time was read
    return facts;
}

}  // namespace koba::store
