// Events made while a member was away reach it when it comes back with
// since: every edit, delete and reaction once, in seq order, between its
// joined frame and what comes live. A replayed message shows its current
// text (and "edited"), a deleted one and its edits no text at all.
#include <fstream>

#include "events.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class EventRecovery : public EventsTest {};

TEST_P(EventRecovery, EventsMadeWhileAwayArriveOnRejoinWithSinceOnceEachInOrder) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "a1"), 1u);
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "two", "a2"), 2u);
  frames_before_pong(*alice_);  // what came before
  ASSERT_TRUE(alice_->send_json(frames::leave("lobby")));
  alice_->expect("left");

  ASSERT_EQ(send_and_ack(*bob_, "lobby", "draft", "b1"), 3u);
  ASSERT_EQ(act_seq(*bob_, frames::edit("lobby", 3, "final", "b2")), 4u);
  ASSERT_EQ(send_and_ack(*bob_, "lobby", "secret", "b3"), 5u);
  ASSERT_EQ(act_seq(*bob_, frames::edit("lobby", 5, "secret, edited", "b4")), 6u);
  ASSERT_EQ(act_seq(*bob_, frames::delete_message("lobby", 5, "b5")), 7u);
  ASSERT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "b6")), 8u);
  ASSERT_EQ(act_seq(*bob_, frames::send_reply("lobby", "answer", "b7", 1)), 9u);
  const Frame last_edit = act(*bob_, frames::edit("lobby", 3, "final, really", "b8"));
  ASSERT_EQ(seq_of(last_edit), 10u);

  ASSERT_TRUE(alice_->send_json(frames::join_since("lobby", 2)));
  const std::vector<Frame> first = alice_->collect_through("joined");
  ASSERT_EQ(first.size(), 1u) << "joined comes before anything of the room: " << texts_of(first);
  EXPECT_EQ(seq_of(first.back()), 10u);
  const std::vector<Frame> replayed = events_through(*alice_, "lobby", 10);

  ASSERT_EQ(seqs_of(replayed), seq_range(3, 10)) << texts_of(replayed);
  EXPECT_EQ(types_of(replayed),
            (std::vector<std::string>{"message", "edit", "message", "edit", "delete", "reaction",
                                      "message", "edit"}));
  // An edited message comes with its current text and the last edit's ts.
  EXPECT_EQ(string_field(replayed[0], "id"), "b1");
  EXPECT_EQ(string_field(replayed[0], "text"), "final, really") << to_text(replayed[0]);
  EXPECT_EQ(value_of(replayed[0], "edited"), value_of(last_edit, "ts")) << to_text(replayed[0]);
  // An edit keeps its own text.
  EXPECT_EQ(target_of(replayed[1]), 3u);
  EXPECT_EQ(string_field(replayed[1], "text"), "final") << to_text(replayed[1]);
  // A deleted message, and its edits, come without text.
  for (const Frame* gone : {&replayed[2], &replayed[3]}) {
    EXPECT_TRUE(is_true(*gone, "deleted")) << to_text(*gone);
    EXPECT_FALSE(gone->contains("text")) << to_text(*gone);
    EXPECT_FALSE(gone->contains("edited")) << to_text(*gone);
  }
  EXPECT_EQ(target_of(replayed[4]), 5u);
  EXPECT_EQ(string_field(replayed[5], "emoji"), kThumbs);
  EXPECT_TRUE(is_true(replayed[5], "on")) << to_text(replayed[5]);
  EXPECT_EQ(target_of(replayed[5]), 1u);
  EXPECT_EQ(number_of(replayed[6], "reply_to"), 1u) << to_text(replayed[6]);
  EXPECT_EQ(string_field(replayed[6], "text"), "answer");
  EXPECT_EQ(string_field(replayed[7], "text"), "final, really");
  for (const Frame& event : replayed) {
    EXPECT_EQ(string_field(event, "user"), "bob") << to_text(event);
    EXPECT_EQ(string_field(event, "id"), "b" + std::to_string(seq_of(event) - 2));
  }

  // Then live events, and nothing twice.
  ASSERT_EQ(act_seq(*bob_, frames::react("lobby", 3, kParty, true, "b9")), 11u);
  EXPECT_EQ(seqs_of(events_through(*alice_, "lobby", 11)), seq_range(11, 11));
  expect_no_more_events(*alice_);
}

