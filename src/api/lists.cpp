// The lists (docs/reference.md, "Lists"): one page of what the caller may see, newest first, as
//   {"object": "list", "data": [row, ...], "has_more": bool, "next_cursor": text or null}
// Every list takes its filters, then "limit" (NULL: 100; 1 to 1000) and cursor (the previous
// page's next_cursor) last. Business reads (admin, sender, support), API keys admin only. A key
// bound to a user lists only that user's rows: the store reads them along the party's own index
// (row-level security applies on top, as to every read).
#include "context/identity.hpp"
#include "core/currencies.hpp"
#include "core/list_page.hpp"
#include "core/text_rules.hpp"
#include "core/transitions.hpp"
#include "pg/args.hpp"
#include "pg/datum.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/alert_store.hpp"
#include "store/escrow_store.hpp"
#include "store/list_store.hpp"

using namespace koba;

namespace {

using Lister = std::vector<core::PageRow> (*)(pg::Spi&, const core::PageRequest&, const store::ListFilter&);
using StatusCheck = void (*)(const std::optional<std::string>&);

// "limit" and cursor, the last two arguments of every list.
core::PageRequest page_arguments(const pg::Args& args, std::string_view list, std::size_t key_arity = 1) {
    const int n = args.count();
    const std::optional<int32_t> limit = args.opt_int4(n - 2);
    return core::page_request(list, key_arity, limit ? std::optional<int64_t>(*limit) : std::nullopt,
                              args.opt_text(n - 1));
}

// created_since and created_until at arguments i and i + 1.
void read_period(const pg::Args& args, int i, store::ListFilter& filter) {
    filter.since = args.opt_timestamptz(i);
    filter.until = args.opt_timestamptz(i + 1);
    core::require_period(filter.since, filter.until);
}

std::optional<std::string> currency_filter(const pg::Args& args, int i) {
    const std::optional<std::string> currency = args.opt_text(i);
    return currency ? std::optional<std::string>(core::currency_code(*currency)) : std::nullopt;
}

Datum page_of(pg::Spi& spi, Lister lister, const core::PageRequest& page, const store::ListFilter& filter) {
    return pg::own_jsonb_datum(core::page_json(page, lister(spi, page, filter)));
}

// Escrows, transactions, mandates: (status, currency, counterparty_id, created_since,
// created_until, "limit", cursor).
Datum two_party_list(FunctionCallInfo fcinfo, std::string_view list, StatusCheck status_check, Lister lister) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    store::ListFilter filter;
    filter.bound_user = caller.user_id;
    filter.status = args.opt_text(0);
    status_check(filter.status);
    filter.label = currency_filter(args, 1);
    filter.counterparty = args.opt_int8(2);
    read_period(args, 3, filter);
    const core::PageRequest page = page_arguments(args, list);
    pg::Spi spi;
    return page_of(spi, lister, page, filter);
}

// An escrow's children: (escrow_id, the list's filters, "limit", cursor); `read_filters` reads
// and checks the filters. A given escrow must be one the caller is a party of (ESCROW_NOT_FOUND,
// NOT_A_PARTY), as for get_escrow.
template <class ReadFilters>
Datum escrow_child_list(FunctionCallInfo fcinfo, std::string_view list, Lister lister, ReadFilters read_filters) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    store::ListFilter filter;
    read_filters(args, filter);
    const core::PageRequest page = page_arguments(args, list);
    filter.bound_user = caller.user_id;
    filter.parent = args.opt_int8(0);
    pg::Spi spi;
    if (filter.parent)
        context::require_escrow_party(caller, store::find_escrow(spi, *filter.parent), context::EscrowParty::Either);
    return page_of(spi, lister, page, filter);
}

template <class Status>
void status_filter(const std::optional<std::string>& value) {
    core::require_status_filter<Status>(value, "status");
}

}  // namespace

// list_escrows(status, currency, counterparty_id, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_escrows) {
    return two_party_list(fcinfo, "escrows", status_filter<core::EscrowStatus>, store::list_escrows);
}

