// One audit record per business action (src/core/audit_record.*, and the record form of the hash,
// src/core/audit_chain.*).
//
// The record hashes' known answers were computed on this machine by an independent Python
// implementation of the v2 encoding documented in audit_chain.hpp (hashlib.sha256,
// struct.pack(">q"/">Q")).
#include "core/audit_chain.hpp"
#include "core/audit_record.hpp"
#include "core/hmac.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace koba::core;

namespace {

const std::string kChanges =
    R"([{"op": "INSERT", "entity": "users", "entity_id": 1, "data": {"id": 1, "username": "amara"}}])";

AuditRecord record(int64_t seq, std::optional<std::string_view> prev) {
    AuditRecord r;
    r.prev_hash = prev;
    r.lane = 3;
    r.seq = seq;
    r.at_unix_micros = 1764064800123456;
    r.actor = "apikey:7";
    r.action = "USER_CREATED";
    r.txid = 742;
    r.changes = kChanges;
    return r;
}

AuditChange change(std::string action, std::string entity, std::optional<int64_t> id, int level = 1,
                   std::string data = "{}") {
    AuditChange c;
    c.actor = "apikey:7";
    c.action = std::move(action);
    c.entity = std::move(entity);
    c.entity_id = id;
    c.op = "INSERT";
    c.data = std::move(data);
    c.level = level;
    return c;
}

std::string hex(const AuditHash& h) { return to_hex(h.data(), h.size()); }

}  // namespace

TEST(AuditRecordHash, KnownAnswers) {
    EXPECT_EQ(hex(audit_record_hash(record(1, std::nullopt))),
              "c4dfaa93abdc8c586aa7d6546284b410eae12249a0207053f32c97a5c80f0938");
    std::string prev;
    for (int i = 0; i < 32; i++) prev.push_back(static_cast<char>(i));
    EXPECT_EQ(hex(audit_record_hash(record(2, prev))),
              "6dbac2381ff5989df00337b4e37a8c062b253383fcc2167ccf777786316f95f1");
}

TEST(AuditRecordHash, EveryByteOfTheChangesCountsAndTheFormsDiffer) {
    const AuditHash base = audit_record_hash(record(1, std::nullopt));
    std::string edited = kChanges;
    edited[edited.size() - 3] = ' ';  // one byte, same JSON meaning but for a space
    AuditRecord r = record(1, std::nullopt);
    r.changes = edited;
    EXPECT_NE(audit_record_hash(r), base);
    // A record and a row of the first form with the same text never hash alike: the tag differs.
    AuditRecord v1 = record(1, std::nullopt);
    v1.changes.reset();
    v1.data = kChanges;
    EXPECT_NE(audit_record_hash(v1), base);
    // entity, entity_id and data are not part of a record: they cannot be forged into one.
    AuditRecord extra = record(1, std::nullopt);
    extra.entity = "users";
    extra.entity_id = 5;
    EXPECT_EQ(audit_record_hash(extra), base);
}

TEST(AuditRecordJson, TheDocumentedLayout) {
    std::vector<AuditChange> changes;
    changes.push_back(change("API_KEY_USED", "api_keys", 7, 1, R"({"scope": "admin"})"));
    changes.back().op = "EVENT";
    changes.back().held = true;
    changes.push_back(change("USER_CREATED", "users", 12, 1, R"({"id": 12})"));
    changes.push_back(change("USERS_TRUNCATE", "users", std::nullopt));
    changes.back().op = "TRUNCATE";
    changes.back().actor = "role:dba \"x\"";
    const RecordHead head = record_head(changes);
    EXPECT_EQ(head.action, "USER_CREATED");  // a held key use leads the record but does not name it
    EXPECT_EQ(head.actor, "apikey:7");
    EXPECT_EQ(record_changes_json(changes, head),
              R"([{"op": "EVENT", "entity": "api_keys", "entity_id": 7, "action": "API_KEY_USED", "data": {"scope": "admin"}}, )"
              R"({"op": "INSERT", "entity": "users", "entity_id": 12, "data": {"id": 12}}, )"
              R"({"op": "TRUNCATE", "entity": "users", "entity_id": null, "action": "USERS_TRUNCATE", "actor": "role:dba \"x\"", "data": {}}])");
    EXPECT_EQ(record_entity_keys(changes), (std::vector<std::string>{"api_keys:7", "users:12", "users"}));
}

TEST(AuditRecordJson, OnlyHeldChangesNameTheRecordThemselves) {
    std::vector<AuditChange> changes;
    changes.push_back(change("API_KEY_USED", "api_keys", 7));
    changes.back().held = true;
    EXPECT_EQ(record_head(changes).action, "API_KEY_USED");
    EXPECT_EQ(record_head({}).action, "");
}

