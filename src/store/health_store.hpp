// What health() reads from the database itself (pg_cron's side is store/cron_link.hpp).
#pragma once

#include "pg/spi.hpp"

#include <string>

namespace koba::store {

struct DatabaseFacts {
    std::string extension_version;  // this database's kobatela, as pg_extension has it
    std::string database;           // current_database()
};
DatabaseFacts database_facts(pg::Spi& spi);

}  // namespace koba::store
