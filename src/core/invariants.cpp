#include "core/invariants.hpp"

#include "core/json_writer.hpp"

#include <stdexcept>

namespace koba::core {

const InvariantRule& invariant_rule(Invariant rule) {
    for (const InvariantRule& r : kInvariants)
        if (r.rule == rule) return r;
    throw std::logic_error("kobatela: an invariant without a row in kInvariants");
}

std::string invariant_detail(const InvariantViolation& violation) {
    std::string detail = invariant_rule(violation.rule).what;
    if (!violation.found.empty()) {
        detail += "; unbalanced: ";
        for (size_t i = 0; i < violation.found.size(); ++i) detail += (i ? ", " : "") + violation.found[i];
    }
    return detail;
}

std::string invariant_rows_json(const std::vector<InvariantViolation>& violations) {
    std::string rows = "[";
    for (const InvariantRule& rule : kInvariants) {
        for (const InvariantViolation& v : violations) {
            if (v.rule != rule.rule || (v.ids.empty() && v.found.empty())) continue;
            std::string ids = "[";
            for (size_t i = 0; i < v.ids.size(); ++i) ids += (i ? "," : "") + std::to_string(v.ids[i]);
            ids += "]";
            if (rows.size() > 1) rows += ",";
            rows += JsonObject().add("rule", rule.name).add_raw("ids", ids).add("detail", invariant_detail(v)).str();
        }
    }
    return rows + "]";
}

}  // namespace koba::core
