#include "core/pagination.hpp"

#include "core/errors.hpp"

#include <array>
#include <charconv>

namespace koba::core {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The version of the cursor's layout: a cursor of a later layout is INVALID_CURSOR, not misread.
constexpr std::string_view kLayout = "1";
constexpr std::size_t kMaxCursorBytes = 256;

std::string base64url(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
    return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
    std::array<int, 256> value{};
    value.fill(-1);
    for (std::size_t i = 0; i < kAlphabet.size(); i++) value[static_cast<unsigned char>(kAlphabet[i])] = int(i);
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        if (value[c] < 0) return std::nullopt;
        acc = (acc << 6) | uint32_t(value[c]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Left-over bits must be the zero padding encode wrote: one text, one cursor.
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

[[noreturn]] void invalid_cursor() {
    throw Error(ErrorCode::INVALID_CURSOR);
}

}  // namespace

int64_t page_limit(std::optional<int64_t> requested) {
    if (!requested) return kDefaultPageLimit;
    if (*requested < 1 || *requested > kMaxPageLimit)
        throw Error(ErrorCode::INVALID_LIMIT,
                    "The limit must be between 1 and " + std::to_string(kMaxPageLimit) + " (default " +
                        std::to_string(kDefaultPageLimit) + ").");
    return *requested;
}

std::string encode_cursor(std::string_view list, const std::vector<int64_t>& key) {
    std::string plain = std::string(kLayout) + ":" + std::string(list);
    for (int64_t v : key) plain += ":" + std::to_string(v);
    return base64url(plain);
}

std::vector<int64_t> decode_cursor(std::string_view list, std::size_t arity, std::string_view cursor) {
    if (cursor.empty() || cursor.size() > kMaxCursorBytes) invalid_cursor();
    const std::optional<std::string> plain = from_base64url(cursor);
    if (!plain) invalid_cursor();
    const std::string head = std::string(kLayout) + ":" + std::string(list) + ":";
    if (plain->compare(0, head.size(), head) != 0) invalid_cursor();
    std::vector<int64_t> key;
    std::string_view rest = std::string_view(*plain).substr(head.size());
    while (true) {
        const std::size_t end = rest.find(':');
        const std::string_view part = rest.substr(0, end);
        int64_t v = 0;
        const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || ec != std::errc() || ptr != part.data() + part.size()) invalid_cursor();
        // One spelling per value (no "+1", "01" or "-0"), so that a cursor has one text.
        if (std::to_string(v) != part) invalid_cursor();
        key.push_back(v);
        if (end == std::string_view::npos) break;
        rest = rest.substr(end + 1);
    }
    if (key.size() != arity) invalid_cursor();
    return key;
}

}  // namespace koba::core
