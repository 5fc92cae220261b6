#include "core/replication.hpp"

namespace koba::core {

const char* replication_role(const ReplicationFacts& facts) noexcept {
    return facts.in_recovery ? "standby" : "primary";
}

std::optional<int64_t> since_last_replay_ms(const ReplicationFacts& facts) noexcept {
    if (!facts.last_replay_micros) return std::nullopt;
    const int64_t elapsed = facts.now_micros - *facts.last_replay_micros;
    return elapsed > 0 ? elapsed / 1000 : 0;
}

std::optional<int64_t> replay_behind_bytes(const ReplicationFacts& facts) noexcept {
    if (!facts.receive_minus_replay) return std::nullopt;
    return *facts.receive_minus_replay > 0 ? *facts.receive_minus_replay : 0;
}

void add_replication(JsonObject& json, const ReplicationFacts& facts) {
    json.add("role", replication_role(facts));
    if (!facts.in_recovery) return;
    JsonObject replication;
    const auto text_or_null = [&](const char* key, const std::optional<std::string>& value) {
        value ? replication.add(key, *value) : replication.add_null(key);
    };
    const auto int_or_null = [&](const char* key, const std::optional<int64_t>& value) {
        value ? replication.add_int(key, *value) : replication.add_null(key);
    };
    text_or_null("receive_lsn", facts.receive_lsn);
    text_or_null("replay_lsn", facts.replay_lsn);
    int_or_null("replay_behind_bytes", replay_behind_bytes(facts));
    text_or_null("last_replay_at", facts.last_replay_at);
    int_or_null("since_last_replay_ms", since_last_replay_ms(facts));
    replication.add_bool("replay_paused", facts.replay_paused);
    json.add_raw("replication", replication.str());
}

}  // namespace koba::core
