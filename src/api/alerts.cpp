// Alerts raised by the rules (e.g. UNAUTHORIZED_TRANSFER_ATTEMPT), for support and admins.
#include "pg/args.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace koba;

// list_alerts(type text DEFAULT NULL) RETURNS SETOF alerts, newest first
KOBA_FUNCTION(kobatela_list_alerts) {
    const std::optional<std::string> type = pg::Args(fcinfo).opt_text(0);
    static pg::Statement select{
        "SELECT * FROM kobatela.alerts WHERE $1::text IS NULL OR type = $1 "
        "ORDER BY created_at DESC, id DESC",
        {TEXTOID}};
    pg::prepare_set_result(fcinfo);
    pg::Spi spi;
    spi.run(select, pg::Params().opt_text(type)).append_to_set(fcinfo);
    return Datum(0);
}
