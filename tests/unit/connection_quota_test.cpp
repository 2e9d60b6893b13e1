#include "core/connection_quota.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

namespace parley::core {
namespace {

using Slot = ConnectionQuota::Slot;
using Refusal = ConnectionQuota::Refusal;

std::optional<Slot> admit(ConnectionQuota& quota, const std::string& address) {
  auto admitted = quota.admit(address);
  if (auto* slot = std::get_if<Slot>(&admitted)) return std::move(*slot);
  return std::nullopt;
}

std::optional<Refusal> refusal(ConnectionQuota& quota, const std::string& address) {
  auto admitted = quota.admit(address);
  if (auto* refused = std::get_if<Refusal>(&admitted)) return *refused;
  return std::nullopt;
}

TEST(ConnectionQuotaTest, RefusesPastTheTotalAndAdmitsAgainWhenOneEnds) {
  ConnectionQuota quota({.total = 2, .per_address = 0});
  auto first = admit(quota, "10.0.0.1");
  auto second = admit(quota, "10.0.0.2");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(quota.open(), 2u);
  EXPECT_EQ(refusal(quota, "10.0.0.3"), Refusal::total);

  first.reset();
  EXPECT_EQ(quota.open(), 1u);
  EXPECT_TRUE(admit(quota, "10.0.0.3"));
}

TEST(ConnectionQuotaTest, CountsEachAddressOnItsOwn) {
  ConnectionQuota quota({.total = 0, .per_address = 2});
  std::vector<Slot> held;
  for (int i = 0; i < 2; ++i) held.push_back(std::move(*admit(quota, "10.0.0.1")));
  EXPECT_EQ(refusal(quota, "10.0.0.1"), Refusal::per_address);
  EXPECT_TRUE(admit(quota, "10.0.0.2")) << "another address has its own count";

  held.pop_back();
  EXPECT_TRUE(admit(quota, "10.0.0.1"));
}

TEST(ConnectionQuotaTest, ForgetsAnAddressWhenItsLastConnectionEnds) {
  ConnectionQuota quota({.total = 0, .per_address = 5});
  {
    auto a = admit(quota, "10.0.0.1");
    auto b = admit(quota, "10.0.0.2");
    EXPECT_EQ(quota.addresses_counted(), 2u);
  }
  EXPECT_EQ(quota.addresses_counted(), 0u);
  EXPECT_EQ(quota.open(), 0u);
}

TEST(ConnectionQuotaTest, AMovedSlotGivesItsPlaceBackOnce) {
  ConnectionQuota quota({.total = 1, .per_address = 1});
  auto slot = admit(quota, "10.0.0.1");
  ASSERT_TRUE(slot);
  Slot moved = std::move(*slot);
  slot.reset();  // the moved-from slot holds nothing
  EXPECT_EQ(quota.open(), 1u);
  EXPECT_EQ(refusal(quota, "10.0.0.1"), Refusal::total);

  Slot assigned;
  assigned = std::move(moved);
  EXPECT_EQ(quota.open(), 1u);
  assigned = Slot();  // assigning over a slot ends it
  EXPECT_EQ(quota.open(), 0u);
  EXPECT_EQ(quota.addresses_counted(), 0u);
  EXPECT_TRUE(admit(quota, "10.0.0.1"));
}

TEST(ConnectionQuotaTest, NoLimitsAdmitsEverythingAndCountsNoAddresses) {
  ConnectionQuota quota({.total = 0, .per_address = 0});
  std::vector<Slot> held;
  for (int i = 0; i < 100; ++i) held.push_back(std::move(*admit(quota, "10.0.0.1")));
  EXPECT_EQ(quota.open(), 100u);
  EXPECT_EQ(quota.addresses_counted(), 0u);
}

}  // namespace
}  // namespace parley::core
