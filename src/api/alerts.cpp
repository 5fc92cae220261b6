// Alerts raised by the rules (e.g. UNAUTHORIZED_TRANSFER_ATTEMPT), for support and admins.
#include "context/identity.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;

// list_alerts(type text DEFAULT NULL) RETURNS SETOF alerts, newest first. A key bound to a user
// sees only the alerts about that user's own actions.
KOBA_FUNCTION(kobatela_list_alerts) {
    const context::Principal caller = context::require_scope(core::kBusinessRead);
    const std::optional<std::string> type = pg::Args(fcinfo).opt_text(0);
    if (type) core::require_text(*type, "type", 100);  // alerts.type's own bound
    static pg::Statement select{
        "SELECT * FROM kobatela.alerts WHERE ($1::text IS NULL OR type = $1) "
        "AND ($2::bigint IS NULL OR actor_user_id = $2) ORDER BY created_at DESC, id DESC",
        {TEXTOID, INT8OID}};
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    spi.run(select, pg::Params().opt_text(type).opt_int8(caller.user_id)).append_to_set(fcinfo);
    return Datum(0);
}
