// Secrets, password hashing, cookies and the origin policy.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <set>

#include "auth/cookies.hpp"
#include "auth/origin_policy.hpp"
#include "auth/password_hasher.hpp"
#include "auth/secrets.hpp"

namespace parley::auth {
namespace {

class Secrets : public ::testing::Test {
 protected:
  void SetUp() override { initialise_crypto(); }
};

TEST_F(Secrets, AreUrlSafeLongAndDifferentEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string secret = random_secret();
    EXPECT_EQ(secret.size(), 43u);  // 32 bytes, unpadded base64url
    EXPECT_TRUE(looks_like_secret(secret)) << secret;
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(Secrets, DigestsAreStableHexAndDistinct) {
  EXPECT_EQ(digest_of("abc"), digest_of("abc"));
  EXPECT_NE(digest_of("abc"), digest_of("abd"));
  EXPECT_EQ(digest_of("abc").size(), 64u);
  EXPECT_EQ(digest_of("abc").find_first_not_of("0123456789abcdef"), std::string::npos);
  // BLAKE2b-256 in lower-case hex: stored session and token digests must
  // keep matching whatever writes the hex.
  EXPECT_EQ(digest_of("abc"), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_F(Secrets, ComparesInConstantTimeButCorrectly) {
  EXPECT_TRUE(equals_in_constant_time("same", "same"));
  EXPECT_FALSE(equals_in_constant_time("same", "sama"));
  EXPECT_FALSE(equals_in_constant_time("same", "same!"));
  EXPECT_FALSE(equals_in_constant_time("", "x"));
}

TEST_F(Secrets, GarbageDoesNotLookLikeASecret) {
  EXPECT_FALSE(looks_like_secret(""));
  EXPECT_FALSE(looks_like_secret("short"));
  EXPECT_FALSE(looks_like_secret("has space in it and is long"));
  EXPECT_FALSE(looks_like_secret(std::string(200, 'a')));
  EXPECT_FALSE(looks_like_secret("semi;colon;and;more;chars"));
}

TEST_F(Secrets, PasswordsHashWithArgon2idAndVerify) {
  boost::asio::io_context io;
  // The answers arrive from the pool's thread: keep the loop waiting for them.
  auto work = boost::asio::make_work_guard(io);
  // Small limits keep the test quick; the algorithm and the code path are the same.
  PasswordHasher hasher(io.get_executor(), 1, 4, PasswordCost{1, 8192});
  bool hashed = false;
  std::optional<std::string> hash;
  hasher.hash(*hasher.try_reserve(), "correct horse", nullptr, [&](Hashed result) {
    if (result.status == Hashed::Status::hashed) hash = result.encoded;
    hashed = true;
  });
  while (!hashed) io.run_one();
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);

  std::vector<bool> answers;
  const auto answer = [&](Verdict verdict) { answers.push_back(verdict == Verdict::matches); };
  hasher.verify(*hasher.try_reserve(), "correct horse", hash, nullptr, answer);
  hasher.verify(*hasher.try_reserve(), "wrong horse", hash, nullptr, answer);
  hasher.verify(*hasher.try_reserve(), "correct horse", std::nullopt, nullptr, answer);
  while (answers.size() < 3) io.run_one();
  EXPECT_EQ(answers, (std::vector<bool>{true, false, false}));
}

TEST(Cookies, FindsTheNamedCookieAmongOthers) {
  EXPECT_EQ(find_cookie("a=1; parley_session=xyz; b=2", kSessionCookie), "xyz");
  EXPECT_EQ(find_cookie("parley_session=xyz", kSessionCookie), "xyz");
  EXPECT_EQ(find_cookie("  parley_session = xyz  ;", kSessionCookie), "xyz");
  EXPECT_FALSE(find_cookie("other=1", kSessionCookie));
  EXPECT_FALSE(find_cookie("", kSessionCookie));
  EXPECT_FALSE(find_cookie("xparley_session=1", kSessionCookie));
}

TEST(Cookies, TrustsNeitherOfTwoCookiesWithOneName) {
  EXPECT_FALSE(find_cookie("parley_session=a; parley_session=b", kSessionCookie));
}

TEST(Cookies, AreHttpOnlyLaxAndSecureOnlyBehindTls) {
  const std::string plain = make_cookie("n", "v", std::chrono::seconds(60), Transport::plain);
  EXPECT_EQ(plain, "n=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
  const std::string tls = make_cookie("n", "v", std::chrono::seconds(60), Transport::tls);
  EXPECT_TRUE(tls.ends_with("; Secure"));
  EXPECT_NE(expire_cookie("n", Transport::plain).find("Max-Age=0"), std::string::npos);
}

TEST(OriginPolicy, AllowsTheServersOwnOriginAndConfiguredOnes) {
  EXPECT_TRUE(is_origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000", {}));
  EXPECT_TRUE(is_origin_allowed("https://chat.example", "chat.example", {}));
  EXPECT_TRUE(is_origin_allowed("https://app.example", "chat.example", {"https://app.example"}));
  EXPECT_FALSE(is_origin_allowed("http://evil.example", "127.0.0.1:8000", {}));
  EXPECT_FALSE(is_origin_allowed("http://127.0.0.1:8000.evil", "127.0.0.1:8000", {}));
  EXPECT_FALSE(is_origin_allowed("null", "127.0.0.1:8000", {}));
  EXPECT_FALSE(is_origin_allowed("", "127.0.0.1:8000", {}));
}

}  // namespace
}  // namespace parley::auth