TEST_P(EventRecovery, ReconnectedClientGetsTheEventsAfterItsSinceOnceEach) {
  start_with_alice_bob_and_carol();
  ASSERT_EQ(send_and_ack(*alice_, "lobby", "one", "a1"), 1u);
  ASSERT_EQ(act_seq(*alice_, frames::edit("lobby", 1, "one, edited", "a2")), 2u);
  alice_->drop();
  ASSERT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, true, "b1")), 3u);
  ASSERT_EQ(act_seq(*bob_, frames::react("lobby", 1, kThumbs, false, "b2")), 4u);
  ASSERT_EQ(send_and_ack(*bob_, "lobby", "two", "b3"), 5u);
  ASSERT_EQ(act_seq(*bob_, frames::delete_message("lobby", 5, "b4")), 6u);

  // Since an edit's seq: what came after it, whatever its kind.
  alice_ = connect_when_free("alice");
  EXPECT_EQ(seq_of(join_since(*alice_, "lobby", 2)), 6u);
  const std::vector<Frame> replayed = events_through(*alice_, "lobby", 6);

  ASSERT_EQ(seqs_of(replayed), seq_range(3, 6)) << texts_of(replayed);
  EXPECT_EQ(types_of(replayed),
            (std::vector<std::string>{"reaction", "reaction", "message", "delete"}));
  EXPECT_EQ(value_of(replayed[0], "on"), boost::json::value(true));
  EXPECT_EQ(value_of(replayed[1], "on"), boost::json::value(false));
  EXPECT_TRUE(is_true(replayed[2], "deleted")) << to_text(replayed[2]);
  EXPECT_FALSE(replayed[2].contains("text")) << to_text(replayed[2]);
  expect_no_more_events(*alice_);
}

INSTANTIATE_TEST_SUITE_P(Events, EventRecovery, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

// The most a TCP socket buffers for sending (the last field of tcp_wmem).
std::size_t max_socket_send_buffer() {
  std::ifstream wmem("/proc/sys/net/ipv4/tcp_wmem");
  std::size_t low = 0, initial = 0, most = 0;
  if (wmem >> low >> initial >> most) return most;
  return 4 << 20;
}

// The server shares the frames of a replay with every other replay that
// reads them while one still holds them (service/history_frames.hpp). A
// delete must leave none of them showing the deleted text, not even an edit
// of the message held in the queue of a member that does not read.
class EventReplaySharing : public ChatTest {};

TEST_F(EventReplaySharing, ReplayAfterADeleteNeverShowsItsTextThoughAnotherReplayHoldsIt) {
  // Ahead of the secret, more history than the socket of a member that does
  // not read takes, and replay pieces that hold the whole room.
  const std::string filler = repeat("\xF0\x9F\x98\x80", 4000);  // 16000 bytes
  const std::size_t filler_bytes = max_socket_send_buffer() + (2 << 20);
  const std::uint64_t count = filler_bytes / filler.size() + 1;
  start_server({"--store", "memory", "--max-queued-bytes",
                std::to_string(4 * (filler_bytes + (1 << 20))), "--replay-limit",
                std::to_string(std::max<std::uint64_t>(1000, count + 10))});
  auto alice = connect("alice");
  join(*alice, "lobby");
  std::vector<Frame> sends;
  for (std::uint64_t i = 1; i <= count; ++i) {
    sends.push_back(frames::send("lobby", filler, "f" + std::to_string(i)));
  }
  pipeline(*alice, sends);
  const std::uint64_t secret = count + 1;
  ASSERT_EQ(act_seq(*alice, frames::send("lobby", "secret", "s1")), secret);
  ASSERT_EQ(act_seq(*alice, frames::edit("lobby", secret, "secret, edited", "s2")), secret + 1);

  // A member that replays everything and stops reading: the frames of the
  // secret and its edit wait in its queue, and stay shared.
  auto stalled = std::make_unique<WsClient>();
  stalled->set_receive_buffer_bytes(4096);
  ASSERT_EQ(stalled->connect(server().port(), name_target("stalled")), kSwitchingProtocols);
  stalled->expect("hello");
  join_since(*stalled, "lobby", 0);

  ASSERT_EQ(act_seq(*alice, frames::delete_message("lobby", secret, "s3")), secret + 2);

  for (const std::uint64_t since : {secret - 1, secret}) {
    SCOPED_TRACE("since " + std::to_string(since));
    auto late = connect("late" + std::to_string(since));
    join_since(*late, "lobby", since);
    const std::vector<Frame> replayed = events_through(*late, "lobby", secret + 2);
    ASSERT_EQ(seqs_of(replayed), seq_range(since + 1, secret + 2)) << texts_of(replayed);
    for (const Frame& event : replayed) {
      EXPECT_FALSE(event.contains("text")) << "deleted text served again: " << to_text(event);
    }
  }
}

}  // namespace
}  // namespace parley::test
