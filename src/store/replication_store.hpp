// What the server says of its place in replication, for health() (core/replication.hpp).
#pragma once

#include "core/replication.hpp"
#include "pg/spi.hpp"

namespace koba::store {

// pg_is_in_recovery() and, on a standby, its receive and replay positions and the commit time of
// the last transaction it replayed.
core::ReplicationFacts replication_facts(pg::Spi& spi);

}  // namespace koba::store
