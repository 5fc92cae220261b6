#include "store/alert_store.hpp"

#include "store/list_store.hpp"

#include <limits>

namespace koba::store {

void insert_alert(pg::Spi& spi, const NewAlert& alert) {
    static pg::Statement insert{
        "INSERT INTO kobatela.alerts (type, message, actor_user_id, payload) VALUES ($1, $2, $3, $4)",
        {TEXTOID, TEXTOID, INT8OID, JSONBOID}};
    spi.run(insert, pg::Params().text(alert.type).text(alert.message).opt_int8(alert.actor_user_id).own_jsonb(alert.payload));
}

namespace {

// The alerts' three access paths, newest first (created_at DESC, id DESC): the actor's along
// (actor_user_id, created_at, id), one type's along (type, created_at, id), else every alert along
// (created_at, id); one kept statement each (store/list_store.hpp says why). $1 the type, $2 the
// actor; a page's statement then reads at most $3 rows after ($4, $5).
constexpr const char* kActor = "t.actor_user_id = $2 AND ($1::text IS NULL OR t.type = $1)";
constexpr const char* kType = "t.type = $1";
constexpr const char* kEvery = "true";

pg::Statement alerts_statement(const char* path, bool paged) {
    std::string sql = std::string("SELECT ") + (paged ? "t.created_at, t.id, to_jsonb(t)::text" : "t.*") +
                      " FROM kobatela.alerts t WHERE " + path;
    if (paged) sql += " AND (t.created_at, t.id) < (coalesce($4, 'infinity'::timestamptz), $5)";
    sql += " ORDER BY t.created_at DESC, t.id DESC";
    if (paged) sql += " LIMIT $3";
    return pg::Statement(std::move(sql), paged ? std::vector<Oid>{TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID, INT8OID}
                                              : std::vector<Oid>{TEXTOID, INT8OID});
}

// The path for this caller and filter, of the whole list or of a page.
pg::Statement& alerts_path(const std::optional<std::string>& type, std::optional<int64_t> actor_user_id,
                           bool paged) {
    static pg::Statement actor = alerts_statement(kActor, false), of_type = alerts_statement(kType, false),
                         every = alerts_statement(kEvery, false);
    static pg::Statement actor_page = alerts_statement(kActor, true), type_page = alerts_statement(kType, true),
                         every_page = alerts_statement(kEvery, true);
    if (actor_user_id) return paged ? actor_page : actor;
    if (type) return paged ? type_page : of_type;
    return paged ? every_page : every;
}

}  // namespace

void append_alerts_to_set(pg::Spi& spi, const std::optional<std::string>& type,
                          std::optional<int64_t> actor_user_id, FunctionCallInfo fcinfo) {
    spi.run(alerts_path(type, actor_user_id, false), pg::Params().opt_text(type).opt_int8(actor_user_id))
        .append_to_set(fcinfo);
}

std::vector<core::PageRow> alerts_page(pg::Spi& spi, const core::PageRequest& page,
                                       const std::optional<std::string>& type, std::optional<int64_t> actor_user_id) {
    return timed_page(spi, alerts_path(type, actor_user_id, true),
                      pg::Params().opt_text(type).opt_int8(actor_user_id).int8(page.fetch()), page,
                      std::numeric_limits<int64_t>::max());
}

}  // namespace koba::store
