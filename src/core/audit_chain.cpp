#include "core/audit_chain.hpp"

#include "core/json_writer.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace koba::core {

namespace {

constexpr std::string_view kTagV1 = "kobatela.audit.v1";
constexpr std::string_view kTagV2 = "kobatela.audit.v2";

void put_u64(std::string* out, uint64_t v) {
    char b[8];
    for (int i = 7; i >= 0; --i) {
        b[i] = static_cast<char>(v & 0xFF);
        v >>= 8;
    }
    out->append(b, sizeof b);
}

void put_i64(std::string* out, int64_t v) { put_u64(out, static_cast<uint64_t>(v)); }

void put_bytes(std::string* out, std::string_view s) {
    put_u64(out, s.size());
    out->append(s.data(), s.size());
}

}  // namespace

void encode_audit_record(const AuditRecord& r, std::string* out) {
    const std::string_view tag = r.changes ? kTagV2 : kTagV1;
    out->clear();
    out->reserve(tag.size() + 8 * 8 + 4 + r.actor.size() + r.action.size() + r.entity.size() + r.data.size() +
                 (r.changes ? r.changes->size() : 0) + (r.prev_hash ? r.prev_hash->size() : 0));
    out->append(tag.data(), tag.size());
    if (r.prev_hash) {
        out->push_back('\x01');
        put_bytes(out, *r.prev_hash);
    } else {
        out->push_back('\x00');
    }
    put_i64(out, r.lane);
    put_i64(out, r.seq);
    put_i64(out, r.at_unix_micros);
    put_bytes(out, r.actor);
    put_bytes(out, r.action);
    if (r.changes) {
        put_u64(out, r.txid);
        put_bytes(out, *r.changes);
        return;
    }
    put_bytes(out, r.entity);
    if (r.entity_id) {
        out->push_back('\x01');
        put_i64(out, *r.entity_id);
    } else {
        out->push_back('\x00');
    }
    put_bytes(out, r.data);
    put_u64(out, r.txid);
}

namespace {

// SHA-256 with the algorithm looked up once per thread. EVP_Digest(..., EVP_sha256(), ...) makes
// OpenSSL 3 fetch the implementation from its provider tables at every call, which cost more than
// hashing an audit row (~300 bytes) itself: a fifth of the audit trigger's time.
class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new()) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        fetched_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        md_ = fetched_;
#else
        md_ = EVP_sha256();
#endif
    }
    ~Sha256() {
        EVP_MD_CTX_free(ctx_);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        EVP_MD_free(fetched_);
#endif
    }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    AuditHash digest(std::string_view bytes) {
        static const unsigned char kEmpty = 0;
        AuditHash digest{};
        unsigned int length = 0;
        const void* data = bytes.data() != nullptr ? static_cast<const void*>(bytes.data()) : &kEmpty;
        if (ctx_ == nullptr || md_ == nullptr || EVP_DigestInit_ex(ctx_, md_, nullptr) != 1 ||
            EVP_DigestUpdate(ctx_, data, bytes.size()) != 1 || EVP_DigestFinal_ex(ctx_, digest.data(), &length) != 1 ||
            length != digest.size())
            throw std::runtime_error("SHA-256 failed in OpenSSL");
        return digest;
    }

private:
    EVP_MD_CTX* ctx_;
    const EVP_MD* md_ = nullptr;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MD* fetched_ = nullptr;
#endif
};

}  // namespace

AuditHash sha256(std::string_view bytes) {
    thread_local Sha256 hasher;
    return hasher.digest(bytes);
}

AuditHash audit_record_hash(const AuditRecord& record) {
    thread_local std::string encoded;  // reused: no allocation per row
    encode_audit_record(record, &encoded);
    const AuditHash hash = sha256(encoded);
    if (encoded.capacity() > (std::size_t{1} << 16)) std::string().swap(encoded);  // after a big row
    return hash;
}

