#include "core/api_keys.hpp"
#include "core/errors.hpp"
#include "core/scopes.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace koba::core;

TEST(ApiKeys, GeneratedKeysHaveTheDocumentedShape) {
    for (int i = 0; i < 100; i++) {
        const NewApiKey k = generate_api_key();
        ASSERT_EQ(k.key.size(), kApiKeyLength) << k.key;
        EXPECT_EQ(k.prefix.size(), 11u);
        EXPECT_EQ(k.key.substr(0, 11), k.prefix);
        EXPECT_EQ(api_key_prefix(k.key), k.prefix);
    }
}

TEST(ApiKeys, GeneratedKeysDiffer) {
    std::set<std::string> keys;
    for (int i = 0; i < 1000; i++) keys.insert(generate_api_key().key);
    EXPECT_EQ(keys.size(), 1000u);
}

TEST(ApiKeys, PrefixRejectsEverythingElse) {
    const std::string good = generate_api_key().key;
    EXPECT_TRUE(api_key_prefix(good));
    EXPECT_FALSE(api_key_prefix(""));
    EXPECT_FALSE(api_key_prefix(good.substr(0, 54)));
    EXPECT_FALSE(api_key_prefix(good + "A"));
    std::string upper_hex = good;
    upper_hex[5] = 'A';
    EXPECT_FALSE(api_key_prefix(upper_hex));
    std::string bad_start = good;
    bad_start[0] = 'K';
    EXPECT_FALSE(api_key_prefix(bad_start));
    std::string no_dot = good;
    no_dot[11] = '_';
    EXPECT_FALSE(api_key_prefix(no_dot));
    std::string quote = good;
    quote[30] = '\'';
    EXPECT_FALSE(api_key_prefix(quote));
    // Every character of the secret is checked: the first, the last, and each one between.
    for (std::size_t i = 12; i < good.size(); i++) {
        for (const char bad : {'+', '/', '=', '.', ' ', '\0'}) {
            std::string probe = good;
            probe[i] = bad;
            EXPECT_FALSE(api_key_prefix(probe)) << "position " << i << " holds " << int(bad);
        }
    }
    EXPECT_FALSE(api_key_prefix(std::string(10240, 'k')));
}

TEST(ApiKeys, HashIsPepperedHmac) {
    // printf %s 'koba_000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' | openssl dgst -sha256 -hmac pepper
    const std::string key = "koba_000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_EQ(api_key_hash("pepper", key), "6246dad3b24b9e16851ce8e505072d49204e434f296eeb4b25b2c88403f9b4b9");
    EXPECT_NE(api_key_hash("pepper", key), api_key_hash("pepper2", key));
    EXPECT_EQ(api_key_hash("pepper", key).size(), 64u);
}

TEST(Base64Url, Rfc4648Vectors) {
    auto enc = [](std::string_view s) { return base64url(reinterpret_cast<const unsigned char*>(s.data()), s.size()); };
    EXPECT_EQ(enc(""), "");
    EXPECT_EQ(enc("f"), "Zg");
    EXPECT_EQ(enc("fo"), "Zm8");
    EXPECT_EQ(enc("foo"), "Zm9v");
    EXPECT_EQ(enc("foob"), "Zm9vYg");
    EXPECT_EQ(enc("fooba"), "Zm9vYmE");
    EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
    EXPECT_EQ(enc("\xfb\xff"), "-_8");  // the URL-safe characters
}

TEST(Scopes, SetNamesForErrors) {
    EXPECT_EQ(scope_set_names(kAdminOnly), "admin");
    EXPECT_EQ(scope_set_names(kBusinessWrite), "sender or admin");
    EXPECT_EQ(scope_set_names(kBusinessRead), "sender or support or admin");
    EXPECT_EQ(scope_set_names(Scope::Support | Scope::Admin), "support or admin");
    EXPECT_EQ(scope_set_names(0), "");
    for (const Scope s : {Scope::Sender, Scope::Support, Scope::Admin})  // the hint names every scope
        EXPECT_NE(std::string_view(kUnknownScopeHint).find(scope_name(s)), std::string_view::npos);
}

TEST(Scopes, SetsAndNames) {
    EXPECT_TRUE(allows(kBusinessWrite, Scope::Sender));
    EXPECT_TRUE(allows(kBusinessWrite, Scope::Admin));
    EXPECT_FALSE(allows(kBusinessWrite, Scope::Support));
    EXPECT_TRUE(allows(kBusinessRead, Scope::Support));
    EXPECT_FALSE(allows(kAdminOnly, Scope::Sender));
    for (const Scope s : {Scope::Sender, Scope::Support, Scope::Admin}) EXPECT_EQ(parse_scope(scope_name(s)), s);
    EXPECT_FALSE(parse_scope("Admin"));
    EXPECT_FALSE(parse_scope(""));
}

namespace {

StoredApiKey stored_key(const std::string& hash) {
    StoredApiKey k;
    k.id = 3;
    k.key_hash = hash;
    k.scope = Scope::Sender;
    k.is_active = true;
    return k;
}

// The code require_key_accepted refuses with, or none.
std::optional<ErrorCode> refusal(const std::optional<StoredApiKey>& stored, const std::string& hash,
                                             int64_t now) {
    try {
        require_key_accepted(stored, hash, now);
    } catch (const Error& e) {
        EXPECT_STREQ(e.hint(), kRefusedKeyHint);
        return e.code();
    }
    return std::nullopt;
}

}  // namespace

TEST(ApiKeys, AnActiveUnexpiredKeyWithItsHashIsAccepted) {
    const std::string hash = api_key_hash("pepper", generate_api_key().key);
    EXPECT_EQ(refusal(stored_key(hash), hash, 1000), std::nullopt);
    StoredApiKey expiring = stored_key(hash);
    expiring.expires_at = 1001;
    EXPECT_EQ(refusal(expiring, hash, 1000), std::nullopt);
}

TEST(ApiKeys, EveryOtherKeyIsTheSameUnauthorized) {
    const std::string hash = api_key_hash("pepper", generate_api_key().key);
    const std::string other = api_key_hash("pepper", generate_api_key().key);
    EXPECT_EQ(refusal(std::nullopt, hash, 1000), ErrorCode::UNAUTHORIZED);            // no key has the prefix
    EXPECT_EQ(refusal(stored_key(other), hash, 1000), ErrorCode::UNAUTHORIZED);       // another secret
    EXPECT_EQ(refusal(stored_key(hash.substr(1)), hash, 1000), ErrorCode::UNAUTHORIZED);  // a stored hash of another length
    StoredApiKey revoked = stored_key(hash);
    revoked.is_active = false;
    EXPECT_EQ(refusal(revoked, hash, 1000), ErrorCode::UNAUTHORIZED);
    StoredApiKey expired = stored_key(hash);
    expired.expires_at = 1000;  // expired at the very moment
    EXPECT_EQ(refusal(expired, hash, 1000), ErrorCode::UNAUTHORIZED);
}

TEST(ApiKeys, AKeysUseIsStampedAtMostOnceAMinute) {
    EXPECT_EQ(key_use_stamp_due_before(120'000'000), 60'000'000);
}
