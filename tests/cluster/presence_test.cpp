// Presence across nodes, and a node's crash: members on one node hear who
// comes and goes on another (joined, members, online count every node); when
// a node dies, its clients carry on from another node without losing what
// was acked, and its users leave once its heartbeats stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ClusterPresence : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << cluster_->log_text();
  }
  std::unique_ptr<Cluster> cluster_;
};

FramePredicate presence_of(std::string_view user, std::string_view event) {
  return [user = std::string(user), event = std::string(event)](const Frame& frame) {
    return string_field(frame, "user") == user && string_field(frame, "event") == event;
  };
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::ranges::sort(names);
  return names;
}

std::vector<std::string> members_in(const Frame& joined) {
  std::vector<std::string> names;
  for (const json::value& name : joined.at("members").as_array()) {
    names.emplace_back(name.as_string());
  }
  return sorted(std::move(names));
}

TEST_F(ClusterPresence, AJoinOnOneNodeIsSeenOnTheOtherInPresenceJoinedMembersAndOnline) {
  cluster_ = std::make_unique<Cluster>(2);
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*bob, "lobby");
  HttpClient reader(cluster_->port(1));
  const Session reader_session = start_guest(reader, "reader");
  const HttpHeaders identity = cookie_of(reader_session);

  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  const Frame ada_joined = join_room(*ada, "lobby");
  EXPECT_EQ(members_in(ada_joined), (std::vector<std::string>{"ada", "bob"}))
      << "ada's node knows bob, who is on the other node: " << to_text(ada_joined);
  bob->expect("presence", presence_of("ada", "join"), 10s);

  auto cleo = connect_ws(cluster_->port(1), "/ws?name=cleo");
  const Frame cleo_joined = join_room(*cleo, "lobby");
  EXPECT_EQ(members_in(cleo_joined), (std::vector<std::string>{"ada", "bob", "cleo"}))
      << to_text(cleo_joined);
  ada->expect("presence", presence_of("cleo", "join"), 10s);

  std::vector<std::string> members;
  EXPECT_TRUE(eventually(
      [&] {
        members = sorted(members_of(reader, "lobby", identity));
        return members == std::vector<std::string>{"ada", "bob", "cleo"};
      },
      10s))
      << "members on node 1: " << json::serialize(json::value_from(members));
  long long online = -1;
  EXPECT_TRUE(eventually(
      [&] {
        online = online_in(reader, "lobby", identity);
        return online == 3;
      },
      10s))
      << "online in GET /api/rooms on node 1: " << online;

  ASSERT_TRUE(ada->send_json(frames::leave("lobby")));
  ada->expect("left", in_room("lobby"));
  bob->expect("presence", presence_of("ada", "leave"), 10s);
  cleo->expect("presence", presence_of("ada", "leave"), 10s);
  EXPECT_TRUE(eventually(
      [&] {
        members = sorted(members_of(reader, "lobby", identity));
        return members == std::vector<std::string>{"bob", "cleo"};
      },
      10s))
      << "members on node 1 after the leave: " << json::serialize(json::value_from(members));
}

