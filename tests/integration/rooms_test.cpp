// Rooms: joined, presence, typing, leave, ping, and one connection in many
// rooms.
#include <algorithm>

#include "chat_test.hpp"

namespace parley::test {
namespace {

class RoomsTest : public ChatTest {};

std::vector<std::string> members_of(const Frame& joined) {
  std::vector<std::string> names;
  const auto* members = joined.if_contains("members");
  if (members == nullptr || !members->is_array()) return names;
  for (const auto& member : members->get_array()) {
    names.push_back(member.is_string() ? std::string(member.get_string()) : "<not a string>");
  }
  return names;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST_F(RoomsTest, JoinedListsTheMembersWithTheJoiner) {
  start_server();
  auto alice = connect("alice");
  const Frame first = join(*alice, "lobby");
  EXPECT_EQ(string_field(first, "room"), "lobby");
  EXPECT_EQ(members_of(first), std::vector<std::string>{"alice"}) << to_text(first);

  auto bob = connect("Bob");
  const Frame second = join(*bob, "lobby");
  const auto members = members_of(second);
  EXPECT_EQ(members.size(), 2u) << to_text(second);
  EXPECT_TRUE(contains(members, "alice")) << to_text(second);
  EXPECT_TRUE(contains(members, "Bob")) << "the joiner, as written: " << to_text(second);
}

TEST_F(RoomsTest, JoinedCarriesTheRoomsLastSeq) {
  start_server();
  auto alice = connect("alice");
  EXPECT_EQ(seq_of(join(*alice, "lobby")), 0u);
  send_and_ack(*alice, "lobby", "one", "m1");
  send_and_ack(*alice, "lobby", "two", "m2");
  auto bob = connect("bob");
  EXPECT_EQ(seq_of(join(*bob, "lobby")), 2u);
  auto carol = connect("carol");
  EXPECT_EQ(seq_of(join(*carol, "elsewhere")), 0u) << "seqs are per room";
}

TEST_F(RoomsTest, RoomNamesAreCaseInsensitiveAndShownAsFirstWritten) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "Lobby");
  auto bob = connect("bob");
  const Frame joined = join(*bob, "LOBBY");
  EXPECT_EQ(string_field(joined, "room"), "Lobby") << to_text(joined);
  EXPECT_EQ(members_of(joined).size(), 2u) << "one room, not two: " << to_text(joined);
  bob->send_json(frames::send("lobby", "hi", "m1"));
  const Frame message = alice->expect("message");
  EXPECT_EQ(string_field(message, "room"), "Lobby");
  EXPECT_EQ(string_field(message, "text"), "hi");
}

TEST_F(RoomsTest, PresenceJoinReachesTheOtherMembers) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  const Frame presence = alice->expect("presence");
  EXPECT_EQ(string_field(presence, "room"), "lobby");
  EXPECT_EQ(string_field(presence, "user"), "bob");
  EXPECT_EQ(string_field(presence, "event"), "join");
}

TEST_F(RoomsTest, PresenceLeaveFollowsALeaveFrame) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  alice->expect("presence", [](const Frame& f) { return string_field(f, "event") == "join"; });
  bob->send_json(frames::leave("lobby"));
  const Frame presence = alice->expect("presence");
  EXPECT_EQ(string_field(presence, "room"), "lobby");
  EXPECT_EQ(string_field(presence, "user"), "bob");
  EXPECT_EQ(string_field(presence, "event"), "leave");
}

TEST_F(RoomsTest, PresenceLeaveFollowsADisconnect) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  alice->expect("presence", [](const Frame& f) { return string_field(f, "event") == "join"; });
  bob->drop();
  const Frame presence = alice->expect("presence");
  EXPECT_EQ(string_field(presence, "user"), "bob");
  EXPECT_EQ(string_field(presence, "event"), "leave");
}

