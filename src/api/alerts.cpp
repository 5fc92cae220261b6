// Alerts raised by the rules (e.g. UNAUTHORIZED_TRANSFER_ATTEMPT), for support and admins.
#include "context/identity.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/alert_store.hpp"

using namespace koba;

// list_alerts(type text DEFAULT NULL) RETURNS SETOF alerts, newest first. A key bound to a user
// sees only the alerts about that user's own actions.
KOBA_FUNCTION(kobatela_list_alerts) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const std::optional<std::string> type = pg::Args(fcinfo).opt_text(0);
    if (type) core::require_text(*type, "type", 100);  // alerts.type's own bound
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    store::append_alerts_to_set(spi, type, caller.user_id, fcinfo);
    return Datum(0);
}
