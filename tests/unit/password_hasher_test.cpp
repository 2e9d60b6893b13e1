// The password queue: bounded, and it skips work for clients that have gone.
#include "auth/password_hasher.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <vector>

#include "auth/secrets.hpp"
#include "obs/metrics.hpp"

namespace parley::auth {
namespace {

std::uint64_t read(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

class PasswordHasherTest : public ::testing::Test {
 protected:
  PasswordHasherTest() { initialise_crypto(); }
  ~PasswordHasherTest() override { hasher.stop(); }

  // Runs the I/O loop until `count` verdicts have come.
  void await(std::size_t count) {
    for (int i = 0; i < 3000 && verdicts.size() < count; ++i) {
      io.run_one_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(verdicts.size(), count) << "answers missing";
  }
  std::function<void(Verdict)> collect() {
    return [this](Verdict verdict) { verdicts.push_back(verdict); };
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
  // Two places; the lowest argon2id cost (these tests count, they do not time).
  PasswordHasher hasher{io.get_executor(), 1, 2,
                        PasswordCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}};
  std::vector<Verdict> verdicts;
};

TEST_F(PasswordHasherTest, RefusesPlacesPastItsBoundUntilOneIsReleased) {
  const auto refused_before = read(obs::counters().password_jobs_refused);
  auto first = hasher.try_reserve();
  auto second = hasher.try_reserve();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(hasher.jobs(), 2u);
  EXPECT_FALSE(hasher.try_reserve()) << "a third place past a bound of two";
  EXPECT_EQ(read(obs::counters().password_jobs_refused), refused_before + 1);

  first.reset();  // a caller that never started its job gives its place back
  EXPECT_EQ(hasher.jobs(), 1u);
  auto third = hasher.try_reserve();
  ASSERT_TRUE(third);
  // A place moved into a job is held until the job ends.
  hasher.verify(std::move(*third), "password", std::nullopt, nullptr, collect());
  hasher.verify(std::move(*second), "password", std::nullopt, nullptr, collect());
  await(2);
  EXPECT_EQ(hasher.jobs(), 0u);
  EXPECT_EQ(verdicts, (std::vector<Verdict>{Verdict::does_not_match, Verdict::does_not_match}));
}

TEST_F(PasswordHasherTest, SkipsTheJobOfAClientThatHasGone) {
  const auto hashes_before = read(obs::counters().password_hashes);
  const auto dropped_before = read(obs::counters().password_jobs_dropped);
  auto gone = std::make_shared<std::atomic<bool>>(true);
  auto stays = std::make_shared<std::atomic<bool>>(false);
  hasher.verify(*hasher.try_reserve(), "password", std::nullopt, gone, collect());
  hasher.verify(*hasher.try_reserve(), "password", std::nullopt, stays, collect());
  await(2);
  EXPECT_EQ(verdicts, (std::vector<Verdict>{Verdict::skipped, Verdict::does_not_match}));

  std::vector<Hashed::Status> hashed;
  hasher.hash(*hasher.try_reserve(), "password", gone,
              [&](Hashed result) { hashed.push_back(result.status); });
  for (int i = 0; i < 3000 && hashed.empty(); ++i) io.run_one_for(std::chrono::milliseconds(10));
  EXPECT_EQ(hashed, (std::vector<Hashed::Status>{Hashed::Status::skipped}));

  EXPECT_EQ(read(obs::counters().password_hashes), hashes_before + 1) << "only one was worked";
  EXPECT_EQ(read(obs::counters().password_jobs_dropped), dropped_before + 2);
  EXPECT_EQ(hasher.jobs(), 0u) << "a skipped job gives its place back";
}

}  // namespace
}  // namespace parley::auth
