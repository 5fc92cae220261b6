// The audit hash chain's canonical encoding and SHA-256 (src/core/audit_chain.*).
//
// Known answers were computed on this machine by an independent Python implementation of the
// encoding documented in audit_chain.hpp (hashlib.sha256, struct.pack(">q"/">Q")), and the first
// one cross-checked with sha256sum over the encoded bytes.
#include "core/audit_chain.hpp"
#include "core/hmac.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>

using namespace koba::core;

namespace {

std::string hex(const AuditHash& h) { return to_hex(h.data(), h.size()); }
std::string raw(const AuditHash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

AuditRecord first_row() {
    AuditRecord r;
    r.lane = 3;
    r.seq = 1;
    r.at_unix_micros = 1764064800123456;
    r.actor = "role:postgres";
    r.action = "USERS_INSERT";
    r.entity = "users";
    r.entity_id = 1;
    r.data = R"({"id": 1, "email": "amara@example.fr", "username": "amara"})";
    r.txid = 742;
    return r;
}

}  // namespace

TEST(AuditChain, Sha256KnownAnswers) {
    // FIPS 180-2 examples.
    EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuditChain, EncodingIsTheDocumentedLayout) {
    std::string encoded;
    encode_audit_record(first_row(), &encoded);
    EXPECT_EQ(to_hex(reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size()),
              "6b6f626174656c612e61756469742e7631"  // "kobatela.audit.v1"
              "00"                                  // no prev_hash
              "0000000000000003"                    // lane
              "0000000000000001"                    // seq
              "0006446857c5aa40"                    // at
              "000000000000000d" "726f6c653a706f737467726573"  // actor
              "000000000000000c" "55534552535f494e53455254"    // action
              "0000000000000005" "7573657273"                  // entity
              "01" "0000000000000001"                          // entity_id
              "000000000000003b"
              "7b226964223a20312c2022656d61696c223a2022616d617261406578616d706c652e6672222c2022757365"
              "726e616d65223a2022616d617261227d"                // data
              "00000000000002e6");                              // txid
}

TEST(AuditChain, KnownAnswerFirstRowOfALane) {
    EXPECT_EQ(hex(audit_record_hash(first_row())),
              "f193aaaaa9c7c2c8d3030a06135a6be673f4d371e78560328e3eca8fe4a85225");
}

TEST(AuditChain, KnownAnswerChainedRowWithoutEntityId) {
    const AuditHash prev = audit_record_hash(first_row());
    const std::string prev_bytes = raw(prev);
    AuditRecord r;
    r.prev_hash = prev_bytes;
    r.lane = 3;
    r.seq = 2;
    r.at_unix_micros = 1764064800123999;
    r.actor = "apikey:7";
    r.action = "CREATE_TRANSACTION";
    r.entity = "transactions";
    r.data = R"({"new": {"amount": "150.00"}, "old": {}})";
    r.txid = (uint64_t{1} << 40) + 5;
    EXPECT_EQ(hex(audit_record_hash(r)), "05feca395da5c04b9dc3b79d2a40bb85b97c609f638c777d826ebe4f8833378a");
}

TEST(AuditChain, KnownAnswerExtremes) {
    AuditRecord r;
    r.lane = -1;
    r.seq = std::numeric_limits<int64_t>::max();
    r.at_unix_micros = -5;
    r.actor = "";
    r.action = "\xc3\xa9";  // é
    r.entity = "x";
    r.entity_id = std::numeric_limits<int64_t>::min();
    r.data = "{}";
    r.txid = std::numeric_limits<uint64_t>::max();
    EXPECT_EQ(hex(audit_record_hash(r)), "68d4a069bb8ef7b135f8b87c09fe05531706a334adb1a16aefacb3ad767fd41c");
}

TEST(AuditChain, ShiftingBytesBetweenNeighbouringFieldsChangesTheHash) {
    AuditRecord a = first_row();
    AuditRecord b = first_row();
    a.actor = "ab";
    a.action = "c";
    b.actor = "a";
    b.action = "bc";
    EXPECT_NE(audit_record_hash(a), audit_record_hash(b));

    AuditRecord c = first_row();
    AuditRecord d = first_row();
    c.action = "USERS_";
    c.entity = "INSERTusers";
    d.action = "USERS_INSERT";
    d.entity = "users";
    EXPECT_NE(audit_record_hash(c), audit_record_hash(d));

    AuditRecord e = first_row();
    AuditRecord f = first_row();
    e.entity = "users{";
    e.data = "}";
    f.entity = "users";
    f.data = "{}";
    EXPECT_NE(audit_record_hash(e), audit_record_hash(f));
}

TEST(AuditChain, AbsentIsNotZeroOrEmpty) {
    AuditRecord none = first_row();
    none.entity_id.reset();
    AuditRecord zero = first_row();
    zero.entity_id = 0;
    EXPECT_NE(audit_record_hash(none), audit_record_hash(zero));

    AuditRecord no_prev = first_row();
    AuditRecord empty_prev = first_row();
    empty_prev.prev_hash = std::string_view("");
    EXPECT_NE(audit_record_hash(no_prev), audit_record_hash(empty_prev));
}

TEST(AuditChain, EveryFieldIsCovered) {
    const AuditRecord base = first_row();
    std::set<AuditHash> seen{audit_record_hash(base)};
    const auto differs = [&](AuditRecord r, const char* what) {
        EXPECT_TRUE(seen.insert(audit_record_hash(r)).second) << what << " does not change the hash";
    };
    const std::string prev(32, '\x07');
    AuditRecord r = base;
    r.prev_hash = prev;
    differs(r, "prev_hash");
    r = base; r.lane = 4; differs(r, "lane");
    r = base; r.seq = 2; differs(r, "seq");
    r = base; r.at_unix_micros += 1; differs(r, "at");
    r = base; r.actor = "role:other"; differs(r, "actor");
    r = base; r.action = "USERS_UPDATE"; differs(r, "action");
    r = base; r.entity = "user"; differs(r, "entity");
    r = base; r.entity_id = 2; differs(r, "entity_id");
    r = base; r.data = R"({"id": 1})"; differs(r, "data");
    r = base; r.txid = 743; differs(r, "txid");
}

TEST(AuditChain, LaneCheckerAcceptsAnIntactChain) {
    LaneChecker lane;
    AuditRecord r1 = first_row();
    const AuditHash h1 = audit_record_hash(r1);
    EXPECT_EQ(lane.next(r1, raw(h1)), ChainBreak::Ok);
    const std::string p1 = raw(h1);
    AuditRecord r2 = first_row();
    r2.seq = 2;
    r2.prev_hash = p1;
    const AuditHash h2 = audit_record_hash(r2);
    EXPECT_EQ(lane.next(r2, raw(h2)), ChainBreak::Ok);
    EXPECT_EQ(lane.last_seq(), 2);
}

TEST(AuditChain, LaneCheckerFindsEveryKindOfBreak) {
    const AuditRecord r1 = first_row();
    const std::string h1 = raw(audit_record_hash(r1));
    AuditRecord r2 = first_row();
    r2.seq = 2;
    r2.prev_hash = h1;
    const std::string h2 = raw(audit_record_hash(r2));

    {   // the first row was removed
        LaneChecker lane;
        EXPECT_EQ(lane.next(r2, h2), ChainBreak::FirstRowNotSeq1);
    }
    {   // a middle row was removed
        LaneChecker lane;
        AuditRecord r3 = r2;
        r3.seq = 3;
        r3.prev_hash = h2;
        ASSERT_EQ(lane.next(r1, h1), ChainBreak::Ok);
        EXPECT_EQ(lane.next(r3, raw(audit_record_hash(r3))), ChainBreak::SeqGap);
    }
    {   // renumbered after a removal: seq is contiguous, but the link is broken
        LaneChecker lane;
        AuditRecord r3 = r2;
        r3.prev_hash = std::string_view(h1).substr(0, 31);
        ASSERT_EQ(lane.next(r1, h1), ChainBreak::Ok);
        EXPECT_EQ(lane.next(r3, raw(audit_record_hash(r3))), ChainBreak::PrevHashMismatch);
    }
    {   // a row's content was edited
        LaneChecker lane;
        AuditRecord edited = r2;
        edited.data = R"({"id": 666})";
        ASSERT_EQ(lane.next(r1, h1), ChainBreak::Ok);
        EXPECT_EQ(lane.next(edited, h2), ChainBreak::HashMismatch);
        EXPECT_EQ(lane.next(r2, h2), ChainBreak::HashMismatch) << "the first break sticks";
    }
    {   // a first row that claims a predecessor
        LaneChecker lane;
        AuditRecord r = r1;
        r.prev_hash = h2;
        EXPECT_EQ(lane.next(r, raw(audit_record_hash(r))), ChainBreak::FirstRowNotSeq1);
    }
    {   // a later row that claims none (its own hash recomputed to match): the link is broken
        LaneChecker lane;
        AuditRecord orphan = r2;
        orphan.prev_hash = std::nullopt;
        ASSERT_EQ(lane.next(r1, h1), ChainBreak::Ok);
        EXPECT_EQ(lane.next(orphan, raw(audit_record_hash(orphan))), ChainBreak::PrevHashMismatch);
    }
    {   // ... or an empty one
        LaneChecker lane;
        AuditRecord empty = r2;
        empty.prev_hash = std::string_view();
        ASSERT_EQ(lane.next(r1, h1), ChainBreak::Ok);
        EXPECT_EQ(lane.next(empty, raw(audit_record_hash(empty))), ChainBreak::PrevHashMismatch);
    }
    EXPECT_STREQ(chain_break_name(ChainBreak::Ok), "ok");
}

// Expected texts are what PostgreSQL 15's jsonb_out printed on this machine for the same objects.
TEST(CanonicalJsonb, KeysSortShorterFirstThenBytewise) {
    EXPECT_EQ(canonical_jsonb_object({{"username", R"("amara")"}, {"id", "1"}, {"email", R"("a@b.c")"},
                                      {"is_active", "true"}, {"zz", "null"}, {"aa", "-5"}, {"b", R"("x")"}}),
              R"({"b": "x", "aa": -5, "id": 1, "zz": null, "email": "a@b.c", "username": "amara", "is_active": true})");
    // "é" is two bytes (0xc3 0xa9): after "ab"; upper case before lower case; escaped keys.
    EXPECT_EQ(canonical_jsonb_object({{"\xc3\xa9", "1"}, {"z", "2"}, {"ab", "3"}, {"Z", "4"}, {"\x01", R"("t")"}}),
              "{\"\\u0001\": \"t\", \"Z\": 4, \"z\": 2, \"ab\": 3, \"\xc3\xa9\": 1}");
}

TEST(CanonicalJsonb, EmptyNestedAndRepeatedKeys) {
    EXPECT_EQ(canonical_jsonb_object({}), "{}");
    EXPECT_EQ(canonical_jsonb_object({{"a", "1"}, {"a", "2"}}), R"({"a": 2})");
    const std::string inner = canonical_jsonb_object({{"b", "1"}, {"a", R"([1, {"x": 3, "y": 2}])"}});
    EXPECT_EQ(canonical_jsonb_object({{"old", canonical_jsonb_object({})}, {"new", inner}}),
              R"({"new": {"a": [1, {"x": 3, "y": 2}], "b": 1}, "old": {}})");
}

TEST(AuditMasking, SecretColumns) {
    EXPECT_TRUE(is_secret_column("key_hash"));
    EXPECT_TRUE(is_secret_column("webhook_secret"));
    EXPECT_TRUE(is_secret_column("password_hash"));
    EXPECT_TRUE(is_secret_column("_secret"));
    EXPECT_FALSE(is_secret_column("sha256"));        // a proof's photo hash is evidence, not a secret
    EXPECT_FALSE(is_secret_column("hash_algorithm"));
    EXPECT_FALSE(is_secret_column("secretary"));
    EXPECT_FALSE(is_secret_column("key"));
    EXPECT_FALSE(is_secret_column(""));
}

namespace {
ChainTip tip(int64_t seq) {
    ChainTip t;
    t.seq = seq;
    t.hash.fill(static_cast<unsigned char>(seq));
    return t;
}
// Writes one row at `level` the way the writer does.
void write(LaneTip& lane, int level) {
    lane.before_write(level);
    lane.advance(tip(lane.current().seq + 1));
}
}  // namespace

TEST(LaneTip, CommitMakesRowsFinalAbortForgetsTheTip) {
    LaneTip lane;
    EXPECT_FALSE(lane.known());
    lane.load(tip(5));
    EXPECT_FALSE(lane.has_pending());
    write(lane, 1);
    write(lane, 1);
    EXPECT_TRUE(lane.has_pending());
    lane.commit();
    EXPECT_FALSE(lane.has_pending());
    EXPECT_EQ(lane.current(), tip(7));

    write(lane, 1);
    lane.abort();  // a write was attempted: read the tip again (it may have been wrong)
    EXPECT_FALSE(lane.known());
    lane.load(tip(7));
    lane.abort();  // nothing written: the tip stays known
    EXPECT_TRUE(lane.known());
    EXPECT_EQ(lane.current(), tip(7));
}

TEST(LaneTip, RolledBackSavepointRestoresTheTip) {
    LaneTip lane;
    lane.load(tip(10));
    write(lane, 1);                        // 11
    write(lane, 2);                        // 12, in savepoint a (level 2)
    write(lane, 3);                        // 13, in savepoint b (level 3)
    lane.subabort(3);                      // ROLLBACK TO b
    EXPECT_EQ(lane.current(), tip(12));
    write(lane, 3);                        // 13 again, in a new b
    lane.subcommit(3);                     // RELEASE b: a owns its rows now
    lane.subabort(2);                      // ROLLBACK TO a
    EXPECT_EQ(lane.current(), tip(11));
    EXPECT_TRUE(lane.has_pending());
    lane.commit();
    EXPECT_EQ(lane.current(), tip(11));
    EXPECT_FALSE(lane.has_pending());
}

TEST(LaneTip, ReleasedSubtransactionHandsItsTipToTheParent) {
    LaneTip lane;
    lane.load(tip(0));
    write(lane, 3);                        // first write deep inside: saved tip 0 at level 3
    lane.subcommit(3);                     // now the parent (2) must restore 0 on rollback
    write(lane, 2);                        // 2: the parent already has a save, no new one
    lane.subabort(2);
    EXPECT_EQ(lane.current(), tip(0));
    EXPECT_FALSE(lane.has_pending());      // nothing left to prepare: PREPARE is allowed
    write(lane, 2);
    lane.subcommit(2);                     // released into the top level
    lane.subabort(2);                      // a later, empty savepoint rolls back: nothing to undo
    EXPECT_EQ(lane.current(), tip(1));
    EXPECT_TRUE(lane.has_pending());
}

TEST(OverrideStack, NestsAndRestores) {
    OverrideStack s;
    EXPECT_EQ(s.top(), nullptr);
    const uint64_t outer = s.push("CREATE_TRANSACTION", 1);
    const uint64_t inner = s.push("ALERT_RAISED", 1);
    EXPECT_EQ(*s.top(), "ALERT_RAISED");
    s.pop(inner);
    EXPECT_EQ(*s.top(), "CREATE_TRANSACTION");
    s.pop(inner);  // twice: no effect
    EXPECT_EQ(*s.top(), "CREATE_TRANSACTION");
    s.pop(outer);
    EXPECT_EQ(s.top(), nullptr);
}

TEST(OverrideStack, OutOfOrderPopAndSubtransactions) {
    OverrideStack s;
    const uint64_t a = s.push("A", 1);
    const uint64_t b = s.push("B", 2);
    s.pop(a);  // an owner destroyed out of order leaves the others in place
    EXPECT_EQ(*s.top(), "B");
    s.push("C", 3);
    s.subcommit(3);  // C now belongs to level 2
    s.subabort(2);   // level 2 rolls back: B and C go, even though their owners never ran
    EXPECT_EQ(s.top(), nullptr);
    s.pop(b);        // the late destructor is harmless
    s.push("D", 1);
    s.clear();       // transaction end
    EXPECT_EQ(s.size(), 0u);
}
