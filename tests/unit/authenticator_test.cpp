// Sessions expire, slide with use, and never fall back from a bad token.
#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "auth/secrets.hpp"
#include "store/memory_store.hpp"

namespace parley::auth {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest()
      : work(boost::asio::make_work_guard(io)),
        worker(std::make_unique<store::MemoryStore>(), io.get_executor(), clock),
        authenticator(worker, clock, settings()) {
    initialise_crypto();
  }
  ~AuthenticatorTest() override { worker.stop(); }

  static IdentitySettings settings() {
    IdentitySettings settings;
    settings.session_lifetime = hours(24 * 30);
    settings.guest_idle_lifetime = hours(24);
    settings.session_refresh = minutes(10);
    settings.cache_lifetime = std::chrono::seconds(0);  // every check reads the store
    return settings;
  }

  // A guest session stored with the expiry a new one gets.
  std::string start_guest_session(std::string_view name) {
    const std::string secret = random_secret();
    store::SessionRecord session{digest_of(secret),
                                 std::string(name),
                                 true,
                                 random_secret(),
                                 clock.now_ms() + 24 * 3600 * 1000,
                                 "g:" + random_secret(12)};
    bool created = false;
    worker.run<bool>([session, now = clock.now_ms()](
                         store::Store& store) { return store.create_session(session, now); },
                     [&](store::Result<bool> result) { created = result && *result; });
    run_until([&] { return created; });
    return secret;
  }

  std::variant<Caller, core::Error> authenticate(const Credentials& credentials) {
    std::optional<std::variant<Caller, core::Error>> answer;
    authenticator.authenticate(
        credentials, [&](std::variant<Caller, core::Error> result) { answer = std::move(result); });
    run_until([&] { return answer.has_value(); });
    // Let a sliding extension, queued behind the answer, reach the store.
    bool flushed = false;
    worker.run<bool>([](store::Store&) { return store::Result<bool>(true); },
                     [&](store::Result<bool>) { flushed = true; });
    run_until([&] { return flushed; });
    return *answer;
  }

  bool is_known(const std::string& secret) {
    auto answer = authenticate(Credentials{std::nullopt, secret});
    return std::holds_alternative<Caller>(answer) && std::get<Caller>(answer).identity.has_value();
  }

  void run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 10000 && !done(); ++i) io.run_one_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(done());
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  core::ManualClock clock{1'000'000'000};
  store::StoreWorker worker;
  Authenticator authenticator;
};

TEST_F(AuthenticatorTest, AGuestSessionIdleForItsLifetimeHasExpired) {
  const std::string secret = start_guest_session("idle");
  EXPECT_TRUE(is_known(secret));
  clock.advance_ms(25LL * 3600 * 1000);
  EXPECT_FALSE(is_known(secret));
}

TEST_F(AuthenticatorTest, UseSlidesTheExpirySoAnActiveSessionLives) {
  const std::string secret = start_guest_session("active");
  for (int day = 0; day < 3; ++day) {
    clock.advance_ms(20LL * 3600 * 1000);  // 20 hours between uses: always under 24
    EXPECT_TRUE(is_known(secret)) << "day " << day;
  }
  // Idle for the whole lifetime after the last use: gone.
  clock.advance_ms(24LL * 3600 * 1000 + 11 * 60 * 1000);
  EXPECT_FALSE(is_known(secret));
}

TEST_F(AuthenticatorTest, ASessionLastsItsLifetimeAfterEveryUseEvenBetweenExtensions) {
  const std::string secret = start_guest_session("steady");
  clock.advance_ms(12LL * 3600 * 1000);
  ASSERT_TRUE(is_known(secret));  // extended here
  clock.advance_ms(5 * 60 * 1000);
  ASSERT_TRUE(is_known(secret));  // within the refresh interval: not written again
  // 24 hours after that last use minus a minute: still alive.
  clock.advance_ms(24LL * 3600 * 1000 - 60 * 1000);
  EXPECT_TRUE(is_known(secret));
}

TEST_F(AuthenticatorTest, AnInvalidTokenIsRefusedEvenWithAValidCookie) {
  const std::string secret = start_guest_session("cookie");
  auto answer = authenticate(Credentials{random_secret(), secret});
  ASSERT_TRUE(std::holds_alternative<core::Error>(answer));
  EXPECT_EQ(std::get<core::Error>(answer).code, core::ErrorCode::unauthorized);
  auto garbage = authenticate(Credentials{std::string("not a token"), std::nullopt});
  ASSERT_TRUE(std::holds_alternative<core::Error>(garbage));
}

TEST_F(AuthenticatorTest, AnUnknownOrMalformedCookieIsNobody) {
  EXPECT_FALSE(is_known(random_secret()));
  EXPECT_FALSE(is_known("x"));
  EXPECT_FALSE(is_known(""));
}

TEST_F(AuthenticatorTest, ASessionReadBeforeItsLogoutIsNotCachedAgainAfterIt) {
  IdentitySettings cached_for_a_while = settings();
  cached_for_a_while.cache_lifetime = std::chrono::seconds(30);
  Authenticator caching(worker, clock, cached_for_a_while);
  const std::string secret = start_guest_session("leaver");
  // A check of the session is under way (a socket's periodic check, say)...
  std::optional<std::variant<Caller, core::Error>> during;
  caching.authenticate(Credentials{std::nullopt, secret},
                       [&](std::variant<Caller, core::Error> result) { during = result; });
  // ...when the session logs out: it ends here, then goes from the store.
  caching.forget_session(digest_of(secret));
  bool deleted = false;
  worker.run<bool>(
      [digest = digest_of(secret)](store::Store& store) {
        return store::Result<bool>(store.delete_session(digest).has_value());
      },
      [&](store::Result<bool>) { deleted = true; });
  run_until([&] { return during.has_value() && deleted; });
  ASSERT_TRUE(std::holds_alternative<Caller>(*during));
  EXPECT_FALSE(std::get<Caller>(*during).identity) << "the read from before the logout counted";
  std::optional<std::variant<Caller, core::Error>> after;
  caching.authenticate(Credentials{std::nullopt, secret},
                       [&](std::variant<Caller, core::Error> result) { after = result; });
  run_until([&] { return after.has_value(); });
  ASSERT_TRUE(std::holds_alternative<Caller>(*after));
  EXPECT_FALSE(std::get<Caller>(*after).identity)
      << "the logged-out session came back from the cache";
}

}  // namespace
}  // namespace parley::auth