std::string canonical_jsonb_object(std::vector<JsonbMember> members) {
    // jsonb's order (lengthCompareJsonbStringValue): shorter keys first, then memcmp. The stable
    // sort keeps equal keys in input order, so the last of them is the one to keep.
    std::stable_sort(members.begin(), members.end(), [](const JsonbMember& a, const JsonbMember& b) {
        if (a.key.size() != b.key.size()) return a.key.size() < b.key.size();
        return a.key < b.key;  // string_view compares bytes as unsigned char
    });
    std::size_t size = 2;
    for (const JsonbMember& m : members) size += m.key.size() + m.value.size() + 6;
    std::string out;
    out.reserve(size);
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < members.size(); i++) {
        if (i + 1 < members.size() && members[i + 1].key == members[i].key) continue;  // keep the last
        if (!first) out += ", ";
        first = false;
        append_json_string(out, members[i].key);
        out += ": ";
        out += members[i].value;
    }
    out += '}';
    return out;
}

bool is_secret_column(std::string_view name) noexcept {
    const auto ends_with = [&](std::string_view suffix) {
        return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
    };
    return name == "key_hash" || ends_with("_secret") || ends_with("_hash");
}

// ---- LaneTip -----------------------------------------------------------------------------------

void LaneTip::load(const ChainTip& committed) {
    known_ = true;
    attempted_ = false;
    committed_ = committed;
    current_ = committed;
    saves_.clear();
}

void LaneTip::before_write(int level) {
    attempted_ = true;
    if (level >= 2 && (saves_.empty() || saves_.back().level < level)) saves_.push_back(Saved{level, current_});
}

void LaneTip::commit() {
    committed_ = current_;
    saves_.clear();
    attempted_ = false;
}

void LaneTip::abort() {
    if (attempted_) known_ = false;
    current_ = committed_;
    saves_.clear();
    attempted_ = false;
}

void LaneTip::subcommit(int level) {
    if (saves_.empty() || saves_.back().level < level) return;
    // The parent restores its own older tip if it already wrote; else it inherits this one.
    const bool parent_saved = saves_.size() >= 2 && saves_[saves_.size() - 2].level >= level - 1;
    if (parent_saved || level - 1 < 2) saves_.pop_back();
    else saves_.back().level = level - 1;
}

void LaneTip::subabort(int level) {
    while (!saves_.empty() && saves_.back().level >= level) {
        current_ = saves_.back().tip;
        saves_.pop_back();
    }
}

// ---- OverrideStack -----------------------------------------------------------------------------

uint64_t OverrideStack::push(std::string value, int level) {
    const uint64_t token = next_token_++;
    entries_.push_back(Entry{std::move(value), level, token});
    return token;
}

void OverrideStack::pop(uint64_t token) noexcept {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->token == token) {
            entries_.erase(std::next(it).base());
            return;
        }
    }
}

void OverrideStack::subcommit(int level) noexcept {
    for (Entry& e : entries_)
        if (e.level >= level) e.level = level - 1;
}

void OverrideStack::subabort(int level) noexcept {
    while (!entries_.empty() && entries_.back().level >= level) entries_.pop_back();
}

const char* chain_break_name(ChainBreak b) noexcept {
    switch (b) {
        case ChainBreak::Ok: return "ok";
        case ChainBreak::FirstRowNotSeq1: return "the lane does not start at seq 1";
        case ChainBreak::SeqGap: return "seq is not the previous seq + 1";
        case ChainBreak::PrevHashMismatch: return "prev_hash is not the previous row's hash";
        case ChainBreak::HashMismatch: return "hash does not match the row's content";
    }
    return "unknown";
}

ChainBreak LaneChecker::next(const AuditRecord& r, std::string_view stored_hash) {
    if (status_ != ChainBreak::Ok) return status_;
    if (last_seq_ == 0) {
        if (r.seq != 1 || r.prev_hash) status_ = ChainBreak::FirstRowNotSeq1;
    } else if (r.seq != last_seq_ + 1) {
        status_ = ChainBreak::SeqGap;
    } else if (!r.prev_hash || *r.prev_hash != last_hash_) {
        status_ = ChainBreak::PrevHashMismatch;
    }
    if (status_ != ChainBreak::Ok) return status_;
    encode_audit_record(r, &scratch_);
    const AuditHash h = sha256(scratch_);
    if (stored_hash.size() != h.size() ||
        std::string_view(reinterpret_cast<const char*>(h.data()), h.size()) != stored_hash) {
        status_ = ChainBreak::HashMismatch;
        return status_;
    }
    last_seq_ = r.seq;
    last_hash_.assign(stored_hash.data(), stored_hash.size());
    return status_;
}

}  // namespace koba::core
