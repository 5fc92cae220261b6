#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace koba::core;

namespace {

std::vector<ErrorInfo> catalogue() {
    std::size_t count = 0;
    const ErrorInfo* rows = error_catalogue(&count);
    return {rows, rows + count};
}

// code, sqlstate, http, detail
using Row = std::tuple<std::string, std::string, std::string, std::string>;

// Parses "| `CODE` | `SQLSTATE` | HTTP | detail |"; false if the line does not have that shape.
bool parse_row(const std::string& line, Row* row) {
    std::vector<std::string> cells;
    std::size_t pos = 1;  // after the leading '|'
    while (pos < line.size()) {
        const std::size_t bar = line.find(" |", pos);
        if (bar == std::string::npos) break;
        std::string cell = line.substr(pos, bar - pos);
        if (cell.empty() || cell.front() != ' ') return false;
        cells.push_back(cell.substr(1));
        pos = bar + 2;
    }
    if (pos != line.size() || cells.size() != 4) return false;
    auto unquote = [](const std::string& c, std::string* out) {
        if (c.size() < 2 || c.front() != '`' || c.back() != '`') return false;
        *out = c.substr(1, c.size() - 2);
        return true;
    };
    std::string code, sqlstate;
    if (!unquote(cells[0], &code) || !unquote(cells[1], &sqlstate)) return false;
    *row = Row{code, sqlstate, cells[2], cells[3]};
    return true;
}

}  // namespace

TEST(ErrorCatalogue, NamesAreUnique) {
    std::set<std::string> names;
    for (const ErrorInfo& e : catalogue()) {
        EXPECT_TRUE(names.insert(e.name).second) << "duplicate " << e.name;
    }
    EXPECT_GT(names.size(), 0u);
}

TEST(ErrorCatalogue, IndexedByCode) {
    for (const ErrorInfo& e : catalogue()) {
        EXPECT_STREQ(error_info(e.code).name, e.name);
    }
}

TEST(ErrorCatalogue, SqlstatesAndHttpStatuses) {
    for (const ErrorInfo& e : catalogue()) {
        const std::string state = e.sqlstate;
        ASSERT_EQ(state.size(), 5u) << e.name;
        for (char c : state) {
            EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) << e.name;
        }
        EXPECT_GE(e.http_status, 400) << e.name;
        EXPECT_LE(e.http_status, 599) << e.name;
        if (state.rfind("PT", 0) == 0) {
            EXPECT_EQ(state, "PT" + std::to_string(e.http_status)) << e.name;
        }
        EXPECT_NE(std::string(e.detail), "") << e.name;
        EXPECT_EQ(std::string(e.detail).find('|'), std::string::npos) << e.name;  // markdown table
    }
}

TEST(ErrorCatalogue, ErrorUsesDefaultOrGivenDetail) {
    const Error plain(ErrorCode::ESCROW_NOT_FOUND);
    EXPECT_STREQ(plain.what(), "ESCROW_NOT_FOUND");
    EXPECT_STREQ(plain.detail(), "Escrow not found.");
    const Error specific(ErrorCode::BAD_AMOUNT, "amount must be greater than 0");
    EXPECT_STREQ(specific.what(), "BAD_AMOUNT");
    EXPECT_STREQ(specific.detail(), "amount must be greater than 0");
}

TEST(ErrorCatalogue, DocsListExactlyTheCatalogue) {
    const std::string path = std::string(KOBA_DOCS_DIR) + "/errors.md";
    std::ifstream in(path);
    ASSERT_TRUE(in) << "cannot read " << path;

    std::vector<Row> documented;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0) continue;
        Row row;
        EXPECT_TRUE(parse_row(line, &row)) << "malformed row in errors.md: " << line;
        documented.push_back(row);
    }

    std::vector<Row> expected;
    for (const ErrorInfo& e : catalogue()) {
        expected.emplace_back(e.name, e.sqlstate, std::to_string(e.http_status), e.detail);
    }
    // Same order as the catalogue, so a diff points at the drifting row.
    ASSERT_EQ(documented.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(documented[i], expected[i]) << "row " << i + 1 << " of the table";
    }
}
