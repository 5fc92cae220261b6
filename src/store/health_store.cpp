#include "store/health_store.hpp"

namespace koba::store {

DatabaseFacts database_facts(pg::Spi& spi) {
    static pg::Statement facts{
        "SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'kobatela') AS version, "
        "       current_database()::text AS database",
        {}};
    const pg::Result r = spi.run(facts);
    return DatabaseFacts{r.text(0, r.column("version")), r.text(0, r.column("database"))};
}

}  // namespace koba::store
