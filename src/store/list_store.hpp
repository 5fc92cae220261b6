// The lists' SQL (docs/reference.md, "Lists"): one page of a table, newest first (`id DESC`), read
// by keyset (`id < the cursor's id ... LIMIT n + 1`) along an index whose leading column is the
// list's access path (a party, an escrow, a mandate, a user, an alert type), so that a page costs
// the same whatever the table's size. Each access path is its own kept statement, never one
// statement with `($1 IS NULL OR col = $1)` for the path: a generic plan (the one a kept plan
// settles on after five calls) must know which index leads. The other filters are predicates on
// the rows that path reads. Row-level security applies on top, as to every read.
#pragma once

#include "core/list_page.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <vector>

namespace koba::store {

// What a list is asked, as the entry point validated it. Every field is optional; which ones a
// list reads is said with each list below.
struct ListFilter {
    std::optional<int64_t> bound_user;    // the user the caller's key is bound to: only that party's rows
    std::optional<int64_t> counterparty;  // escrows, transactions, mandates: rows where this user is a party
    std::optional<int64_t> parent;        // the escrow (escrow children), the mandate (purchases), the user (keys)
    std::optional<std::string> status;    // the row's status, exact SQL label
    std::optional<std::string> label;     // the second label: currency, payment kind or alert type
    std::optional<pg::UnixMicros> since;      // created_at >= since
    std::optional<pg::UnixMicros> until;      // created_at < until
};

// escrow_agreements: status, label = currency, counterparty, since/until. Path: the party (the
// bound user, else the counterparty) as client or provider, else every escrow.
std::vector<core::PageRow> list_escrows(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
// transactions: status, label = currency, counterparty, since/until; path: the party as sender or
// receiver.
std::vector<core::PageRow> list_transactions(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
// usage_mandates: status, label = currency, counterparty, since/until; path: the party as sender or
// beneficiary.
std::vector<core::PageRow> list_mandates(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
// An escrow's children (the entry point has checked that the caller is a party of `parent`):
// path the escrow; without one, the escrows of the bound user, else every row.
//   payments: status, label = kind, since/until; milestones: status; allowed_payees: nothing
//   else; escrow_deposits: since/until.
std::vector<core::PageRow> list_payments(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
std::vector<core::PageRow> list_milestones(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
std::vector<core::PageRow> list_payees(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
std::vector<core::PageRow> list_deposits(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
// purchases: parent = mandate, status, label = currency, since/until. Path: the mandate; else the
// bound user as beneficiary, and the purchases under the mandates it funds; else every purchase.
std::vector<core::PageRow> list_purchases(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);
// api_keys as api_key_info (never key_hash): parent = the user the keys are bound to.
std::vector<core::PageRow> list_api_keys(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter);

// An escrow's timeline, oldest first, keyed (at, id): the page after `page.after` (at as
// microseconds, id), along escrow_events (escrow_id, at, id).
std::vector<core::PageRow> list_escrow_events(pg::Spi& spi, const core::PageRequest& page, int64_t escrow_id);

// A page of a list keyed (time, id) (the timeline, alerts): runs `statement` with `params`, then
// the key to start after as two more parameters (NULL and `first_id` for the first page), and
// reads its rows (time, id, JSON).
std::vector<core::PageRow> timed_page(pg::Spi& spi, pg::Statement& statement, pg::Params params,
                                      const core::PageRequest& page, int64_t first_id);

}  // namespace koba::store
