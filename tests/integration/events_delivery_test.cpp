// Edits, deletes, reactions and replies reach every member of the room live,
// the actor's own event before its ack, and take the room's next seq: one
// gap-free seq space for every kind of event.
#include <set>

#include "events.hpp"

namespace parley::test {
namespace {

class EventDelivery : public EventsTest {};

TEST_P(EventDelivery, EditReachesEveryMemberAndTheEditorBeforeItsAck) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "hello", "m1"), 1u);

  const Frame own = act(*alice_, frames::edit("lobby", 1, "hello, edited", "e1"));

  const Frame seen = events_through(*carol_, "lobby", 2).back();
  for (const Frame& edit : {own, seen}) {
    expect_event(edit, "edit", 2, "alice", "e1");
    EXPECT_EQ(target_of(edit), 1u) << to_text(edit);
    EXPECT_EQ(string_field(edit, "text"), "hello, edited") << to_text(edit);
  }
  EXPECT_EQ(value_of(own, "ts"), value_of(seen, "ts")) << "one event, one ts";
  expect_no_more_events(*carol_);
}

TEST_P(EventDelivery, DeleteReachesEveryMemberAndTheDeleterBeforeItsAck) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "regrettable", "m1"), 1u);

  const Frame own = act(*alice_, frames::delete_message("lobby", 1, "d1"));

  const Frame seen = events_through(*carol_, "lobby", 2).back();
  for (const Frame& deletion : {own, seen}) {
    expect_event(deletion, "delete", 2, "alice", "d1");
    EXPECT_EQ(target_of(deletion), 1u) << to_text(deletion);
    EXPECT_FALSE(deletion.contains("text")) << to_text(deletion);
  }
  expect_no_more_events(*carol_);
}

TEST_P(EventDelivery, ReactionOnAndOffReachesEveryMemberAndTheReactorBeforeItsAck) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "good news", "m1"), 1u);

  // Anyone in the room may react, to a message of someone else.
  const Frame on = act(*bob_, frames::react("lobby", 1, kThumbs, true, "r1"));
  const Frame off = act(*bob_, frames::react("lobby", 1, kThumbs, false, "r2"));

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 3);
  ASSERT_EQ(seqs_of(seen), seq_range(1, 3)) << texts_of(seen);
  for (const Frame& reaction : {on, seen[1]}) {
    expect_event(reaction, "reaction", 2, "bob", "r1");
    EXPECT_EQ(target_of(reaction), 1u) << to_text(reaction);
    EXPECT_EQ(string_field(reaction, "emoji"), kThumbs) << to_text(reaction);
    EXPECT_EQ(value_of(reaction, "on"), boost::json::value(true)) << to_text(reaction);
  }
  for (const Frame& reaction : {off, seen[2]}) {
    expect_event(reaction, "reaction", 3, "bob", "r2");
    EXPECT_EQ(string_field(reaction, "emoji"), kThumbs) << to_text(reaction);
    EXPECT_EQ(value_of(reaction, "on"), boost::json::value(false)) << to_text(reaction);
  }
  expect_no_more_events(*carol_);
}

TEST_P(EventDelivery, ReplyCarriesReplyToAndAPlainMessageNone) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "question?", "m1"), 1u);

  const Frame own = act(*bob_, frames::send_reply("lobby", "answer!", "b1", 1));
  const Frame plain = act(*bob_, frames::send("lobby", "plain", "b2"));

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 3);
  ASSERT_EQ(seqs_of(seen), seq_range(1, 3)) << texts_of(seen);
  for (const Frame& reply : {own, seen[1]}) {
    expect_event(reply, "message", 2, "bob", "b1");
    EXPECT_EQ(string_field(reply, "text"), "answer!") << to_text(reply);
    EXPECT_EQ(number_of(reply, "reply_to"), 1u) << to_text(reply);
  }
  for (const Frame& message : {plain, seen[2]}) {
    EXPECT_FALSE(message.contains("reply_to")) << to_text(message);
  }
}

TEST_P(EventDelivery, EventsOfEveryKindShareOneGapFreeSeqSpaceAndAcksFollowFrameOrder) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "a1"), 1u);
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "two", "a2"), 2u);

  const std::vector<Frame> burst = {
      frames::edit("lobby", 1, "one!", "a3"),     frames::react("lobby", 2, kThumbs, true, "a4"),
      frames::send_reply("lobby", "re", "a5", 1), frames::send("lobby", "three", "a6"),
      frames::delete_message("lobby", 2, "a7"),   frames::react("lobby", 1, kParty, true, "a8"),
  };

  // Pipelined: every own event, then its ack, in the order of the frames.
  const std::vector<Frame> read = pipeline(*alice_, burst);
  ASSERT_EQ(act_seq(*bob_, frames::send("lobby", "four", "b1")), 9u);
  ASSERT_EQ(act_seq(*bob_, frames::edit("lobby", 9, "four!", "b2")), 10u);

  std::vector<std::string> ack_ids;
  std::vector<std::uint64_t> ack_seqs;
  std::set<std::string> own_events;
  for (const Frame& frame : read) {
    if (is_event(frame)) own_events.insert(string_field(frame, "id"));
    if (!has_type(frame, "ack")) continue;
    EXPECT_TRUE(own_events.contains(string_field(frame, "id")))
        << "own event before its ack: " << to_text(frame);
    ack_ids.push_back(string_field(frame, "id"));
    ack_seqs.push_back(seq_of(frame));
  }
  EXPECT_EQ(ack_ids, (std::vector<std::string>{"a3", "a4", "a5", "a6", "a7", "a8"}));
  EXPECT_EQ(ack_seqs, seq_range(3, 8));

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 10);
  EXPECT_EQ(seqs_of(seen), seq_range(1, 10)) << "each seq once, in order:" << texts_of(seen);
  EXPECT_EQ(types_of(seen),
            (std::vector<std::string>{"message", "message", "edit", "reaction", "message",
                                      "message", "delete", "reaction", "message", "edit"}));
  expect_no_more_events(*carol_);
}

TEST_P(EventDelivery, EventsOfOneRoomDoNotReachAnother) {
  start_with_alice_bob_and_carol();
  join(*alice_, "other");
  join(*carol_, "other");
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "in lobby", "m1"), 1u);
  ASSERT_EQ(send_and_ack(*alice_, "other", "in other", "m1"), 1u);

  act(*alice_, frames::edit("lobby", 1, "edited in lobby", "e1"));
  act(*alice_, frames::react("lobby", 1, kThumbs, true, "r1"));

  EXPECT_EQ(seqs_of(events_through(*carol_, "other", 1)), seq_range(1, 1));
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 3)), seq_range(1, 3));
  for (const Frame& frame : frames_before_pong(*carol_)) {
    EXPECT_FALSE(is_event(frame)) << "nothing more, in either room: " << to_text(frame);
  }
}

INSTANTIATE_TEST_SUITE_P(Events, EventDelivery, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