TEST_F(ClusterPresence, AfterANodeIsKilledItsClientsRecoverOnAnotherAndItsUsersLeave) {
  cluster_ = std::make_unique<Cluster>(2);
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*bob, "lobby");
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  join_room(*ada, "lobby");
  auto cleo = connect_ws(cluster_->port(0), "/ws?name=cleo");
  join_room(*cleo, "lobby");
  bob->expect("presence", presence_of("cleo", "join"), 10s);

  // ada sends a burst; node 0 dies once some of it is acked, perhaps with
  // more of it committed but not acked, or not committed at all.
  constexpr int kBurst = 40;
  for (int i = 0; i < kBurst; ++i) {
    const std::string id = "a" + std::to_string(i);
    ASSERT_TRUE(ada->send_json(frames::send("lobby", "text " + id, id)));
  }
  std::map<std::string, std::uint64_t> acked;  // id -> seq
  std::uint64_t last_seen = 0;
  while (acked.size() < kBurst / 4) {
    auto frame = ada->next_frame(10s);
    ASSERT_TRUE(frame) << "acks stopped at " << acked.size();
    if (has_type(*frame, "ack")) acked[string_field(*frame, "id")] = seq_of(*frame);
    if (has_type(*frame, "message")) last_seen = std::max(last_seen, seq_of(*frame));
  }
  cluster_->node(0).kill_hard();
  const auto killed = std::chrono::steady_clock::now();
  // What arrived before the socket broke counts as received.
  ada->wait_for_close(5s);
  for (const Frame& frame : ada->take_received()) {
    if (has_type(frame, "ack")) acked[string_field(frame, "id")] = seq_of(frame);
    if (has_type(frame, "message")) last_seen = std::max(last_seen, seq_of(frame));
  }
  std::cout << "[ cluster  ] " << acked.size() << " of " << kBurst
            << " acked before the kill; ada had seen up to seq " << last_seen << "\n";

  // bob, on the surviving node, goes on talking meanwhile.
  ASSERT_TRUE(bob->send_json(frames::send("lobby", "while ada is away", "b1")));
  const std::uint64_t bob_seq = seq_of(bob->expect("ack", {}, 10s));

  // ada reconnects to node 1 (her name may stay held until node 0's
  // connections are forgotten) and rejoins with the last seq she saw.
  std::unique_ptr<WsClient> again;
  ASSERT_TRUE(eventually(
      [&] {
        try {
          again = connect_ws(cluster_->port(1), "/ws?name=ada");
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      40s))
      << "ada can connect to node 1";
  // The replay, then live messages: everything after last_seen up to bob's
  // message, once each, in order (node 1 may know less than node 0 did when
  // ada joins: what it learns later comes live, and must not repeat what
  // she saw on node 0).
  join_room_since(*again, "lobby", last_seen);
  std::vector<Seen> replay;
  while (replay.empty() || replay.back().seq < bob_seq) {
    auto frame = again->wait_for("message", in_room("lobby"), 10s);
    ASSERT_TRUE(frame) << "the messages stopped after " << replay.size();
    replay.push_back(seen_from(*frame));
  }
  EXPECT_EQ(sequence_fault(replay, last_seen + 1, bob_seq), "") << "recovery on another node";
  std::map<std::string, std::uint64_t> stored;  // id -> seq, ada's messages up to `last`
  for (const Seen& message : replay) {
    if (message.user == "ada") stored[message.id] = message.seq;
  }
  for (const auto& [id, seq] : acked) {
    if (seq > last_seen) {
      EXPECT_EQ(stored[id], seq) << "acked " << id << " is replayed at its seq";
    }
  }

  // Resending the whole burst on node 1 stores only what node 0 had not
  // committed: every id is acked, the acked ones with their first seq.
  for (int i = 0; i < kBurst; ++i) {
    const std::string id = "a" + std::to_string(i);
    ASSERT_TRUE(again->send_json(frames::send("lobby", "text " + id, id)));
    const Frame ack = again->expect(
        "ack", [&](const Frame& frame) { return string_field(frame, "id") == id; }, 10s);
    if (acked.contains(id)) {
      EXPECT_EQ(seq_of(ack), acked[id]) << id << " keeps its first seq";
    }
  }
  HttpClient reader(cluster_->port(1));
  const Session reader_session = start_guest(reader, "reader");
  std::map<std::string, int> copies;
  std::uint64_t expected_seq = 1;
  for (const json::value& message : whole_history(reader, "lobby", cookie_of(reader_session))) {
    EXPECT_EQ(number_field(message, "seq"), expected_seq++) << "history has no gap";
    if (text_field(message, "user") == "ada") ++copies[text_field(message, "id")];
  }
  EXPECT_EQ(copies.size(), std::size_t{kBurst});
  for (const auto& [id, count] : copies) EXPECT_EQ(count, 1) << id << " is stored once";

  // cleo never came back: bob hears her leave once node 0's heartbeats
  // have been missing long enough (15 s).
  const auto left = bob->wait_for("presence", presence_of("cleo", "leave"), 30s);
  EXPECT_TRUE(left) << "cleo, on the dead node, leaves within 30 s";
  std::cout << "[ cluster  ] bob heard cleo leave "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed)
                   .count()
            << " ms after the kill\n";
  std::vector<std::string> members;
  EXPECT_TRUE(eventually(
      [&] {
        members = sorted(members_of(reader, "lobby", cookie_of(reader_session)));
        return members == std::vector<std::string>{"ada", "bob"};
      },
      10s))
      << json::serialize(json::value_from(members));
}

}  // namespace
}  // namespace parley::test