TEST_F(RoomsTest, OneConnectionIsInManyRooms) {
  start_server();
  auto alice = connect("alice");
  for (const char* room : {"red", "green", "blue"}) join(*alice, room);
  auto bob = connect("bob");
  join(*bob, "red");
  join(*bob, "blue");

  send_and_ack(*bob, "red", "to red", "r1");
  send_and_ack(*bob, "blue", "to blue", "b1");
  send_and_ack(*alice, "green", "to green", "g1");
  const Frame red = alice->expect("message", in_room("red"));
  EXPECT_EQ(string_field(red, "text"), "to red");
  const Frame blue = alice->expect("message", in_room("blue"));
  EXPECT_EQ(string_field(blue, "text"), "to blue");
  EXPECT_EQ(seq_of(blue), 1u) << "seqs are per room";
  // bob is not in green: alice's message there never reaches him.
  for (const Frame& frame : frames_before_pong(*bob)) {
    EXPECT_NE(string_field(frame, "room"), "green") << to_text(frame);
  }
  // Leaving one room keeps the others.
  alice->send_json(frames::leave("red"));
  alice->expect("left", in_room("red"));
  send_and_ack(*bob, "blue", "still here", "b2");
  EXPECT_EQ(string_field(alice->expect("message", in_room("blue")), "text"), "still here");
}

TEST_F(RoomsTest, AConnectionIsInAtMostMaxRoomsPerConnection) {
  start_server({"--store", "memory", "--max-rooms-per-connection", "2"});
  auto alice = connect("alice");
  join(*alice, "red");
  join(*alice, "green");
  Frame third = frames::join("blue");
  third["id"] = "j3";
  ASSERT_TRUE(alice->send_json(third));
  const Frame refused = alice->expect("error");
  EXPECT_EQ(string_field(refused, "code"), "rate_limited") << to_text(refused);
  EXPECT_EQ(string_field(refused, "id"), "j3") << to_text(refused);
  // A room already joined may be joined again; one left makes room.
  EXPECT_EQ(seq_of(join(*alice, "red")), 0u);
  alice->send_json(frames::leave("red"));
  alice->expect("left", in_room("red"));
  EXPECT_EQ(seq_of(join(*alice, "blue")), 0u);
}

TEST_F(RoomsTest, TypingReachesOthersAndIsNotEchoed) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  alice->send_json(frames::typing("lobby"));
  const Frame typing = bob->expect("typing");
  EXPECT_EQ(string_field(typing, "room"), "lobby");
  EXPECT_EQ(string_field(typing, "user"), "alice");
  // An echo would have been queued before the pong.
  for (const Frame& frame : frames_before_pong(*alice)) {
    EXPECT_FALSE(has_type(frame, "typing")) << to_text(frame);
  }
}

TEST_F(RoomsTest, PingIsAnsweredWithPong) {
  start_server();
  auto alice = connect("alice");
  ASSERT_TRUE(alice->send_json(frames::ping()));
  const auto pong = alice->next_frame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(to_text(*pong), R"({"type":"pong"})");
}

TEST_F(RoomsTest, LeaveIsAnsweredWithLeftAndEndsDelivery) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  alice->send_json(frames::leave("lobby"));
  const Frame left = alice->expect("left");
  EXPECT_EQ(string_field(left, "room"), "lobby");
  // bob's message is published before his ack; alice's ping comes after.
  send_and_ack(*bob, "lobby", "after alice left", "m1");
  for (const Frame& frame : frames_before_pong(*alice)) {
    EXPECT_FALSE(has_type(frame, "message")) << to_text(frame);
  }
}

TEST_F(RoomsTest, SendWithoutJoinIsRefusedWithNotJoined) {
  start_server();
  auto alice = connect("alice");
  alice->send_json(frames::send("lobby", "hello", "msg-1"));
  const Frame error = alice->expect("error");
  EXPECT_EQ(string_field(error, "code"), "not_joined") << to_text(error);
  EXPECT_EQ(string_field(error, "id"), "msg-1") << to_text(error);
  EXPECT_TRUE(error.contains("message")) << to_text(error);
}

TEST_F(RoomsTest, TypingAndLeaveWithoutJoinAreRefusedWithNotJoined) {
  start_server();
  auto alice = connect("alice");
  alice->send_json(frames::typing("lobby"));
  EXPECT_EQ(string_field(alice->expect("error"), "code"), "not_joined");
  alice->send_json(frames::leave("lobby"));
  EXPECT_EQ(string_field(alice->expect("error"), "code"), "not_joined");
  EXPECT_TRUE(frames_before_pong(*alice).empty());
}

}  // namespace
}  // namespace parley::test
