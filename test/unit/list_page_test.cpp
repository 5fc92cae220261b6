#include "core/list_page.hpp"
#include "core/pagination.hpp"
#include "core/transitions.hpp"

#include "error_of.hpp"

#include <gtest/gtest.h>

using namespace koba::core;
using koba::test::error_of;

namespace {
std::vector<PageRow> rows(std::initializer_list<int64_t> ids) {
    std::vector<PageRow> out;
    for (int64_t id : ids) out.push_back({{id}, "{\"id\":" + std::to_string(id) + "}"});
    return out;
}
}  // namespace

TEST(PageRequest, LimitAndCursor) {
    const PageRequest first = page_request("escrows", 1, std::nullopt, std::nullopt);
    EXPECT_EQ(first.limit, 100);
    EXPECT_EQ(first.fetch(), 101);
    EXPECT_TRUE(first.after.empty());
    const PageRequest next = page_request("escrows", 1, 5, encode_cursor("escrows", {42}));
    EXPECT_EQ(next.limit, 5);
    EXPECT_EQ(next.after, std::vector<int64_t>{42});
    EXPECT_EQ(error_of([] { page_request("escrows", 1, 0, std::nullopt); }), ErrorCode::INVALID_LIMIT);
    EXPECT_EQ(error_of([] { page_request("escrows", 1, 1001, std::nullopt); }), ErrorCode::INVALID_LIMIT);
    EXPECT_EQ(error_of([] { page_request("escrows", 1, 5, encode_cursor("payments", {42})); }),
              ErrorCode::INVALID_CURSOR);
    EXPECT_EQ(error_of([] { page_request("escrow_events", 2, 5, encode_cursor("escrow_events", {42})); }),
              ErrorCode::INVALID_CURSOR);
    EXPECT_EQ(error_of([] { page_request("escrows", 1, 5, std::string("nope!")); }), ErrorCode::INVALID_CURSOR);
}

TEST(PageJson, MoreRowsThanTheLimitGiveACursorToTheLastShown) {
    const PageRequest request = page_request("escrows", 1, 2, std::nullopt);
    EXPECT_EQ(page_json(request, rows({9, 7, 5})),
              "{\"object\":\"list\",\"data\":[{\"id\":9},{\"id\":7}],\"has_more\":true,\"next_cursor\":\"" +
                  encode_cursor("escrows", {7}) + "\"}");
}

TEST(PageJson, TheLastPageHasNoCursor) {
    const PageRequest request = page_request("escrows", 1, 2, std::nullopt);
    EXPECT_EQ(page_json(request, rows({9, 7})),
              "{\"object\":\"list\",\"data\":[{\"id\":9},{\"id\":7}],\"has_more\":false,\"next_cursor\":null}");
    EXPECT_EQ(page_json(request, {}), "{\"object\":\"list\",\"data\":[],\"has_more\":false,\"next_cursor\":null}");
}

TEST(PageJson, TwoPartKeys) {
    const PageRequest request = page_request("escrow_events", 2, 1, std::nullopt);
    const std::vector<PageRow> two{{{1000, 3}, "{}"}, {{1000, 4}, "{}"}};
    const std::string page = page_json(request, two);
    EXPECT_NE(page.find(encode_cursor("escrow_events", {1000, 3})), std::string::npos);
}

TEST(ListFilters, Period) {
    require_period(std::nullopt, std::nullopt);
    require_period(5, std::nullopt);
    require_period(std::nullopt, 5);
    require_period(5, 5);
    EXPECT_EQ(error_of([] { require_period(6, 5); }), ErrorCode::INVALID_ARGUMENT);
}

TEST(ListFilters, Statuses) {
    require_status_filter<EscrowStatus>(std::nullopt, "status");
    require_status_filter<EscrowStatus>(std::string("FUNDED"), "status");
    require_status_filter<PaymentKind>(std::string("PAYEE"), "kind");
    EXPECT_EQ(error_of([] { require_status_filter<EscrowStatus>(std::string("funded"), "status"); }),
              ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of([] { require_status_filter<PaymentStatus>(std::string("FUNDED"), "status"); }),
              ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of([] { require_status_filter<MilestoneStatus>(std::string(""), "status"); }),
              ErrorCode::INVALID_ARGUMENT);
    require_status_filter<MandateStatus>(std::string("CONSUMED"), "status");
    require_transaction_status(std::string("REJECTED"));
    require_transaction_status(std::nullopt);
    EXPECT_EQ(error_of([] { require_transaction_status(std::string("SETTLED")); }), ErrorCode::INVALID_ARGUMENT);
    require_purchase_status(std::string("COMPLETED"));
    EXPECT_EQ(error_of([] { require_purchase_status(std::string("PAID")); }), ErrorCode::INVALID_ARGUMENT);
}
