// A row of one of Kobatela's tables read as the audit trail reads it (audit.cpp): the same JSON
// (every column, timestamps in UTC, secrets masked) and the same text of a column's value. The
// event trigger (event_trigger.cpp) records an event's data with it.
#pragma once

#include "pg/postgres.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace koba::audit {

struct RowRead {
    std::string json;                                // the row as one JSON object (jsonb's text)
    std::vector<std::optional<std::string>> values;  // the columns asked for: text, or nullopt (NULL or none)
};

// `tuple` of `relation` (deformed once): its JSON (unless !with_json), and the text of each of
// `columns`.
RowRead read_row(Relation relation, HeapTuple tuple, const std::vector<std::string_view>& columns,
                 bool with_json = true);

}  // namespace koba::audit