// list_transactions(status, currency, counterparty_id, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_transactions) {
    return two_party_list(fcinfo, "transactions", core::require_transaction_status, store::list_transactions);
}

// list_mandates(status, currency, counterparty_id, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_mandates) {
    return two_party_list(fcinfo, "mandates", status_filter<core::MandateStatus>, store::list_mandates);
}

// list_payments(escrow_id, status, kind, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_payments) {
    return escrow_child_list(fcinfo, "payments", store::list_payments, [](const pg::Args& args, store::ListFilter& f) {
        f.status = args.opt_text(1);
        core::require_status_filter<core::PaymentStatus>(f.status, "status");
        f.label = args.opt_text(2);
        core::require_status_filter<core::PaymentKind>(f.label, "kind");
        read_period(args, 3, f);
    });
}

// list_milestones(escrow_id, status, "limit", cursor)
KOBA_FUNCTION(kobatela_list_milestones) {
    return escrow_child_list(fcinfo, "milestones", store::list_milestones, [](const pg::Args& args, store::ListFilter& f) {
        f.status = args.opt_text(1);
        core::require_status_filter<core::MilestoneStatus>(f.status, "status");
    });
}

// list_payees(escrow_id, "limit", cursor)
KOBA_FUNCTION(kobatela_list_payees) {
    return escrow_child_list(fcinfo, "payees", store::list_payees, [](const pg::Args&, store::ListFilter&) {});
}

// list_deposits(escrow_id, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_deposits) {
    return escrow_child_list(fcinfo, "deposits", store::list_deposits,
                             [](const pg::Args& args, store::ListFilter& f) { read_period(args, 1, f); });
}

// list_purchases(mandate_id, status, currency, created_since, created_until, "limit", cursor)
KOBA_FUNCTION(kobatela_list_purchases) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    store::ListFilter filter;
    filter.bound_user = caller.user_id;
    filter.parent = args.opt_int8(0);
    filter.status = args.opt_text(1);
    core::require_purchase_status(filter.status);
    filter.label = currency_filter(args, 2);
    read_period(args, 3, filter);
    const core::PageRequest page = page_arguments(args, "purchases");
    pg::Spi spi;
    return page_of(spi, store::list_purchases, page, filter);
}

// list_alerts_page(type, "limit", cursor): list_alerts' rows a page at a time.
KOBA_FUNCTION(kobatela_list_alerts_page) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    const std::optional<std::string> type = args.opt_text(0);
    if (type) core::require_text(*type, "type", 100);  // alerts.type's own bound
    const core::PageRequest page = page_arguments(args, "alerts", 2);
    pg::Spi spi;
    return pg::own_jsonb_datum(core::page_json(page, store::alerts_page(spi, page, type, caller.user_id)));
}

// list_api_keys(user_id, "limit", cursor): admin only; each key as get_api_key shows it.
KOBA_FUNCTION(kobatela_list_api_keys) {
    context::require_scope(core::kAdminOnly);
    const pg::Args args(fcinfo);
    store::ListFilter filter;
    filter.parent = args.opt_int8(0);
    const core::PageRequest page = page_arguments(args, "api_keys");
    pg::Spi spi;
    return page_of(spi, store::list_api_keys, page, filter);
}

// list_escrow_events(escrow_id, "limit", cursor): escrow_events' timeline a page at a time,
// oldest first.
KOBA_FUNCTION(kobatela_list_escrow_events) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const pg::Args args(fcinfo);
    const int64_t escrow_id = args.int8(0, "escrow_id");
    const core::PageRequest page = page_arguments(args, "escrow_events", 2);
    pg::Spi spi;
    context::require_escrow_party(caller, store::find_escrow(spi, escrow_id), context::EscrowParty::Either);
    return pg::own_jsonb_datum(core::page_json(page, store::list_escrow_events(spi, page, escrow_id)));
}
