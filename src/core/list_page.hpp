// The page every list returns (docs/reference.md, "Lists"): what a caller asked (a page size and a
// cursor, core/pagination), the filters' checks, and the page itself, shaped like Stripe's lists:
//   {"object": "list", "data": [row, ...], "has_more": bool, "next_cursor": text or null}
// The store fetches one row more than the limit; that row, when there is one, only says that there
// are more, and the cursor is the key of the last row shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::core {

// One list's request: its name (what its cursors are bound to), the page size, and the key of the
// last row of the previous page (empty for the first page).
struct PageRequest {
    std::string_view list;
    int64_t limit;
    std::vector<int64_t> after;

    int64_t fetch() const { return limit + 1; }  // the rows a store reads: one more than shown
};

// INVALID_LIMIT unless 1 <= limit <= 1000 (none: 100); INVALID_CURSOR unless `cursor` is one of
// this list's, with `key_arity` values.
PageRequest page_request(std::string_view list, std::size_t key_arity, std::optional<int64_t> limit,
                         const std::optional<std::string>& cursor);

// A row as the store read it: its sort key and its JSON (one valid JSON object).
struct PageRow {
    std::vector<int64_t> key;
    std::string json;
};

// The page of `rows` (at most request.fetch(), in the list's order).
std::string page_json(const PageRequest& request, const std::vector<PageRow>& rows);

// The filters' checks, each INVALID_ARGUMENT naming the argument.
// A created_since after created_until (the period is [since, until)).
void require_period(std::optional<int64_t> since_micros, std::optional<int64_t> until_micros);
// A status (or kind) filter that names no label of the SQL enum `Status` stands for
// (core/transitions.hpp: escrows, milestones, payments, payment kinds, mandates), exact case.
template <class Status>
void require_status_filter(const std::optional<std::string>& value, std::string_view name);
// The same for kobatela.transaction_status and kobatela.purchase_status, which no plan of core
// decides: their labels are listed here.
void require_transaction_status(const std::optional<std::string>& value);
void require_purchase_status(const std::optional<std::string>& value);

}  // namespace koba::core
