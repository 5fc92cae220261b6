// touch_updated_at(): BEFORE UPDATE row trigger keeping every table's updated_at current.
#include "audit/extension_tables.hpp"
#include "pg/guard.hpp"

#include <stdexcept>

using namespace koba;

KOBA_FUNCTION(kobatela_touch_updated_at) {
    if (!CALLED_AS_TRIGGER(fcinfo)) throw std::logic_error("touch_updated_at: not called as a trigger");
    audit::require_extension_table(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_relation, "touch_updated_at");
    return pg::pg_call([&] {
        auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
        if (!TRIGGER_FIRED_BEFORE(trigger->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigger->tg_event) ||
            !TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
            elog(ERROR, "touch_updated_at: must be a BEFORE UPDATE FOR EACH ROW trigger");
        TupleDesc desc = trigger->tg_relation->rd_att;
        int column = SPI_fnumber(desc, "updated_at");
        if (column <= 0) elog(ERROR, "touch_updated_at: table has no updated_at column");
        // The moment of the change (clock_timestamp()), not the start of its transaction: a row
        // changed late in a long transaction says when it was changed.
        Datum now = TimestampTzGetDatum(GetCurrentTimestamp());
        bool is_null = false;
        return PointerGetDatum(heap_modify_tuple_by_cols(trigger->tg_newtuple, desc, 1, &column, &now, &is_null));
    });
}
