#include "core/read_only.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

TEST(ReadOnly, CauseIsTheServersState) {
    EXPECT_EQ(read_only_cause(true), ReadOnlyCause::Standby);
    EXPECT_EQ(read_only_cause(false), ReadOnlyCause::ReadOnlyTransaction);
}

TEST(ReadOnly, StandbySendsWritesToThePrimary) {
    const ReadOnlyTexts texts = read_only_texts(ReadOnlyCause::Standby);
    EXPECT_NE(std::string(texts.detail).find("hot standby"), std::string::npos);
    EXPECT_NE(std::string(texts.hint).find("Send writes to the primary"), std::string::npos);
}

TEST(ReadOnly, ReadOnlyTransactionAsksForReadWrite) {
    const ReadOnlyTexts texts = read_only_texts(ReadOnlyCause::ReadOnlyTransaction);
    EXPECT_NE(std::string(texts.detail).find("read-only"), std::string::npos);
    EXPECT_EQ(std::string(texts.detail).find("standby"), std::string::npos);
    EXPECT_NE(std::string(texts.hint).find("read-write transaction on the primary"), std::string::npos);
    EXPECT_NE(std::string(texts.hint).find("POST"), std::string::npos);
}

TEST(ReadOnly, ErrorIsCataloguedWithPostgresSqlstate) {
    const Error error = read_only_error(ReadOnlyCause::Standby);
    EXPECT_EQ(error.code(), ErrorCode::READ_ONLY);
    EXPECT_STREQ(error.detail(), read_only_texts(ReadOnlyCause::Standby).detail);
    EXPECT_STREQ(error.hint(), read_only_texts(ReadOnlyCause::Standby).hint);
    EXPECT_STREQ(error_info(ErrorCode::READ_ONLY).sqlstate, "25006");
    EXPECT_EQ(error_info(ErrorCode::READ_ONLY).http_status, 405);  // PostgREST's answer to 25006
}

TEST(ReadOnly, RecognisesOnlyReadOnlySqlTransaction) {
    EXPECT_TRUE(is_read_only_sqlstate("25006"));
    EXPECT_FALSE(is_read_only_sqlstate("25001"));  // active_sql_transaction
    EXPECT_FALSE(is_read_only_sqlstate("42501"));
    EXPECT_FALSE(is_read_only_sqlstate(""));
    EXPECT_FALSE(is_read_only_sqlstate("250060"));
}

TEST(ReadOnly, AWriteThroughAnotherConnectionFollowsTheCallersTransaction) {
    EXPECT_FALSE(refuse_write_elsewhere(false, false).has_value());
    const std::optional<Error> in_read_only = refuse_write_elsewhere(true, false);
    ASSERT_TRUE(in_read_only.has_value());
    EXPECT_EQ(in_read_only->code(), ErrorCode::READ_ONLY);
    EXPECT_STREQ(in_read_only->hint(), read_only_texts(ReadOnlyCause::ReadOnlyTransaction).hint);
    const std::optional<Error> on_standby = refuse_write_elsewhere(true, true);
    ASSERT_TRUE(on_standby.has_value());
    EXPECT_STREQ(on_standby->detail(), read_only_texts(ReadOnlyCause::Standby).detail);
}
