// kobatela.event_row(): the row trigger that turns business changes into events (docs/events.md).
// It reads the change (the status before and after, a payment's kind and retry), asks core
// whether it is an event and which (core/events.hpp), and has the event store write it with the
// row as it is now, rendered as the audit trail renders rows (row_read.hpp). It decides nothing.
#include "audit/extension_tables.hpp"
#include "audit/row_read.hpp"
#include "core/events.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/event_store.hpp"

#include <stdexcept>

using namespace koba;

namespace {

std::optional<int64_t> id_of(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return std::stoll(*text);
}

// The value of `column` ("" when the source has none): the text read, or "".
std::string_view text_or_empty(const std::optional<std::string>& text) { return text ? *text : std::string_view(); }

}  // namespace

// event_row() RETURNS trigger: AFTER INSERT OR UPDATE OF status FOR EACH ROW on the business
// tables (sql/functions_events.sql).
KOBA_FUNCTION(kobatela_event_row) {
    auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
    const bool is_trigger = CALLED_AS_TRIGGER(fcinfo);
    const TriggerEvent event = is_trigger ? trigger->tg_event : 0;
    if (!is_trigger || !TRIGGER_FIRED_AFTER(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
        throw std::logic_error("event_row: must be an AFTER INSERT OR UPDATE ... FOR EACH ROW trigger");
    // Only Kobatela's own tables: on any other, the event would be of the attacker's choosing.
    audit::require_extension_table(trigger->tg_relation, "event_row");
    Relation relation = trigger->tg_relation;
    const core::EventSource* source = core::event_source(RelationGetRelationName(relation));
    if (source == nullptr) throw std::logic_error("event_row: the table is not one of core::event_sources()");

    const bool insert = TRIGGER_FIRED_BY_INSERT(event);
    std::string old_status;
    if (!insert && !source->status_column.empty())
        old_status = text_or_empty(audit::read_row(relation, trigger->tg_trigtuple, {source->status_column}, false).values[0]);
    // The row now: what core needs, then (only for an event) the whole row and its parties.
    const std::vector<std::string_view> columns = {"id", source->status_column, "kind", "retry_of"};
    HeapTuple now = insert ? trigger->tg_trigtuple : trigger->tg_newtuple;
    const audit::RowRead facts = audit::read_row(relation, now, columns, false);
    const std::string_view new_status = source->status_column.empty() ? std::string_view() : text_or_empty(facts.values[1]);
    const std::string_view kind = source->table == "payments" ? text_or_empty(facts.values[2]) : std::string_view();
    const bool is_retry = source->table == "payments" && facts.values[3].has_value();
    const std::optional<std::string> type =
        core::event_type(*source, core::RowChange{insert, old_status, new_status, kind, is_retry});
    if (!type) return PointerGetDatum(nullptr);

    const std::vector<std::string_view> party_columns = {source->party_a_column, source->party_b_column,
                                                         source->escrow_column, source->purchase_column,
                                                         source->mandate_column};
    audit::RowRead row = audit::read_row(relation, now, party_columns);
    const auto party = [&](size_t i) { return party_columns[i].empty() ? std::nullopt : id_of(row.values[i]); };
    store::NewEvent record;
    record.type = *type;
    record.object = std::string(source->object);
    record.object_id = id_of(facts.values[0]).value();
    record.data_json = std::move(row.json);
    record.party_a = party(0);
    record.party_b = party(1);
    record.escrow_id = party(2);
    record.purchase_id = party(3);
    record.mandate_id = party(4);
    pg::Spi spi;
    store::record_event(spi, record, relation->rd_rel->relowner);
    return PointerGetDatum(nullptr);  // AFTER trigger: the result is ignored
}
