#include "store/list_store.hpp"

#include "store/identity_store.hpp"

#include <limits>

namespace koba::store {

namespace {

// Every list statement takes the same parameters, so that one filter text serves every access
// path of its list:
//   $1 the cursor's id (the page holds smaller ids), $2 the rows to read (the limit + 1),
//   $3 the access path's key (party, escrow, mandate or user), $4 status, $5 the second label
//   (currency, kind or type), $6 created since, $7 created until, $8 counterparty, $9 bound user.
const std::vector<Oid>& parameter_types() {
    static const std::vector<Oid> types{INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID,
                                        TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID};
    return types;
}

// The filters, over the table's alias t.
std::string status_is(const char* enum_type) {
    return std::string("($4::text IS NULL OR t.status = $4::kobatela.") + enum_type + ")";
}
std::string label_is(const char* column) { return std::string("($5::text IS NULL OR t.") + column + " = $5)"; }
constexpr const char* kCreatedIn =
    "($6::timestamptz IS NULL OR t.created_at >= $6) AND ($7::timestamptz IS NULL OR t.created_at < $7)";
std::string counterparty_is(const char* one, const char* other) {
    return std::string("($8::bigint IS NULL OR $8 IN (t.") + one + ", t." + other + "))";
}
std::string all_of(std::initializer_list<std::string> predicates) {
    std::string out;
    for (const std::string& p : predicates) out += (out.empty() ? "" : " AND ") + p;
    return out.empty() ? "true" : out;
}

// A list's table: its name, the JSON of a row of alias t, and its filters.
struct ListTable {
    const char* table;
    const char* row;
    std::string filters;
};

// One branch of an access path: the rows whose `lead` predicate holds (it names the leading
// column of the index that serves the branch); with `parents` (a SELECT of ids, read as p.id),
// the rows of each parent in turn, at most a page each.
struct Branch {
    std::string lead;
    const char* parents = nullptr;
};

std::string branch_sql(const ListTable& list, const Branch& branch) {
    const std::string rows = std::string("SELECT t.id, (") + list.row + ")::text AS row FROM " + list.table +
                             " t WHERE " + branch.lead + " AND t.id < $1 AND " + list.filters +
                             " ORDER BY t.id DESC LIMIT $2";
    if (branch.parents == nullptr) return rows;
    return std::string("SELECT t.id, t.row FROM (") + branch.parents + ") p CROSS JOIN LATERAL (" + rows + ") t";
}

// One access path's statement: its branch, or the newest rows of its branches together.
pg::Statement path_statement(const ListTable& list, std::initializer_list<Branch> branches) {
    if (branches.size() == 1 && branches.begin()->parents == nullptr)
        return pg::Statement(branch_sql(list, *branches.begin()), parameter_types());
    std::string sql = "SELECT b.id, b.row FROM (";
    bool first = true;
    for (const Branch& branch : branches) {
        sql += (first ? "(" : " UNION ALL (") + branch_sql(list, branch) + ")";
        first = false;
    }
    sql += ") b ORDER BY b.id DESC LIMIT $2";
    return pg::Statement(std::move(sql), parameter_types());
}

std::vector<core::PageRow> run_page(pg::Spi& spi, pg::Statement& statement, const core::PageRequest& page,
                                    const ListFilter& filter, std::optional<int64_t> path_key) {
    pg::Params params;
    params.int8(page.after.empty() ? std::numeric_limits<int64_t>::max() : page.after.at(0))
        .int8(page.fetch())
        .opt_int8(path_key)
        .opt_text(filter.status)
        .opt_text(filter.label)
        .opt_timestamptz(filter.since)
        .opt_timestamptz(filter.until)
        .opt_int8(filter.counterparty)
        .opt_int8(filter.bound_user);
    const pg::Result result = spi.run(statement, std::move(params));
    std::vector<core::PageRow> rows;
    rows.reserve(result.size());
    for (uint64_t i = 0; i < result.size(); ++i) rows.push_back({{result.int8(i, 1)}, result.text(i, 2)});
    return rows;
}

constexpr const char* kEveryRow = "true";

// Tables with two parties (escrows, transactions, mandates): the party's rows along
// (one, id) and (other, id), else every row.
class TwoPartyList {
public:
    TwoPartyList(const ListTable& list, const std::string& one, const std::string& other)
        : by_party_(path_statement(list, {{"t." + one + " = $3"}, {"t." + other + " = $3 AND t." + one + " <> $3"}})),
          all_(path_statement(list, {{kEveryRow}})) {}

    std::vector<core::PageRow> page(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
        const std::optional<int64_t> party = filter.bound_user ? filter.bound_user : filter.counterparty;
        return party ? run_page(spi, by_party_, page, filter, party) : run_page(spi, all_, page, filter, std::nullopt);
    }

private:
    pg::Statement by_party_;
    pg::Statement all_;
};

// The escrows a user is a party of, as p.id.
constexpr const char* kEscrowsOfParty =
    "SELECT e.id FROM kobatela.escrow_agreements e WHERE e.client_id = $3 UNION ALL "
    "SELECT e.id FROM kobatela.escrow_agreements e WHERE e.provider_id = $3 AND e.client_id <> $3";

// An escrow's children: the escrow's along (escrow_id, id); without one, those of the bound
// user's escrows, escrow by escrow; else every row.
class EscrowChildList {
public:
    explicit EscrowChildList(const ListTable& list)
        : by_escrow_(path_statement(list, {{"t.escrow_id = $3"}})),
          of_party_(path_statement(list, {{"t.escrow_id = p.id", kEscrowsOfParty}})),
          all_(path_statement(list, {{kEveryRow}})) {}

