#include "store/commit_pacer.hpp"

#include <gtest/gtest.h>

namespace parley::store {
namespace {

using namespace std::chrono_literals;
constexpr auto kWindow = 1000us;
const CommitPacer::Time kStart{};

// A pacer whose last commit ended at kStart.
CommitPacer busy_pacer() {
  CommitPacer pacer(kWindow, 1024);
  pacer.committed(kStart);
  return pacer;
}

TEST(CommitPacer, ASmallBatchSoonAfterACommitWaitsOneWindow) {
  const CommitPacer pacer = busy_pacer();
  const auto now = kStart + 300us;
  EXPECT_EQ(pacer.wait_until(1, now), now + kWindow);
  EXPECT_EQ(pacer.wait_until(CommitPacer::kSharedEnough - 1, now), now + kWindow);
}

TEST(CommitPacer, AZeroWindowNeverWaits) {
  CommitPacer pacer(std::chrono::microseconds(0), 1024);
  pacer.committed(kStart);
  EXPECT_FALSE(pacer.wait_until(1, kStart + 1us));
}

TEST(CommitPacer, AQuietStoreCommitsAtOnce) {
  CommitPacer fresh(kWindow, 1024);
  EXPECT_FALSE(fresh.wait_until(1, kStart)) << "no commit yet";
  const CommitPacer pacer = busy_pacer();
  EXPECT_FALSE(pacer.wait_until(1, kStart + kWindow + 1us)) << "last commit over a window ago";
  EXPECT_TRUE(pacer.wait_until(1, kStart + kWindow));
}

TEST(CommitPacer, AMaxBatchBelowEightLowersWhatIsEnough) {
  CommitPacer pacer(kWindow, 3);
  pacer.committed(kStart);
  EXPECT_EQ(pacer.shared_enough(), 3u);
  EXPECT_TRUE(pacer.wait_until(2, kStart + 1us));
  EXPECT_FALSE(pacer.wait_until(3, kStart + 1us));
  CommitPacer one_per_commit(kWindow, 1);
  one_per_commit.committed(kStart);
  EXPECT_FALSE(one_per_commit.wait_until(1, kStart + 1us)) << "nothing to share a commit with";
}

TEST(CommitPacer, ABatchBigEnoughToShareItsSyncDoesNotWait) {
  const CommitPacer pacer = busy_pacer();
  EXPECT_FALSE(pacer.wait_until(CommitPacer::kSharedEnough, kStart + 1us));
  EXPECT_FALSE(pacer.wait_until(0, kStart + 1us)) << "nothing to commit";
}

TEST(CommitPacer, WaitsThatBringNothingTurnWaitingOffForAWhile) {
  CommitPacer pacer = busy_pacer();
  auto now = kStart;
  // A sender that waits for its ack: every wait is fruitless.
  for (int i = 0; i < CommitPacer::kFruitlessWaitsToBackOff; ++i) {
    now += 100us;
    ASSERT_TRUE(pacer.wait_until(1, now)) << "wait " << i;
    pacer.waited(0);
    pacer.committed(now);
  }
  for (int i = 0; i < CommitPacer::kCommitsBackedOff; ++i) {
    now += 100us;
    EXPECT_FALSE(pacer.wait_until(1, now)) << "commit " << i << " of the back-off";
    pacer.committed(now);
  }
  now += 100us;
  EXPECT_TRUE(pacer.wait_until(1, now)) << "tried again after the back-off";
  pacer.waited(0);
  pacer.committed(now);
  now += 100us;
  EXPECT_FALSE(pacer.wait_until(1, now)) << "one more fruitless wait backs off again";
}

TEST(CommitPacer, AWaitThatBringsCompanyKeepsWaitingOn) {
  CommitPacer pacer = busy_pacer();
  auto now = kStart;
  for (int i = 0; i < 10 * CommitPacer::kFruitlessWaitsToBackOff; ++i) {
    now += 100us;
    ASSERT_TRUE(pacer.wait_until(1, now)) << "wait " << i;
    // Every other wait brings nothing: never enough in a row to back off.
    pacer.waited(i % 2);
    pacer.committed(now);
  }
}

}  // namespace
}  // namespace parley::store
