#include "core/list_page.hpp"

#include "core/errors.hpp"
#include "core/json_writer.hpp"
#include "core/pagination.hpp"
#include "core/transitions.hpp"

#include <algorithm>

namespace koba::core {

PageRequest page_request(std::string_view list, std::size_t key_arity, std::optional<int64_t> limit,
                         const std::optional<std::string>& cursor) {
    PageRequest request{list, page_limit(limit), {}};
    if (cursor) request.after = decode_cursor(list, key_arity, *cursor);
    return request;
}

std::string page_json(const PageRequest& request, const std::vector<PageRow>& rows) {
    const bool has_more = int64_t(rows.size()) > request.limit;
    const std::size_t shown = has_more ? std::size_t(request.limit) : rows.size();
    std::string data = "[";
    for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0) data += ',';
        data += rows[i].json;
    }
    data += ']';
    JsonObject page;
    page.add("object", "list").add_raw("data", data).add_bool("has_more", has_more);
    if (has_more)
        page.add("next_cursor", encode_cursor(request.list, rows[shown - 1].key));
    else
        page.add_null("next_cursor");
    return page.str();
}

void require_period(std::optional<int64_t> since_micros, std::optional<int64_t> until_micros) {
    if (since_micros && until_micros && *since_micros > *until_micros)
        throw Error(ErrorCode::INVALID_ARGUMENT, "created_since must not be after created_until.");
}

namespace {

void require_one_of(const std::optional<std::string>& value, std::string_view name, bool known) {
    if (value && !known)
        throw Error(ErrorCode::INVALID_ARGUMENT,
                    std::string(name) + " '" + *value + "' is not one of the list's " + std::string(name) +
                        " labels (upper case, as the SQL enum spells them).");
}

void require_listed(const std::optional<std::string>& value, std::string_view name,
                    std::initializer_list<std::string_view> labels) {
    require_one_of(value, name, value && std::find(labels.begin(), labels.end(), *value) != labels.end());
}

}  // namespace

template <class Status>
void require_status_filter(const std::optional<std::string>& value, std::string_view name) {
    require_one_of(value, name, value && parse_status<Status>(*value).has_value());
}
template void require_status_filter<EscrowStatus>(const std::optional<std::string>&, std::string_view);
template void require_status_filter<MilestoneStatus>(const std::optional<std::string>&, std::string_view);
template void require_status_filter<PaymentStatus>(const std::optional<std::string>&, std::string_view);
template void require_status_filter<PaymentKind>(const std::optional<std::string>&, std::string_view);
template void require_status_filter<MandateStatus>(const std::optional<std::string>&, std::string_view);

void require_transaction_status(const std::optional<std::string>& value) {
    require_listed(value, "status", {"PENDING", "COMPLETED", "REJECTED", "FAILED"});
}

void require_purchase_status(const std::optional<std::string>& value) {
    require_listed(value, "status", {"AUTHORIZED", "COMPLETED", "REJECTED"});
}

}  // namespace koba::core
