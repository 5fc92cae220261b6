// The alerts' SQL: alerts raised by the rules (an unauthorized transfer, a PSP event contradicting
// a payment, an overdrawn escrow), and the list support and admins read.
#pragma once

#include "core/list_page.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace koba::store {

struct NewAlert {
    std::string_view type;
    std::string_view message;
    std::optional<int64_t> actor_user_id;  // the user whose action raised it; none: no user's
    std::string_view payload;              // JSON object
};
// Inserts the alert, under the audit reason the caller has set.
void insert_alert(pg::Spi& spi, const NewAlert& alert);

// The alerts of `type` (every type when none) about `actor_user_id`'s actions (everyone's when
// none), newest first (id DESC), as the calling set-returning function's rows.
void append_alerts_to_set(pg::Spi& spi, const std::optional<std::string>& type,
                          std::optional<int64_t> actor_user_id, FunctionCallInfo fcinfo);

// A page of the same list (list_alerts_page), keyed (created_at, id).
std::vector<core::PageRow> alerts_page(pg::Spi& spi, const core::PageRequest& page,
                                       const std::optional<std::string>& type, std::optional<int64_t> actor_user_id);

}  // namespace koba::store
