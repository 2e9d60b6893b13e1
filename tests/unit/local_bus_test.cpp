#include "bus/local_bus.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::bus {
namespace {

TEST(LocalBus, IsOneHealthyNodeWithoutPeers) {
  LocalBus bus("solo");
  EXPECT_EQ(bus.node_id(), "solo");
  EXPECT_TRUE(bus.is_healthy());
  EXPECT_FALSE(bus.has_peers());
  EXPECT_EQ(LocalBus().node_id(), "local");
}

TEST(LocalBus, PublishSetsTheNodeAndDeliversBeforeItReturns) {
  LocalBus bus("n1");
  std::vector<Event> seen;
  bus.subscribe([&](const Event& event) { seen.push_back(event); });
  Event event(EventKind::message, "lobby");
  event.node = "someone else";
  event.seq = 7;
  event.frame = std::make_shared<const std::string>("m7");
  bus.publish(event);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].node, "n1");
  EXPECT_EQ(seen[0].room, "lobby");
  EXPECT_EQ(seen[0].seq, 7u);
  EXPECT_EQ(seen[0].frame, event.frame) << "the same bytes, not a copy";
}

TEST(LocalBus, EverySubscriberGetsEveryEventInOrder) {
  LocalBus bus;
  std::vector<std::string> seen;
  bus.subscribe([&](const Event& event) { seen.push_back("a" + std::to_string(event.seq)); });
  bus.subscribe([&](const Event& event) { seen.push_back("b" + std::to_string(event.seq)); });
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    Event event(EventKind::message, "lobby");
    event.seq = seq;
    bus.publish(std::move(event));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "b1", "a2", "b2", "a3", "b3"}));
}

TEST(LocalBus, ResyncIsNeverCalledAndStopIsHarmless) {
  LocalBus bus;
  int resyncs = 0;
  bus.on_resync([&] { ++resyncs; });
  int seen = 0;
  bus.subscribe([&](const Event&) { ++seen; });
  bus.stop();
  bus.publish(Event(EventKind::heartbeat));
  EXPECT_EQ(resyncs, 0);
  EXPECT_EQ(seen, 1) << "publish after stop() reaches this node";
}

}  // namespace
}  // namespace parley::bus
