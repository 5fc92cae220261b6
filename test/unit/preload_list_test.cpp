#include "core/preload_list.hpp"

#include <gtest/gtest.h>

using namespace koba::core;

TEST(PreloadList, FindsALibraryAmongOthers) {
    EXPECT_TRUE(preload_list_has("pg_cron,kobatela", "kobatela"));
    EXPECT_TRUE(preload_list_has("pg_cron,kobatela", "pg_cron"));
    EXPECT_TRUE(preload_list_has(" pg_stat_statements , pg_cron ,kobatela ", "pg_cron"));
}

TEST(PreloadList, ReadsQuotesDirectoriesAndTheSuffix) {
    EXPECT_TRUE(preload_list_has("\"pg_cron\"", "pg_cron"));
    EXPECT_TRUE(preload_list_has("$libdir/pg_cron", "pg_cron"));
    EXPECT_TRUE(preload_list_has("/usr/lib/postgresql/15/lib/pg_cron.so,kobatela", "pg_cron"));
}

TEST(PreloadList, NamesMustMatchWhole) {
    EXPECT_FALSE(preload_list_has("", "pg_cron"));
    EXPECT_FALSE(preload_list_has("kobatela", "pg_cron"));
    EXPECT_FALSE(preload_list_has("pg_cron_extra,my_pg_cron", "pg_cron"));
    EXPECT_FALSE(preload_list_has("pg_cron", "pg_cro"));
    EXPECT_FALSE(preload_list_has(",,", "pg_cron"));
}
