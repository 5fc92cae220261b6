#include "core/audit_record.hpp"

#include "core/json_writer.hpp"

#include <algorithm>
#include <unordered_set>

namespace koba::core {

namespace {
// What a change counts towards a record's bound: its data and a little for the rest.
std::size_t change_bytes(const AuditChange& c) { return c.data.size() + c.entity.size() + 64; }
}  // namespace

void PendingChanges::add(ChangeGroup group, AuditChange change) {
    Group& g = groups_[index(group)];
    g.bytes += change_bytes(change);
    g.changes.push_back(std::move(change));
}

bool PendingChanges::any() const {
    for (const Group& g : groups_)
        if (!g.changes.empty()) return true;
    return false;
}

bool PendingChanges::full(ChangeGroup group) const {
    const Group& g = groups_[index(group)];
    return g.changes.size() >= kMaxRecordChanges || g.bytes >= kMaxRecordBytes;
}

std::vector<AuditChange> PendingChanges::take(ChangeGroup group, int level) {
    Group& g = groups_[index(group)];
    std::vector<AuditChange> out;
    std::vector<AuditChange> kept;
    for (AuditChange& c : g.changes) (c.level >= level ? out : kept).push_back(std::move(c));
    g.changes.swap(kept);
    g.bytes = 0;
    for (const AuditChange& c : g.changes) g.bytes += change_bytes(c);
    return out;
}

void PendingChanges::subcommit(int level) noexcept {
    for (Group& g : groups_)
        for (AuditChange& c : g.changes)
            if (c.level >= level) c.level = level - 1;
}

void PendingChanges::subabort(int level) noexcept {
    for (Group& g : groups_) {
        const auto gone = std::remove_if(g.changes.begin(), g.changes.end(),
                                         [level](const AuditChange& c) { return c.level >= level; });
        if (gone == g.changes.end()) continue;
        g.changes.erase(gone, g.changes.end());
        g.bytes = 0;
        for (const AuditChange& c : g.changes) g.bytes += change_bytes(c);
    }
}

void PendingChanges::clear() noexcept {
    for (Group& g : groups_) {
        g.changes.clear();
        g.changes.shrink_to_fit();  // a bulk change's memory goes back
        g.bytes = 0;
    }
}

std::vector<std::vector<AuditChange>> bounded_records(std::vector<AuditChange> changes) {
    std::vector<std::vector<AuditChange>> records;
    std::size_t bytes = 0;
    for (AuditChange& c : changes) {
        if (records.empty() || records.back().size() >= kMaxRecordChanges || bytes >= kMaxRecordBytes) {
            records.emplace_back();
            bytes = 0;
        }
        bytes += change_bytes(c);
        records.back().push_back(std::move(c));
    }
    return records;
}

RecordHead record_head(const std::vector<AuditChange>& changes) {
    if (changes.empty()) return RecordHead{};
    const auto own = std::find_if(changes.begin(), changes.end(), [](const AuditChange& c) { return !c.held; });
    const AuditChange& head = own != changes.end() ? *own : changes.front();
    return RecordHead{head.actor, head.action};
}

std::string record_changes_json(const std::vector<AuditChange>& changes, const RecordHead& head) {
    std::size_t size = 2;
    for (const AuditChange& c : changes) size += c.data.size() + c.entity.size() + 96;
    std::string out;
    out.reserve(size);
    out += '[';
    for (std::size_t i = 0; i < changes.size(); i++) {
        const AuditChange& c = changes[i];
        if (i > 0) out += ", ";
        out += "{\"op\": ";
        append_json_string(out, c.op);
        out += ", \"entity\": ";
        append_json_string(out, c.entity);
        out += ", \"entity_id\": ";
        out += c.entity_id ? std::to_string(*c.entity_id) : std::string("null");
        if (c.action != head.action) {
            out += ", \"action\": ";
            append_json_string(out, c.action);
        }
        if (c.actor != head.actor) {
            out += ", \"actor\": ";
            append_json_string(out, c.actor);
        }
        out += ", \"data\": ";
        out += c.data;
        out += '}';
    }
    out += ']';
    return out;
}

std::vector<std::string> record_entity_keys(const std::vector<AuditChange>& changes) {
    std::vector<std::string> keys;
    std::unordered_set<std::string> seen;
    for (const AuditChange& c : changes) {
        std::string key = c.entity;
        if (c.entity_id) key += ":" + std::to_string(*c.entity_id);
        if (seen.insert(key).second) keys.push_back(std::move(key));
    }
    return keys;
}

}  // namespace koba::core
