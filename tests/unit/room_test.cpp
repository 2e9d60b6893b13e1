#include "core/room.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/hub.hpp"

namespace parley::core {
namespace {

// A member that records what it was sent: the account of `name` unless
// given another identity id.
class RecordingMember final : public Member {
 public:
  explicit RecordingMember(std::string_view name, std::string id = {})
      : identity_(id.empty() ? Identity::account(*UserName::parse(name))
                             : Identity::guest(*UserName::parse(name), std::move(id))) {}
  const Identity& identity() const override { return identity_; }
  void send(const Frame& frame) override { received.push_back(*frame); }
  void send_ephemeral(const Frame& frame) override { ephemeral.push_back(*frame); }
  void fall_behind() override { fell_behind = true; }

  std::vector<std::string> received;
  std::vector<std::string> ephemeral;
  bool fell_behind = false;

 private:
  Identity identity_;
};

Frame frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

RoomName room_name(std::string_view text = "lobby") {
  return *RoomName::parse(text);
}

TEST(Room, ReleasesMessagesInSeqOrderHoldingEarlyOnes) {
  Room room(room_name(), 0);
  RecordingMember alice("alice");
  room.join(alice, Replay::none);
  room.publish(2, frame("m2"));
  room.publish(3, frame("m3"));
  EXPECT_TRUE(alice.received.empty());
  room.publish(1, frame("m1"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_EQ(room.delivered_seq(), 3u);
}

TEST(Room, AnAckWaitsForItsMessageHeldBehindAnotherNodesEarlierSeq) {
  Room room(room_name(), 4);
  RecordingMember alice("alice");
  room.join(alice, Replay::none);
  // This node stored 6; 5, stored by another node, has not arrived yet.
  room.publish(6, frame("m6"));
  room.send_after(alice, 6, frame("ack6"));
  EXPECT_TRUE(alice.received.empty()) << "neither the message nor its ack before 5";
  room.publish(5, frame("m5"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m5", "m6", "ack6"}));
}

TEST(Room, AnAckOfAReleasedSeqGoesAtOnceAndOneOfALeaverNever) {
  Room room(room_name(), 0);
  RecordingMember alice("alice");
  RecordingMember bob("bob");
  room.join(alice, Replay::none);
  room.join(bob, Replay::none);
  room.publish(1, frame("m1"));
  room.send_after(alice, 1, frame("ack1"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m1", "ack1"}));
  room.send_after(bob, 3, frame("ack3"));
  room.leave(bob);
  room.publish(2, frame("m2"));
  room.publish(3, frame("m3"));
  EXPECT_EQ(bob.received, (std::vector<std::string>{"m1"})) << "bob left before 3 was released";
}

TEST(Room, SaysWhenAnAckIsQueuedWhetherAtOnceOrAfterItsMessageAndNeverForALeaver) {
  Room room(room_name(), 4);
  RecordingMember alice("alice");
  RecordingMember bob("bob");
  room.join(alice, Replay::none);
  room.join(bob, Replay::none);
  std::vector<std::string> queued;  // what alice had received when each ack was queued
  const auto note = [&](RecordingMember& member) {
    return [&] { queued.push_back(member.received.back()); };
  };
  room.publish(5, frame("m5"));
  room.send_after(alice, 5, frame("ack5"), note(alice));
  EXPECT_EQ(queued, (std::vector<std::string>{"ack5"})) << "5 was released: at once";
  room.publish(7, frame("m7"));
  room.send_after(alice, 7, frame("ack7"), note(alice));
  room.send_after(bob, 7, frame("bob-ack7"), note(bob));
  room.leave(bob);
  EXPECT_EQ(queued.size(), 1u) << "7 waits for 6";
  room.publish(6, frame("m6"));
  EXPECT_EQ(queued, (std::vector<std::string>{"ack5", "ack7"}));
}

// A member no socket backs (an HTTP poller).
class PolledMember final : public Member {
 public:
  const Identity& identity() const override { return identity_; }
  void send(const Frame&) override {}
  void fall_behind() override {}
  bool is_polled() const override { return true; }

 private:
  Identity identity_ = Identity::account(*UserName::parse("poller"));
};

TEST(Room, CountsTheMembersASocketBacks) {
  Room room(room_name(), 0);
  RecordingMember alice("alice");
  RecordingMember bob("bob");
  PolledMember poller;
  room.join(alice, Replay::none);
  room.join(poller, Replay::none);
  room.join(bob, Replay::none);
  room.join(poller, Replay::none);  // again: still one member
  EXPECT_EQ(room.socket_member_count(), 2u);
  room.leave(poller);
  room.leave(poller);  // not a member any more: nothing changes
  room.leave(alice);
  EXPECT_EQ(room.socket_member_count(), 1u);
  room.join(poller, Replay::none);
  EXPECT_EQ(room.socket_member_count(), 1u);
}

TEST(Room, NeverReleasesASeqTwice) {
  Room room(room_name(), 5);
  RecordingMember alice("alice");
  room.join(alice, Replay::none);
  room.publish(5, frame("old"));
  room.publish(6, frame("m6"));
  room.publish(6, frame("again"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m6"}));
}

TEST(Room, GivesUpOnAHoleOnlyPastItsBound) {
  Room room(room_name(), 0,
            RoomLimits{.max_held_bytes_per_member = 8 * 1024, .max_held_by_gate = 2});
  RecordingMember alice("alice");
  room.join(alice, Replay::none);
  room.publish(2, frame("m2"));
  room.publish(3, frame("m3"));
  EXPECT_TRUE(alice.received.empty());
  room.publish(4, frame("m4"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m2", "m3", "m4"}));
}

TEST(Room, JoinReportsTheDeliveredSeqAndFirstConnectionOfAUser) {
  Room room(room_name(), 7);
  RecordingMember first("alice"), second("Alice"), bob("bob");
  auto joined = room.join(first, Replay::none);
  EXPECT_EQ(joined.seq, 7u);
  EXPECT_TRUE(joined.first_of_user);
  EXPECT_FALSE(room.join(second, Replay::none).first_of_user);
  EXPECT_TRUE(room.join(bob, Replay::none).first_of_user);
  EXPECT_TRUE(room.join(bob, Replay::none).was_member);
  EXPECT_EQ(room.user_names(), (std::vector<std::string>{"alice", "bob"}));

  EXPECT_FALSE(room.leave(first).last_of_user);
  EXPECT_TRUE(room.leave(second).last_of_user);
  EXPECT_FALSE(room.leave(second).was_member);
  EXPECT_EQ(room.user_names(), (std::vector<std::string>{"bob"}));
}

TEST(Room, HoldsLiveFramesDuringAReplayAndSendsThemAfterIt) {
  Room room(room_name(), 2);
  RecordingMember alice("alice");
  room.join(alice, Replay::pending);
  room.publish(3, frame("m3"));
  room.send_to(alice, frame("ack3"));
  EXPECT_TRUE(alice.received.empty());
  alice.received = {"m1", "m2"};  // the replay, written to the connection directly
  room.finish_replay(alice);
  EXPECT_EQ(alice.received, (std::vector<std::string>{"m1", "m2", "m3", "ack3"}));
  room.publish(4, frame("m4"));
  EXPECT_EQ(alice.received.back(), "m4");
}

TEST(Room, AMemberThatFallsTooFarBehindDuringReplayIsToldSo) {
  // Room for two frames of 100 bytes, counted as queued_cost.
  Room room(room_name(), 0,
            RoomLimits{.max_held_bytes_per_member = 2 * queued_cost(std::string(100, 'm')),
                       .max_held_by_gate = 8});
  RecordingMember alice("alice");
  room.join(alice, Replay::pending);
  room.publish(1, frame(std::string(100, 'm')));
  room.publish(2, frame(std::string(100, 'm')));
  EXPECT_FALSE(alice.fell_behind);
  room.publish(3, frame(std::string(100, 'm')));
  EXPECT_TRUE(alice.fell_behind);
}

TEST(Room, EphemeralFramesSkipMembersInTheirReplayAndAreNeverHeld) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), bob("bob"), carol("carol");
  room.join(alice, Replay::none);
  room.join(bob, Replay::none);
  room.join(carol, Replay::pending);
  room.broadcast(frame("typing"), alice.identity().id, Delivery::ephemeral);
  EXPECT_TRUE(alice.ephemeral.empty());
  EXPECT_EQ(bob.ephemeral, (std::vector<std::string>{"typing"}));
  EXPECT_TRUE(bob.received.empty()) << "ephemeral frames go the ephemeral way";
  room.finish_replay(carol);
  EXPECT_TRUE(carol.ephemeral.empty());
  EXPECT_TRUE(carol.received.empty()) << "typing is not held for after a replay";
}

TEST(Room, TypingIsRelayedOncePerIntervalPerUser) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), alice_phone("alice"), bob("bob");
  room.join(alice, Replay::none);
  room.join(alice_phone, Replay::none);
  room.join(bob, Replay::none);
  EXPECT_TRUE(room.take_typing_turn(alice, 1000, 3000));
  EXPECT_FALSE(room.take_typing_turn(alice, 1001, 3000));
  EXPECT_FALSE(room.take_typing_turn(alice_phone, 3999, 3000)) << "one user, whatever connection";
  EXPECT_TRUE(room.take_typing_turn(bob, 1001, 3000)) << "each user has their own turn";
  EXPECT_TRUE(room.take_typing_turn(alice, 4000, 3000));
  EXPECT_TRUE(room.take_typing_turn(alice, 3000, 3000)) << "a clock that went back";
  RecordingMember stranger("stranger");
  EXPECT_FALSE(room.take_typing_turn(stranger, 9000, 3000)) << "not in the room";
}

TEST(Room, AMessageEndsItsAuthorsTypingTurn) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), bob("bob");
  room.join(alice, Replay::none);
  room.join(bob, Replay::none);
  EXPECT_TRUE(room.take_typing_turn(alice, 1000, 3000));
  EXPECT_TRUE(room.take_typing_turn(bob, 1000, 3000));
  room.end_typing_turn(alice.identity());
  EXPECT_TRUE(room.take_typing_turn(alice, 1001, 3000)) << "typing after a message is news";
  EXPECT_FALSE(room.take_typing_turn(bob, 1001, 3000)) << "only the author's turn ends";
}

TEST(Room, BroadcastSkipsEveryConnectionOfTheExceptedUser) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), alice_phone("alice"), bob("bob");
  room.join(alice, Replay::none);
  room.join(alice_phone, Replay::none);
  room.join(bob, Replay::none);
  room.broadcast(frame("typing"), alice.identity().id);
  EXPECT_TRUE(alice.received.empty());
  EXPECT_TRUE(alice_phone.received.empty());
  EXPECT_EQ(bob.received, (std::vector<std::string>{"typing"}));
}

TEST(Room, TwoIdentitiesOfOneNameAreTwoUsers) {
  // A guest "carol" still connected, and the account that took the name.
  Room room(room_name(), 0);
  RecordingMember guest("carol", "g:session1"), account("Carol");
  EXPECT_TRUE(room.join(guest, Replay::none).first_of_user);
  EXPECT_TRUE(room.join(account, Replay::none).first_of_user);
  EXPECT_EQ(room.user_count(), 2u);
  EXPECT_EQ(room.user_names(), (std::vector<std::string>{"carol", "Carol"}));
  // What one says is not hidden from the other as if it were its own.
  room.broadcast(frame("typing"), guest.identity().id);
  EXPECT_TRUE(guest.received.empty());
  EXPECT_EQ(account.received, (std::vector<std::string>{"typing"}));
  // The guest going is the guest's leave, not the account's.
  EXPECT_TRUE(room.leave(guest).last_of_user);
  EXPECT_EQ(room.user_names(), (std::vector<std::string>{"Carol"}));
}

TEST(Room, OneIdentityWithTwoConnectionsIsOneUser) {
  Room room(room_name(), 0);
  RecordingMember tab("carol", "g:session1"), other_tab("carol", "g:session1");
  EXPECT_TRUE(room.join(tab, Replay::none).first_of_user);
  EXPECT_FALSE(room.join(other_tab, Replay::none).first_of_user);
  EXPECT_EQ(room.user_names(), (std::vector<std::string>{"carol"}));
  EXPECT_FALSE(room.leave(tab).last_of_user);
  EXPECT_TRUE(room.leave(other_tab).last_of_user);
  EXPECT_EQ(room.user_count(), 0u);
}

// What a room's release observer saw: "seq:frame", in the order told.
struct ReleaseLog {
  Room::Released observer() {
    return [this](const Room& room, std::uint64_t seq, const Frame& frame) {
      rooms.push_back(room.name().text());
      released.push_back(std::to_string(seq) + ":" + *frame);
    };
  }
  std::vector<std::string> rooms;
  std::vector<std::string> released;
};

TEST(Room, TheReleaseObserverSeesEverySeqOnceInOrder) {
  ReleaseLog log;
  Room room(room_name(), 0, {}, log.observer());
  room.publish(1, frame("m1"));
  room.publish(1, frame("again"));
  room.publish(3, frame("m3"));
  room.publish(5, frame("m5"));
  room.publish(4, frame("m4"));
  EXPECT_EQ(log.released, (std::vector<std::string>{"1:m1"})) << "3 to 5 wait for 2";
  room.publish(3, frame("m3 again"));
  room.publish(2, frame("m2"));
  EXPECT_EQ(log.released, (std::vector<std::string>{"1:m1", "2:m2", "3:m3", "4:m4", "5:m5"}));
  room.publish(4, frame("late"));
  room.publish(6, frame("m6"));
  EXPECT_EQ(log.released.back(), "6:m6");
  EXPECT_EQ(log.released.size(), 6u);
  EXPECT_EQ(log.rooms, std::vector<std::string>(6, "lobby"));
}

TEST(Room, TheReleaseObserverIsToldAfterTheMembersGotTheMessage) {
  RecordingMember alice("alice");
  std::vector<std::size_t> received_when_told;
  Room room(room_name(), 0, {}, [&](const Room&, std::uint64_t, const Frame&) {
    received_when_told.push_back(alice.received.size());
  });
  room.join(alice, Replay::none);
  room.publish(2, frame("m2"));
  room.publish(1, frame("m1"));
  EXPECT_EQ(received_when_told, (std::vector<std::size_t>{1, 2}));
}

TEST(Room, TheReleaseObserverSeesWhatTheGateGivesUpWaitingFor) {
  ReleaseLog log;
  Room room(room_name(), 10,
            RoomLimits{.max_held_bytes_per_member = 8 * 1024, .max_held_by_gate = 2},
            log.observer());
  room.publish(13, frame("m13"));
  room.publish(12, frame("m12"));
  EXPECT_TRUE(log.released.empty());
  room.publish(15, frame("m15"));  // past the bound: 11 is given up on
  EXPECT_EQ(log.released, (std::vector<std::string>{"12:m12", "13:m13"}));
  EXPECT_EQ(room.delivered_seq(), 13u);
  EXPECT_TRUE(room.has_gap()) << "14 is still missing";
  room.publish(11, frame("too late"));
  room.publish(14, frame("m14"));
  EXPECT_EQ(log.released, (std::vector<std::string>{"12:m12", "13:m13", "14:m14", "15:m15"}));
}

TEST(Room, TheReleaseObserverSeesMessagesOfARoomWithoutMembers) {
  ReleaseLog log;
  Hub hub({}, log.observer());
  Room& room = hub.open(room_name("Kitchen"), 0);
  room.publish(1, frame("m1"));
  EXPECT_EQ(log.released, (std::vector<std::string>{"1:m1"}));
  EXPECT_EQ(log.rooms, (std::vector<std::string>{"Kitchen"}));
}

TEST(Room, HasAGapWhileItHoldsMessagesPastAMissingSeq) {
  Room room(room_name(), 4);
  EXPECT_FALSE(room.has_gap());
  EXPECT_EQ(room.held_from(), 0u);
  room.publish(8, frame("m8"));
  room.publish(7, frame("m7"));
  EXPECT_TRUE(room.has_gap());
  EXPECT_EQ(room.held_from(), 7u) << "the first held seq";
  room.publish(5, frame("m5"));
  EXPECT_TRUE(room.has_gap()) << "6 still missing";
  EXPECT_EQ(room.held_from(), 7u);
  EXPECT_EQ(room.delivered_seq(), 5u);
  room.publish(6, frame("m6"));
  EXPECT_FALSE(room.has_gap());
  EXPECT_EQ(room.held_from(), 0u);
  EXPECT_EQ(room.delivered_seq(), 8u);
  room.publish(3, frame("old"));
  EXPECT_FALSE(room.has_gap()) << "what was released already is not held";
}

TEST(Room, HasUserAndUsersAnswerByIdentity) {
  Room room(room_name(), 0);
  RecordingMember guest("carol", "g:session1"), account("Carol"), tab("Carol");
  room.join(guest, Replay::none);
  room.join(account, Replay::none);
  room.join(tab, Replay::none);
  EXPECT_TRUE(room.has_user("g:session1"));
  EXPECT_TRUE(room.has_user(account.identity().id));
  EXPECT_FALSE(room.has_user("carol"));
  auto users = room.users();
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<std::pair<std::string, std::string>>{
                       {account.identity().id, "Carol"}, {"g:session1", "carol"}}));
  room.leave(account);
  EXPECT_TRUE(room.has_user(account.identity().id)) << "another tab of the account stays";
  room.leave(tab);
  EXPECT_FALSE(room.has_user(account.identity().id));
}

TEST(Room, BroadcastWithoutAnExceptionReachesEveryMember) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), bob("bob");
  room.join(alice, Replay::none);
  room.join(bob, Replay::none);
  room.broadcast(frame("presence"));
  EXPECT_EQ(alice.received, (std::vector<std::string>{"presence"}));
  EXPECT_EQ(bob.received, (std::vector<std::string>{"presence"}));
  room.broadcast(frame("typing"), "a:nobody", Delivery::ephemeral);
  EXPECT_EQ(alice.ephemeral, (std::vector<std::string>{"typing"}));
  EXPECT_EQ(bob.ephemeral, (std::vector<std::string>{"typing"}));
}

