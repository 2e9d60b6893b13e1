// v2 events across nodes: an edit and a reaction made on one node reach the
// members on another in the room's seq order, and a join with since there
// replays them from the shared store.
#include <gtest/gtest.h>

#include <iostream>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

const std::string kThumbs = "\xF0\x9F\x91\x8D";  // 👍

class ClusterEvents : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << cluster_->log_text();
  }
  std::unique_ptr<Cluster> cluster_;
};

bool is_event_of(const Frame& frame, std::string_view room) {
  const std::string type = type_of(frame);
  return (type == "message" || type == "edit" || type == "delete" || type == "reaction") &&
         string_field(frame, "room") == room;
}

// `room`'s events from `client` until one with seq >= `last`; throws when
// they stop coming. Other frames stay in the inbox.
std::vector<Frame> events_through(WsClient& client, std::string_view room, std::uint64_t last) {
  std::vector<Frame> events;
  while (events.empty() || seq_of(events.back()) < last) {
    auto event =
        client.wait_for_match([room](const Frame& f) { return is_event_of(f, room); }, 10s);
    if (!event) {
      throw std::runtime_error("waited for seq " + std::to_string(last) + " after " +
                               std::to_string(events.size()) + " events");
    }
    events.push_back(*std::move(event));
  }
  return events;
}

// Sends `frame` and returns the seq of its ack; throws on an error.
std::uint64_t acked_seq(WsClient& client, const Frame& frame) {
  if (!client.send_json(frame)) throw std::runtime_error("cannot send " + to_text(frame));
  const std::string id = string_field(frame, "id");
  auto answer = client.wait_for_match(
      [&id](const Frame& f) {
        return (has_type(f, "ack") || has_type(f, "error")) && string_field(f, "id") == id;
      },
      10s);
  if (!answer || !has_type(*answer, "ack")) {
    throw std::runtime_error(to_text(frame) + ": " + (answer ? to_text(*answer) : "no answer"));
  }
  return seq_of(*answer);
}

std::vector<std::uint64_t> seqs_of(const std::vector<Frame>& events) {
  std::vector<std::uint64_t> seqs;
  for (const Frame& event : events) seqs.push_back(seq_of(event));
  return seqs;
}

std::vector<std::string> types_of(const std::vector<Frame>& events) {
  std::vector<std::string> types;
  for (const Frame& event : events) types.push_back(type_of(event));
  return types;
}

TEST_F(ClusterEvents, EditAndReactionOnOneNodeReachAnotherInSeqOrderAndItsReplay) {
  cluster_ = std::make_unique<Cluster>(2);
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*ada, "lobby");
  join_room(*bob, "lobby");

  ASSERT_EQ(acked_seq(*ada, frames::send("lobby", "hello", "m1")), 1u);
  ASSERT_EQ(acked_seq(*ada, frames::edit("lobby", 1, "hello, edited", "e1")), 2u);
  ASSERT_EQ(acked_seq(*ada, frames::react("lobby", 1, kThumbs, true, "r1")), 3u);

  // Live on node B: each once, in seq order.
  const std::vector<Frame> live = events_through(*bob, "lobby", 3);
  ASSERT_EQ(seqs_of(live), (std::vector<std::uint64_t>{1, 2, 3})) << to_text(live.back());
  EXPECT_EQ(types_of(live), (std::vector<std::string>{"message", "edit", "reaction"}));
  EXPECT_EQ(string_field(live[1], "user"), "ada");
  EXPECT_EQ(number_of(live[1], "target"), 1u);
  EXPECT_EQ(string_field(live[1], "text"), "hello, edited");
  EXPECT_EQ(string_field(live[2], "emoji"), kThumbs);
  EXPECT_EQ(live[2].at("on"), boost::json::value(true));
  for (const Frame& frame : bob->take_within(300ms)) {
    EXPECT_FALSE(is_event_of(frame, "lobby")) << "nothing twice: " << to_text(frame);
  }

  // A join with since on node B replays them from the store.
  auto cy = connect_ws(cluster_->port(1), "/ws?name=cy");
  EXPECT_EQ(seq_of(join_room_since(*cy, "lobby", 0)), 3u);
  const std::vector<Frame> replayed = events_through(*cy, "lobby", 3);
  ASSERT_EQ(seqs_of(replayed), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(types_of(replayed), (std::vector<std::string>{"message", "edit", "reaction"}));
  EXPECT_EQ(string_field(replayed[0], "text"), "hello, edited") << "the current text";
  EXPECT_EQ(replayed[0].at("edited"), live[1].at("ts")) << to_text(replayed[0]);
  EXPECT_EQ(string_field(replayed[1], "text"), "hello, edited");
  EXPECT_EQ(string_field(replayed[2], "id"), "r1");
  EXPECT_EQ(replayed[2].at("on"), boost::json::value(true));
  auto dee = connect_ws(cluster_->port(1), "/ws?name=dee");
  join_room_since(*dee, "lobby", 1);
  EXPECT_EQ(seqs_of(events_through(*dee, "lobby", 3)), (std::vector<std::uint64_t>{2, 3}));
}

}  // namespace
}  // namespace parley::test
