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
    // One statement per access path (store/list_store.hpp says why): the actor's alerts along
    // (actor_user_id, id), one type's along (type, id), else every alert along the primary key.
    static pg::Statement of_actor{
        "SELECT * FROM kobatela.alerts WHERE actor_user_id = $2 AND ($1::text IS NULL OR type = $1) ORDER BY id DESC",
        {TEXTOID, INT8OID}};
    static pg::Statement of_type{"SELECT * FROM kobatela.alerts WHERE type = $1 ORDER BY id DESC", {TEXTOID}};
    static pg::Statement all{"SELECT * FROM kobatela.alerts ORDER BY id DESC", {}};
    if (actor_user_id)
        spi.run(of_actor, pg::Params().opt_text(type).int8(*actor_user_id)).append_to_set(fcinfo);
    else if (type)
        spi.run(of_type, pg::Params().text(*type)).append_to_set(fcinfo);
    else
        spi.run(all).append_to_set(fcinfo);
}

}  // namespace koba::store
