// Keyset pagination, the one way every list and the event feed page (docs/reference.md, "Lists"):
// a page is at most `limit` rows after a cursor, and the cursor is the sort key of the last row
// the caller saw, so that a page costs the same on a table of any size (an index range scan from
// the cursor, never an OFFSET) and rows inserted meanwhile neither shift nor repeat the next page.
//
// A cursor is opaque to callers: the list's name and the last row's key, base64url-encoded. The
// name makes a cursor of one list useless on another (INVALID_CURSOR) instead of silently paging
// from a key that means something else. It is not signed: what a cursor lets a caller read is
// decided by row-level security on every page, never by the cursor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

constexpr int64_t kDefaultPageLimit = 100;
constexpr int64_t kMaxPageLimit = 1000;

// The page size to use: `requested`, or kDefaultPageLimit when none; INVALID_LIMIT unless
// 1 <= requested <= kMaxPageLimit.
int64_t page_limit(std::optional<int64_t> requested);

// The cursor after a row whose sort key is `key`, in the list `list` (a short ASCII name).
std::string encode_cursor(std::string_view list, const std::vector<int64_t>& key);

// The key a cursor of `list` holds, which must have `arity` values; INVALID_CURSOR when `cursor`
// is not one of encode_cursor's of that list and arity (a typo, a cursor of another list or of
// another version, or anything else).
std::vector<int64_t> decode_cursor(std::string_view list, std::size_t arity, std::string_view cursor);

}  // namespace koba::core
