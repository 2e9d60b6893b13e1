#include "core/memory_budget.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley::core {
namespace {

TEST(MemoryBudget, LeasesHoldBytesUntilTheyEnd) {
  MemoryBudget budget(100);
  auto first = budget.try_take(60);
  ASSERT_TRUE(first);
  EXPECT_EQ(budget.used(), 60u);
  EXPECT_FALSE(budget.try_take(50)) << "past the limit";
  {
    auto second = budget.try_take(40);
    ASSERT_TRUE(second);
    EXPECT_EQ(budget.used(), 100u);
  }
  EXPECT_EQ(budget.used(), 60u);
  first->release();
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudget, AnEmptyBudgetTakesOnePieceLargerThanItsLimit) {
  MemoryBudget budget(100);
  auto large = budget.try_take(500);
  ASSERT_TRUE(large);
  EXPECT_FALSE(budget.try_take(1));
}

TEST(MemoryBudget, WaitersAreServedInOrderAsRoomIsMade) {
  MemoryBudget budget(100);
  auto held = budget.try_take(90);
  std::vector<int> served;
  std::vector<MemoryBudget::Lease> leases;
  budget.when_fits(50, [&](MemoryBudget::Lease lease) {
    served.push_back(1);
    leases.push_back(std::move(lease));
  });
  budget.when_fits(10, [&](MemoryBudget::Lease lease) {
    served.push_back(2);
    leases.push_back(std::move(lease));
  });
  EXPECT_TRUE(served.empty()) << "the small one waits behind the large one";
  EXPECT_EQ(budget.waiting(), 2u);
  EXPECT_FALSE(budget.try_take(5)) << "nobody overtakes the waiters";
  held->release();
  EXPECT_EQ(served, (std::vector<int>{1, 2}));
  EXPECT_EQ(budget.used(), 60u);
}

TEST(MemoryBudget, ALeaseResizesToWhatWasRead) {
  MemoryBudget budget(100);
  auto lease = budget.try_take(80);
  ASSERT_TRUE(lease);
  lease->resize(30);
  EXPECT_EQ(budget.used(), 30u);
  lease->resize(120);
  EXPECT_EQ(budget.used(), 120u);
  MemoryBudget::Lease moved = std::move(*lease);
  EXPECT_EQ(moved.bytes(), 120u);
  moved = {};
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudget, ReportsItsPeakSinceTheLastLook) {
  MemoryBudget budget(0);
  {
    auto lease = budget.try_take(1000);
    ASSERT_TRUE(lease);
  }
  EXPECT_EQ(budget.take_peak(), 1000u);
  EXPECT_EQ(budget.take_peak(), 0u);
}

}  // namespace
}  // namespace parley::core
