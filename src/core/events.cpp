#include "core/events.hpp"

#include "core/errors.hpp"
#include "core/pagination.hpp"

#include <cstdint>

namespace koba::core {

namespace {

const std::vector<EventSource> kSources = {
    // table                object             status    party a            party b          escrow       purchase       mandate
    {"users",              "user",            "",       "id",              "",              "",          "",            ""},
    {"transactions",       "transaction",     "status", "sender_id",       "receiver_id",   "",          "",            ""},
    {"escrow_agreements",  "escrow",          "status", "client_id",       "provider_id",   "",          "",            ""},
    {"escrow_deposits",    "deposit",         "",       "",                "",              "escrow_id", "",            ""},
    {"milestones",         "milestone",       "status", "",                "",              "escrow_id", "",            ""},
    {"proofs",             "proof",           "status", "",                "",              "escrow_id", "",            ""},
    {"payments",           "payment",         "status", "",                "",              "escrow_id", "",            ""},
    {"usage_mandates",     "mandate",         "status", "sender_id",       "beneficiary_id", "",         "",            ""},
    {"purchases",          "purchase",        "status", "beneficiary_id",  "",              "",          "",            "mandate_id"},
    {"purchase_refunds",   "purchase_refund", "",       "",                "",              "",          "purchase_id", "mandate_id"},
};

constexpr std::string_view kAny = "*";

enum class Retry : uint8_t { Any, Yes };

// The first rule matching (table, insert or update, status before -> after, retry) names the
// event. `from` is ignored for an insert; "*" matches any status.
struct Rule {
    std::string_view table;
    bool insert;
    std::string_view from;
    std::string_view to;
    Retry retry;
    std::string_view type;
};

// A payment of kind REFUND (an escrow's balance going back to its client) has its events named
// refund.* instead of payment.*: refund.sent, refund.settled, refund.failed, ...
constexpr std::string_view kPaymentPrefix = "payment.";
constexpr std::string_view kRefundPrefix = "refund.";
constexpr std::string_view kRefundKind = "REFUND";

const Rule kRules[] = {
    {"users",             true,  kAny, kAny,             Retry::Any, "user.created"},
    {"transactions",      true,  kAny, "REJECTED",       Retry::Any, "transaction.rejected"},
    {"transactions",      true,  kAny, kAny,             Retry::Any, "transaction.created"},
    {"escrow_agreements", true,  kAny, kAny,             Retry::Any, "escrow.created"},
    {"escrow_agreements", false, kAny, "FUNDED",         Retry::Any, "escrow.funded"},
    {"escrow_agreements", false, kAny, "RELEASABLE",     Retry::Any, "escrow.delivered"},
    {"escrow_agreements", false, kAny, "RELEASED",       Retry::Any, "escrow.released"},
    {"escrow_agreements", false, kAny, "REFUNDED",       Retry::Any, "escrow.refunded"},
    {"escrow_agreements", false, kAny, "CANCELLED",      Retry::Any, "escrow.cancelled"},
    {"escrow_deposits",   true,  kAny, kAny,             Retry::Any, "deposit.created"},
    {"milestones",        true,  kAny, kAny,             Retry::Any, "milestone.created"},
    {"milestones",        false, kAny, "PENDING_REVIEW", Retry::Any, "milestone.in_review"},
    {"milestones",        false, kAny, "APPROVED",       Retry::Any, "milestone.approved"},
    {"milestones",        false, kAny, "REJECTED",       Retry::Any, "milestone.rejected"},
    {"milestones",        false, kAny, "PAYING",         Retry::Any, "milestone.paying"},
    {"milestones",        false, kAny, "PAID",           Retry::Any, "milestone.paid"},
    {"milestones",        false, kAny, "RELEASED",       Retry::Any, "milestone.released"},
    {"milestones",        false, kAny, "CANCELLED",      Retry::Any, "milestone.cancelled"},
    // An auto-approved photo is submitted and approved at once: one event, proof.approved.
    {"proofs",            true,  kAny, "APPROVED",       Retry::Any, "proof.approved"},
    {"proofs",            true,  kAny, kAny,             Retry::Any, "proof.submitted"},
    {"proofs",            false, kAny, "APPROVED",       Retry::Any, "proof.approved"},
    {"proofs",            false, kAny, "REJECTED",       Retry::Any, "proof.rejected"},
    // retry_payment: a new payment, SENT, paying a failed one again (retry_of).
    {"payments",          true,  kAny, kAny,             Retry::Yes, "payment.retried"},
    {"payments",          true,  kAny, "PENDING",        Retry::Any, "payment.created"},
    {"payments",          true,  kAny, "SENT",           Retry::Any, "payment.sent"},
    {"payments",          false, kAny, "SENT",           Retry::Any, "payment.sent"},
    {"payments",          false, kAny, "SETTLED",        Retry::Any, "payment.settled"},
    {"payments",          false, kAny, "ERROR",          Retry::Any, "payment.failed"},
    {"payments",          false, kAny, "REFUNDED",       Retry::Any, "payment.refunded"},
    {"usage_mandates",    true,  kAny, kAny,             Retry::Any, "mandate.created"},
    {"usage_mandates",    false, kAny, "CONSUMED",       Retry::Any, "mandate.consumed"},
    {"usage_mandates",    false, kAny, "EXPIRED",        Retry::Any, "mandate.expired"},
    {"usage_mandates",    false, kAny, "ACTIVE",         Retry::Any, "mandate.reactivated"},
    {"purchases",         true,  kAny, kAny,             Retry::Any, "purchase.created"},
    {"purchase_refunds",  true,  kAny, kAny,             Retry::Any, "purchase.refunded"},
};

bool matches(std::string_view pattern, std::string_view value) { return pattern == kAny || pattern == value; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string named_for_kind(std::string_view type, std::string_view kind) {
    if (kind == kRefundKind && type.substr(0, kPaymentPrefix.size()) == kPaymentPrefix)
        return std::string(kRefundPrefix) + std::string(type.substr(kPaymentPrefix.size()));
    return std::string(type);
}

}  // namespace

const std::vector<EventSource>& event_sources() noexcept { return kSources; }

const EventSource* event_source(std::string_view table) noexcept {
    for (const EventSource& source : kSources)
        if (source.table == table) return &source;
    return nullptr;
}

std::optional<std::string> event_type(const EventSource& source, const RowChange& change) {
    // An update is an event only when it changes the status; a table without one has none.
    if (!change.is_insert && (source.status_column.empty() || change.old_status == change.new_status))
        return std::nullopt;
    for (const Rule& rule : kRules) {
        if (rule.table != source.table || rule.insert != change.is_insert) continue;
        if (!change.is_insert && !matches(rule.from, change.old_status)) continue;
        if (!matches(rule.to, change.new_status)) continue;
        if (rule.retry == Retry::Yes && !change.is_retry) continue;
        return named_for_kind(rule.type, change.kind);
    }
    // A status no rule names (none today; a status added later): "<object>.<status>".
    if (change.is_insert) return std::string(source.object) + ".created";
    return std::string(source.object) + "." + lower(change.new_status);
}

std::vector<std::string> event_types() {
    std::vector<std::string> types;
    const auto add = [&](const std::string& type) {
        for (const std::string& seen : types)
            if (seen == type) return;
        types.push_back(type);
    };
    for (const Rule& rule : kRules) add(std::string(rule.type));
    for (const Rule& rule : kRules)
        if (rule.table == "payments") add(named_for_kind(rule.type, kRefundKind));
    return types;
}

namespace {
constexpr std::string_view kFeedList = "events_since";
}

std::string encode_feed_cursor(const FeedPosition& after) {
    return encode_cursor(kFeedList, {static_cast<int64_t>(after.txid), after.id});
}

FeedPosition decode_feed_cursor(const std::optional<std::string>& cursor) {
    if (!cursor) return {};
    const std::vector<int64_t> key = decode_cursor(kFeedList, 2, *cursor);
    if (key[0] < 0 || key[1] < 0) throw Error(ErrorCode::INVALID_CURSOR);
    return FeedPosition{static_cast<uint64_t>(key[0]), key[1]};
}

}  // namespace koba::core
