// Login throttles count guesses: not the store's failures, nor attempts the
// password queue refused or dropped; registrations have a limit of their own.
#include "service/account_service.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>

#include "auth/secrets.hpp"
#include "store/memory_store.hpp"

namespace parley::service {
namespace {

// A store whose account lookups can be told to fail.
class FlakyStore final : public store::MemoryStore {
 public:
  explicit FlakyStore(std::shared_ptr<std::atomic<bool>> failing) : failing_(std::move(failing)) {}
  store::Result<std::optional<store::Account>> find_account(const core::UserName& user) override {
    if (*failing_) return boost::system::errc::make_error_code(boost::system::errc::io_error);
    return MemoryStore::find_account(user);
  }

 private:
  std::shared_ptr<std::atomic<bool>> failing_;
};

auth::IdentitySettings three_failures() {
  auth::IdentitySettings settings;
  settings.login_failures_per_account = 3;
  settings.login_failures_per_address = 3;
  settings.registrations_per_address = 3;
  return settings;
}

class AccountServiceTest : public ::testing::Test {
 protected:
  AccountServiceTest() { auth::initialise_crypto(); }
  ~AccountServiceTest() override {
    hasher.stop();
    worker.stop();
  }

  // The outcome of a call that answers through `done`.
  template <class Call>
  Outcome<SessionStarted> await(Call call) {
    std::optional<Outcome<SessionStarted>> outcome;
    call([&](Outcome<SessionStarted> answer) { outcome = std::move(answer); });
    for (int i = 0; i < 3000 && !outcome; ++i) io.run_one_for(std::chrono::milliseconds(10));
    if (!outcome) throw std::runtime_error("no answer");
    return *std::move(outcome);
  }
  Outcome<SessionStarted> log_in(const std::string& password,
                                 const core::UserName& name = *core::UserName::parse("alice")) {
    return await([&](auto done) { accounts.log_in(name, password, "10.0.0.1", nullptr, done); });
  }
  Outcome<SessionStarted> register_as(const std::string& name) {
    return await([&](auto done) {
      accounts.register_account(*core::UserName::parse(name), password, "10.0.0.1", nullptr, done);
    });
  }
  // Waits until every password job begun before now has answered: once
  // none holds a place, a job of ours runs after them on the pool's one
  // thread, and the loop runs answers in the order they were posted.
  void drain_hasher() {
    for (int i = 0; i < 3000 && hasher.jobs() > 0; ++i) {
      io.run_one_for(std::chrono::milliseconds(10));
    }
    bool done = false;
    hasher.verify(*hasher.try_reserve(), "x", std::nullopt, nullptr,
                  [&](auth::Verdict) { done = true; });
    for (int i = 0; i < 3000 && !done; ++i) io.run_one_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(done);
  }
  static std::optional<core::ErrorCode> refusal_of(const Outcome<SessionStarted>& outcome) {
    if (const auto* refusal = std::get_if<Refusal>(&outcome)) return refusal->code;
    return std::nullopt;
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
  std::shared_ptr<std::atomic<bool>> failing = std::make_shared<std::atomic<bool>>(false);
  core::ManualClock clock{1'000'000};
  store::StoreWorker worker{std::make_unique<FlakyStore>(failing), io.get_executor(), clock};
  // The lowest argon2id cost: these tests are about counting, not hashing.
  auth::PasswordHasher hasher{
      io.get_executor(), 1, 2,
      auth::PasswordCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}};
  auth::IdentitySettings settings = three_failures();
  auth::Authenticator authenticator{worker, clock, settings};
  auth::GuestNames guests;
  AccountService accounts{worker, hasher, authenticator, guests, clock, settings};
  core::UserName alice = *core::UserName::parse("alice");
  std::string password = "correct horse battery";
};

TEST_F(AccountServiceTest, LoginsTheStoreCouldNotCheckAreNotCountedAsGuesses) {
  ASSERT_FALSE(refusal_of(await(
      [&](auto done) { accounts.register_account(alice, password, "10.0.0.2", nullptr, done); })));
  *failing = true;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(refusal_of(log_in(password)), core::ErrorCode::internal);
  *failing = false;
  EXPECT_FALSE(refusal_of(log_in(password))) << "three store failures locked the owner out";
}

TEST_F(AccountServiceTest, WrongPasswordsAreCounted) {
  ASSERT_FALSE(refusal_of(await(
      [&](auto done) { accounts.register_account(alice, password, "10.0.0.2", nullptr, done); })));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(refusal_of(log_in("wrong password")), core::ErrorCode::unauthorized);
  }
  EXPECT_EQ(refusal_of(log_in(password)), core::ErrorCode::rate_limited);
}

TEST_F(AccountServiceTest, LoginsRefusedForAFullQueueAreNotCountedAsGuesses) {
  ASSERT_FALSE(refusal_of(register_as("alice")));
  auto held = hasher.try_reserve();
  auto also_held = hasher.try_reserve();  // the queue (two places) is full
  for (int i = 0; i < 5; ++i) {
    const auto outcome = log_in("wrong password");
    ASSERT_EQ(refusal_of(outcome), core::ErrorCode::rate_limited);
    EXPECT_EQ(std::get<Refusal>(outcome).retry_after_s, 1);
  }
  EXPECT_EQ(refusal_of(register_as("bob")), core::ErrorCode::rate_limited);
  held.reset();
  also_held.reset();
  EXPECT_FALSE(refusal_of(log_in(password))) << "refused attempts locked the owner out";
  EXPECT_FALSE(refusal_of(register_as("bob"))) << "a refused registration was counted";
}

TEST_F(AccountServiceTest, DroppedLoginsAreTakenBackAndNeverAnswered) {
  ASSERT_FALSE(refusal_of(register_as("alice")));
  auto gone = std::make_shared<std::atomic<bool>>(true);
  int answers = 0;
  for (int i = 0; i < 5; ++i) {
    accounts.log_in(alice, "wrong password", "10.0.0.1", gone,
                    [&](Outcome<SessionStarted>) { ++answers; });
    drain_hasher();  // one at a time: the queue holds two
  }
  for (int i = 0; i < 5; ++i) {
    accounts.register_account(*core::UserName::parse("r" + std::to_string(i)), password, "10.0.0.1",
                              gone, [&](Outcome<SessionStarted>) { ++answers; });
    drain_hasher();
  }
  EXPECT_EQ(answers, 0) << "no answer for a client that has gone";
  EXPECT_EQ(hasher.jobs(), 0u);
  EXPECT_FALSE(refusal_of(log_in(password))) << "dropped attempts locked the owner out";
  EXPECT_FALSE(refusal_of(register_as("bob"))) << "dropped registrations were counted";
}

TEST_F(AccountServiceTest, FailedLoginsFromAnAddressDoNotBlockRegistering) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(refusal_of(log_in(password, *core::UserName::parse("nobody" + std::to_string(i)))),
              core::ErrorCode::unauthorized);
  }
  EXPECT_EQ(refusal_of(log_in(password, *core::UserName::parse("nobody"))),
            core::ErrorCode::rate_limited)
      << "three verified failures from one address";
  EXPECT_FALSE(refusal_of(register_as("carol")));
}

TEST_F(AccountServiceTest, RegistrationsHaveALimitOfTheirOwnThatDoesNotBlockLogins) {
  ASSERT_FALSE(refusal_of(register_as("alice")));
  ASSERT_FALSE(refusal_of(register_as("bob")));
  EXPECT_EQ(refusal_of(register_as("bob")), core::ErrorCode::conflict) << "tried, so counted";
  const auto limited = register_as("carol");
  ASSERT_EQ(refusal_of(limited), core::ErrorCode::rate_limited);
  EXPECT_GE(std::get<Refusal>(limited).retry_after_s, 1);
  EXPECT_FALSE(refusal_of(log_in(password)));
}

}  // namespace
}  // namespace parley::service
