// Resending an event is safe: one id space per user and room covers sends
// and every event kind, and a used id is acked with the first event's seq,
// stores nothing and reaches nobody. A reaction set as it already is stores
// nothing either, and is acked with the seq of the event that set it.
#include "events.hpp"

namespace parley::test {
namespace {

class EventIdempotency : public EventsTest {};

TEST_P(EventIdempotency, ResentEventOfEachKindIsAckedWithTheFirstSeqAndReachesNobody) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame reply = frames::send_reply("lobby", "re: one", "m2", 1);
  const Frame edit = frames::edit("lobby", 1, "one, edited", "e1");
  const Frame react = frames::react("lobby", 1, kThumbs, true, "r1");
  const Frame unreact = frames::react("lobby", 1, kThumbs, false, "r2");
  const Frame deletion = frames::delete_message("lobby", 2, "d1");
  ASSERT_EQ(act_seq(*alice_, reply), 2u);
  ASSERT_EQ(act_seq(*alice_, edit), 3u);
  ASSERT_EQ(act_seq(*alice_, react), 4u);
  ASSERT_EQ(act_seq(*alice_, unreact), 5u);
  ASSERT_EQ(act_seq(*alice_, deletion), 6u);
  ASSERT_EQ(seqs_of(events_through(*carol_, "lobby", 6)), seq_range(1, 6));

  EXPECT_EQ(ack_without_event(*alice_, reply), 2u) << "its reply_to stays as it was";
  EXPECT_EQ(ack_without_event(*alice_, edit), 3u);
  EXPECT_EQ(ack_without_event(*alice_, frames::edit("lobby", 1, "other text", "e1")), 3u)
      << "the id decides, not the text";
  EXPECT_EQ(ack_without_event(*alice_, react), 4u) << "not turned on again";
  EXPECT_EQ(ack_without_event(*alice_, unreact), 5u);
  EXPECT_EQ(ack_without_event(*alice_, deletion), 6u) << "its target is gone, by this very id";

  // Nothing was stored or broadcast: the next event takes seq 7.
  EXPECT_EQ(send_and_ack(*alice_, "lobby", "three", "m3"), 7u);
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 7)), seq_range(7, 7));
  expect_no_more_events(*carol_);
}

TEST_P(EventIdempotency, ResentEditOfAMessageDeletedSinceIsAckedNotRefused) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "one, edited", "e1");
  const Frame react = frames::react("lobby", 1, kThumbs, true, "r1");
  ASSERT_EQ(act_seq(*alice_, edit), 2u);
  ASSERT_EQ(act_seq(*bob_, react), 3u);
  ASSERT_EQ(act_seq(*alice_, frames::delete_message("lobby", 1, "d1")), 4u);

  // A client that lost the ack resends: it is told what happened to its event.
  EXPECT_EQ(ack_without_event(*alice_, edit), 2u);
  EXPECT_EQ(ack_without_event(*bob_, react), 3u);
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 4)), seq_range(1, 4));
  expect_no_more_events(*carol_);
}

TEST_P(EventIdempotency, SameEventTwiceInOneBurstIsStoredOnce) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "m1"), 1u);
  const Frame edit = frames::edit("lobby", 1, "twice", "e1");
  const Frame react = frames::react("lobby", 1, kParty, true, "r1");
  frames_before_pong(*alice_);  // what came before

  const std::vector<Frame> read =
      pipeline(*alice_, {edit, edit, react, react, frames::send("lobby", "x", "m2")});

  std::vector<std::uint64_t> ack_seqs;
  for (const Frame& frame : read) {
    if (has_type(frame, "ack")) ack_seqs.push_back(seq_of(frame));
  }
  EXPECT_EQ(ack_seqs, (std::vector<std::uint64_t>{2, 2, 3, 3, 4}));
  EXPECT_EQ(seqs_of(events_in(read)), seq_range(2, 4)) << texts_of(read);
  EXPECT_EQ(seqs_of(events_through(*carol_, "lobby", 4)), seq_range(1, 4));
  expect_no_more_events(*carol_);
}

TEST_P(EventIdempotency, OneIdSpacePerUserAndRoomCoversSendsAndEveryEventKind) {
  start_with_alice_bob_and_carol();
  join(*alice_, "other");
  ASSERT_EQ(act_seq(*alice_, frames::send("lobby", "one", "x")), 1u);

  // The id is the send's: whatever the kind, nothing new is stored.
  EXPECT_EQ(ack_without_event(*alice_, frames::edit("lobby", 1, "edited", "x")), 1u);
  EXPECT_EQ(ack_without_event(*alice_, frames::react("lobby", 1, kThumbs, true, "x")), 1u);
  EXPECT_EQ(ack_without_event(*alice_, frames::delete_message("lobby", 1, "x")), 1u);
  EXPECT_EQ(ack_without_event(*alice_, frames::send_reply("lobby", "re", "x", 1)), 1u);
  // And an event's id is taken for sends too.
  ASSERT_EQ(act_seq(*alice_, frames::react("lobby", 1, kParty, true, "y")), 2u);
  EXPECT_EQ(ack_without_event(*alice_, frames::send("lobby", "new", "y")), 2u);
  // Another user's id space, another room's.
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "x")), 3u);
  EXPECT_EQ(send_and_ack(*alice_, "other", "elsewhere", "x"), 1u);

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 3);
  EXPECT_EQ(types_of(seen), (std::vector<std::string>{"message", "reaction", "reaction"}))
      << texts_of(seen);
  EXPECT_EQ(string_field(seen[2], "user"), "bob");
  expect_no_more_events(*carol_);
}

TEST_P(EventIdempotency, ReactionSetAsItIsStoresNothingAndIsAckedWithTheSeqThatSetIt) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "react to me", "m1"), 1u);

  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "r1")), 2u);
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kThumbs, true, "r2")), 2u)
      << "on again: the seq that turned it on";
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, false, "r3")), 3u);
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kThumbs, false, "r4")), 3u)
      << "off again: the seq that turned it off";
  EXPECT_EQ(ack_without_event(*bob_, frames::react("lobby", 1, kParty, false, "r5")), 0u)
      << "off when never set: seq 0";
  EXPECT_EQ(ack_without_event(*alice_, frames::react("lobby", 1, kThumbs, false, "a1")), 0u)
      << "per user: alice never had bob's reaction";
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kParty, true, "r6")), 4u);
  EXPECT_EQ(act_seq(*alice_, frames::react("lobby", 1, kThumbs, true, "a2")), 5u);
  EXPECT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "r7")), 6u) << "on again";

  const std::vector<Frame> seen = events_through(*carol_, "lobby", 6);
  ASSERT_EQ(seqs_of(seen), seq_range(1, 6)) << "only the changes: " << texts_of(seen);
  std::vector<bool> on;
  for (std::size_t i = 1; i < seen.size(); ++i) on.push_back(is_true(seen[i], "on"));
  EXPECT_EQ(on, (std::vector<bool>{true, false, true, true, true}));
  expect_no_more_events(*carol_);
}

INSTANTIATE_TEST_SUITE_P(Events, EventIdempotency, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
