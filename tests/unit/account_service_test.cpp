// Login throttles count guesses, not the store's failures.
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
  Outcome<SessionStarted> log_in(const std::string& password) {
    return await([&](auto done) { accounts.log_in(alice, password, "10.0.0.1", done); });
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
      io.get_executor(), 1,
      auth::PasswordCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}};
  auth::IdentitySettings settings = three_failures();
  auth::Authenticator authenticator{worker, clock, settings};
  auth::GuestNames guests;
  AccountService accounts{worker, hasher, authenticator, guests, clock, settings};
  core::UserName alice = *core::UserName::parse("alice");
  std::string password = "correct horse battery";
};

TEST_F(AccountServiceTest, LoginsTheStoreCouldNotCheckAreNotCountedAsGuesses) {
  ASSERT_FALSE(refusal_of(
      await([&](auto done) { accounts.register_account(alice, password, "10.0.0.2", done); })));
  *failing = true;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(refusal_of(log_in(password)), core::ErrorCode::internal);
  *failing = false;
  EXPECT_FALSE(refusal_of(log_in(password))) << "three store failures locked the owner out";
}

TEST_F(AccountServiceTest, WrongPasswordsAreCounted) {
  ASSERT_FALSE(refusal_of(
      await([&](auto done) { accounts.register_account(alice, password, "10.0.0.2", done); })));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(refusal_of(log_in("wrong password")), core::ErrorCode::unauthorized);
  }
  EXPECT_EQ(refusal_of(log_in(password)), core::ErrorCode::rate_limited);
}

}  // namespace
}  // namespace parley::service