TEST(AuditRecordKeys, EachOnceInFirstSeenOrder) {
    std::vector<AuditChange> changes{change("A", "payments", 1), change("A", "escrow_agreements", 2),
                                     change("A", "payments", 1), change("A", "payments", 3)};
    EXPECT_EQ(record_entity_keys(changes),
              (std::vector<std::string>{"payments:1", "escrow_agreements:2", "payments:3"}));
}

TEST(PendingChanges, GroupsAreKeptApart) {
    PendingChanges p;
    EXPECT_FALSE(p.any());
    p.add(ChangeGroup::Outside, change("A", "users", 1));
    p.add(ChangeGroup::Call, change("B", "users", 2));
    EXPECT_TRUE(p.any());
    EXPECT_FALSE(p.empty(ChangeGroup::Call));
    EXPECT_TRUE(p.empty(ChangeGroup::Held));
    const std::vector<AuditChange> call = p.take(ChangeGroup::Call, 1);
    ASSERT_EQ(call.size(), 1u);
    EXPECT_EQ(call[0].action, "B");
    EXPECT_TRUE(p.empty(ChangeGroup::Call));
    EXPECT_FALSE(p.empty(ChangeGroup::Outside));
    p.clear();
    EXPECT_FALSE(p.any());
}

TEST(PendingChanges, RolledBackSubtransactionsDiscardWhatTheyCaptured) {
    PendingChanges p;
    p.add(ChangeGroup::Outside, change("top", "users", 1, 1));
    p.add(ChangeGroup::Outside, change("sp2", "users", 2, 2));
    p.add(ChangeGroup::Held, change("sp3", "users", 3, 3));
    p.subabort(3);  // ROLLBACK TO the innermost savepoint
    EXPECT_TRUE(p.empty(ChangeGroup::Held));
    p.subcommit(2);  // RELEASE: level 2's changes are the top level's now
    p.add(ChangeGroup::Outside, change("sp2b", "users", 4, 2));
    p.subabort(2);
    const std::vector<AuditChange> left = p.take(ChangeGroup::Outside, 1);
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left[0].action, "top");
    EXPECT_EQ(left[1].action, "sp2");
}

TEST(PendingChanges, TakeLeavesWhatOuterLevelsCaptured) {
    PendingChanges p;
    p.add(ChangeGroup::Outside, change("outer", "users", 1, 1));
    p.add(ChangeGroup::Outside, change("inner", "users", 2, 2));
    const std::vector<AuditChange> inner = p.take(ChangeGroup::Outside, 2);
    ASSERT_EQ(inner.size(), 1u);
    EXPECT_EQ(inner[0].action, "inner");
    const std::vector<AuditChange> outer = p.take(ChangeGroup::Outside, 1);
    ASSERT_EQ(outer.size(), 1u);
    EXPECT_EQ(outer[0].action, "outer");
}

TEST(PendingChanges, AGroupIsFullAtTheRecordBound) {
    PendingChanges p;
    for (std::size_t i = 0; i + 1 < kMaxRecordChanges; i++) p.add(ChangeGroup::Call, change("A", "alerts", 1));
    EXPECT_FALSE(p.full(ChangeGroup::Call));
    p.add(ChangeGroup::Call, change("A", "alerts", 1));
    EXPECT_TRUE(p.full(ChangeGroup::Call));
    PendingChanges big;
    big.add(ChangeGroup::Call, change("A", "alerts", 1, 1, std::string(kMaxRecordBytes, 'x')));
    EXPECT_TRUE(big.full(ChangeGroup::Call));
}

TEST(BoundedRecords, CutIntoRecordsOfAtMostTheBoundInOrder) {
    std::vector<AuditChange> changes;
    for (int i = 0; i < 2500; i++) changes.push_back(change("A", "alerts", i));
    const std::vector<std::vector<AuditChange>> records = bounded_records(std::move(changes));
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].size(), 1000u);
    EXPECT_EQ(records[1].size(), 1000u);
    EXPECT_EQ(records[2].size(), 500u);
    EXPECT_EQ(records[1].front().entity_id, 1000);
    EXPECT_TRUE(bounded_records({}).empty());
    std::vector<AuditChange> big;
    big.push_back(change("A", "alerts", 1, 1, std::string(kMaxRecordBytes, 'x')));
    big.push_back(change("A", "alerts", 2));
    EXPECT_EQ(bounded_records(std::move(big)).size(), 2u);  // a big change closes its record
}
