#include "store/alert_store.hpp"

namespace koba::store {

void insert_alert(pg::Spi& spi, const NewAlert& alert) {
    static pg::Statement insert{
        "INSERT INTO kobatela.alerts (type, message, actor_user_id, payload) VALUES ($1, $2, $3, $4)",
        {TEXTOID, TEXTOID, INT8OID, JSONBOID}};
    spi.run(insert, pg::Params().text(alert.type).text(alert.message).opt_int8(alert.actor_user_id).own_jsonb(alert.payload));
}

void append_alerts_to_set(pg::Spi& spi, const std::optional<std::string>& type,
                          std::optional<int64_t> actor_user_id, FunctionCallInfo fcinfo) {
    static pg::Statement select{
        "SELECT * FROM kobatela.alerts WHERE ($1::text IS NULL OR type = $1) "
        "AND ($2::bigint IS NULL OR actor_user_id = $2) ORDER BY created_at DESC, id DESC",
        {TEXTOID, INT8OID}};
    spi.run(select, pg::Params().opt_text(type).opt_int8(actor_user_id)).append_to_set(fcinfo);
}

}  // namespace koba::store
