#include "core/attempt_limiter.hpp"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(AttemptLimiter, AllowsUpToTheLimitThenSaysHowLongToWait) {
  AttemptLimiter limiter(3, 1000);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.wait_ms("alice", 100), 0);
    limiter.record("alice", 100);
  }
  EXPECT_EQ(limiter.wait_ms("alice", 100), 1000);
  EXPECT_EQ(limiter.wait_ms("alice", 600), 500);
  EXPECT_EQ(limiter.wait_ms("bob", 600), 0);     // keys are counted apart
  EXPECT_EQ(limiter.wait_ms("alice", 1100), 0);  // the window has passed
}

TEST(AttemptLimiter, ClearForgetsAKey) {
  AttemptLimiter limiter(1, 1000);
  limiter.record("alice", 0);
  EXPECT_GT(limiter.wait_ms("alice", 0), 0);
  limiter.clear("alice");
  EXPECT_EQ(limiter.wait_ms("alice", 0), 0);
}

TEST(AttemptLimiter, ZeroMeansNoLimit) {
  AttemptLimiter limiter(0, 1000);
  for (int i = 0; i < 100; ++i) limiter.record("alice", 0);
  EXPECT_EQ(limiter.wait_ms("alice", 0), 0);
}

TEST(AttemptLimiter, ForgetsOldKeysSoMemoryStaysBounded) {
  AttemptLimiter limiter(5, 1000);
  for (int i = 0; i < 5000; ++i) limiter.record("key" + std::to_string(i), i * 10);
  // Only keys from the last second can still be tracked, plus at most one sweep's worth.
  EXPECT_LT(limiter.tracked_keys(), 2048u);
}

TEST(AttemptLimiter, TakeBackUndoesOneAttempt) {
  AttemptLimiter limiter(2, 1000);
  limiter.record("alice", 0);
  limiter.record("alice", 0);
  EXPECT_GT(limiter.wait_ms("alice", 0), 0);
  limiter.take_back("alice");
  EXPECT_EQ(limiter.wait_ms("alice", 0), 0);
  limiter.take_back("alice");
  EXPECT_EQ(limiter.tracked_keys(), 0u) << "a key with no attempts left is forgotten";
  limiter.take_back("bob");  // nothing recorded: nothing happens
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

}  // namespace
}  // namespace parley::core