    std::vector<core::PageRow> page(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
        if (filter.parent) return run_page(spi, by_escrow_, page, filter, filter.parent);
        if (filter.bound_user) return run_page(spi, of_party_, page, filter, filter.bound_user);
        return run_page(spi, all_, page, filter, std::nullopt);
    }

private:
    pg::Statement by_escrow_;
    pg::Statement of_party_;
    pg::Statement all_;
};

// A list with one optional key of its own (a user's API keys, a bound user's purchases): the rows
// along the key's index, else every row.
std::vector<core::PageRow> keyed_page(pg::Spi& spi, pg::Statement& by_key, pg::Statement& all,
                                      const core::PageRequest& page, const ListFilter& filter,
                                      std::optional<int64_t> key) {
    return key ? run_page(spi, by_key, page, filter, key) : run_page(spi, all, page, filter, std::nullopt);
}

}  // namespace

std::vector<core::PageRow> list_escrows(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static TwoPartyList list({"kobatela.escrow_agreements", "to_jsonb(t)",
                              all_of({status_is("escrow_status"), label_is("currency"), kCreatedIn,
                                      counterparty_is("client_id", "provider_id")})},
                             "client_id", "provider_id");
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_transactions(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static TwoPartyList list({"kobatela.transactions", "to_jsonb(t)",
                              all_of({status_is("transaction_status"), label_is("currency"), kCreatedIn,
                                      counterparty_is("sender_id", "receiver_id")})},
                             "sender_id", "receiver_id");
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_mandates(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static TwoPartyList list({"kobatela.usage_mandates", "to_jsonb(t)",
                              all_of({status_is("mandate_status"), label_is("currency"), kCreatedIn,
                                      counterparty_is("sender_id", "beneficiary_id")})},
                             "sender_id", "beneficiary_id");
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_payments(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static EscrowChildList list(
        {"kobatela.payments", "to_jsonb(t)",
         all_of({status_is("payment_status"), "($5::text IS NULL OR t.kind = $5::kobatela.payment_kind)", kCreatedIn})});
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_milestones(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static EscrowChildList list({"kobatela.milestones", "to_jsonb(t)", status_is("milestone_status")});
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_payees(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static EscrowChildList list({"kobatela.allowed_payees", "to_jsonb(t)", kEveryRow});
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_deposits(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static EscrowChildList list({"kobatela.escrow_deposits", "to_jsonb(t)", kCreatedIn});
    return list.page(spi, page, filter);
}

std::vector<core::PageRow> list_purchases(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    // A bound user's: as the beneficiary, or as the sender funding the purchase's mandate (what
    // the table's row-level security shows it).
    static const ListTable list{
        "kobatela.purchases", "to_jsonb(t)",
        all_of({status_is("purchase_status"), label_is("currency"), kCreatedIn,
                "($9::bigint IS NULL OR t.beneficiary_id = $9 OR EXISTS (SELECT 1 FROM kobatela.usage_mandates m "
                "WHERE m.id = t.mandate_id AND m.sender_id = $9))"})};
    static pg::Statement by_mandate = path_statement(list, {{"t.mandate_id = $3"}});
    static pg::Statement of_party = path_statement(
        list, {{"t.beneficiary_id = $3"},
               {"t.mandate_id = p.id AND t.beneficiary_id <> $3", "SELECT m.id FROM kobatela.usage_mandates m WHERE m.sender_id = $3"}});
    static pg::Statement all = path_statement(list, {{kEveryRow}});
    if (filter.parent) return run_page(spi, by_mandate, page, filter, filter.parent);
    return keyed_page(spi, of_party, all, page, filter, filter.bound_user);
}

std::vector<core::PageRow> list_api_keys(pg::Spi& spi, const core::PageRequest& page, const ListFilter& filter) {
    static const ListTable list{"kobatela.api_keys", "to_jsonb(ROW(" KOBA_KEY_INFO_COLUMNS ")::kobatela.api_key_info)",
                                kEveryRow};
    static pg::Statement of_user = path_statement(list, {{"t.user_id = $3"}});
    static pg::Statement all = path_statement(list, {{kEveryRow}});
    return keyed_page(spi, of_user, all, page, filter, filter.parent);
}

std::vector<core::PageRow> list_escrow_events(pg::Spi& spi, const core::PageRequest& page, int64_t escrow_id) {
    // The first page starts after (-infinity, any id): every event's time is finite.
    static pg::Statement select{
        "SELECT t.at, t.id, to_jsonb(t)::text FROM kobatela.escrow_events t WHERE t.escrow_id = $1 "
        "AND (t.at, t.id) > (coalesce($3, '-infinity'::timestamptz), $4) ORDER BY t.at, t.id LIMIT $2",
        {INT8OID, INT8OID, TIMESTAMPTZOID, INT8OID}};
    return timed_page(spi, select, pg::Params().int8(escrow_id).int8(page.fetch()), page,
                      std::numeric_limits<int64_t>::min());
}

std::vector<core::PageRow> timed_page(pg::Spi& spi, pg::Statement& statement, pg::Params params,
                                      const core::PageRequest& page, int64_t first_id) {
    if (page.after.empty())
        params.null().int8(first_id);
    else
        params.timestamptz(page.after.at(0)).int8(page.after.at(1));
    const pg::Result result = spi.run(statement, std::move(params));
    std::vector<core::PageRow> rows;
    rows.reserve(result.size());
    for (uint64_t i = 0; i < result.size(); ++i)
        rows.push_back({{result.timestamptz(i, 1), result.int8(i, 2)}, result.text(i, 3)});
    return rows;
}

}  // namespace koba::store