TEST(Room, AReliableBroadcastWaitsBehindAReplay) {
  Room room(room_name(), 0);
  RecordingMember alice("alice"), bob("bob");
  room.join(alice, Replay::pending);
  room.join(bob, Replay::none);
  room.broadcast(frame("presence"), bob.identity().id);
  EXPECT_TRUE(alice.received.empty());
  room.finish_replay(alice);
  EXPECT_EQ(alice.received, (std::vector<std::string>{"presence"}));
  EXPECT_TRUE(bob.received.empty());
}

TEST(Hub, ClosesARoomWhenTheLastMemberLeaves) {
  Hub hub;
  RecordingMember alice("alice");
  Room& room = hub.open(room_name("Lobby"), 3);
  EXPECT_EQ(&hub.open(room_name("lobby"), 0), &room);  // open rooms keep their seq
  EXPECT_EQ(room.delivered_seq(), 3u);
  hub.join(room, alice, Replay::none);
  EXPECT_EQ(hub.rooms_of(alice).size(), 1u);
  bool told = false;
  hub.leave(room, alice, [&](Room& left, const Room::LeaveResult& result) {
    told = result.last_of_user && left.is_empty();
  });
  EXPECT_TRUE(told);
  EXPECT_EQ(hub.room_count(), 0u);
  EXPECT_TRUE(hub.rooms_of(alice).empty());
}

TEST(Hub, LeaveAllLeavesEveryRoomOfAConnection) {
  Hub hub;
  RecordingMember alice("alice"), bob("bob");
  Room& one = hub.open(room_name("one"), 0);
  Room& two = hub.open(room_name("two"), 0);
  hub.join(one, alice, Replay::none);
  hub.join(two, alice, Replay::none);
  hub.join(two, bob, Replay::none);
  std::vector<std::string> left;
  hub.leave_all(alice,
                [&](Room& room, const Room::LeaveResult&) { left.push_back(room.name().text()); });
  EXPECT_EQ(left.size(), 2u);
  EXPECT_EQ(hub.room_count(), 1u);  // "two" still has bob
  ASSERT_NE(hub.find(room_name("two")), nullptr);
  EXPECT_FALSE(hub.find(room_name("two"))->is_member(alice));
}

}  // namespace
}  // namespace parley::core
