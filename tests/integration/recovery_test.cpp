// Recovery: a join with `since` replays exactly what was missed, then live
// messages, with no gap and nothing twice, even while others keep sending.
#include <atomic>
#include <thread>

#include "chat_test.hpp"
#include "support/raw_ws_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class RecoveryTest : public ChatTest {};

// The next frame as JSON; nullopt when none comes within 5 s.
std::optional<Frame> next_json(RawWsClient& client) {
  const auto frame = client.next_frame(5s);
  if (!frame || !frame->is(Opcode::text)) return std::nullopt;
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(frame->payload, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

bool is_truncated(const Frame& joined) {
  const auto* truncated = joined.if_contains("truncated");
  return truncated != nullptr && truncated->is_bool() && truncated->get_bool();
}

TEST_F(RecoveryTest, PlainJoinReplaysNothing) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  send_burst(*alice, "lobby", 3, "m");
  auto bob = connect("bob");
  EXPECT_EQ(seq_of(join(*bob, "lobby")), 3u);
  for (const Frame& frame : frames_before_pong(*bob)) {
    EXPECT_FALSE(has_type(frame, "message")) << to_text(frame);
  }
  EXPECT_EQ(send_and_ack(*alice, "lobby", "live", "live"), 4u);
  EXPECT_EQ(seqs_of(messages_through(*bob, "lobby", 4)), std::vector<std::uint64_t>{4});
}

TEST_F(RecoveryTest, RejoinWithSinceGetsExactlyTheMissedMessagesThenLiveOnes) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  send_burst(*bob, "lobby", 5, "before-");
  const std::uint64_t last_seen = seq_of(messages_through(*alice, "lobby", 5).back());
  alice->drop();
  send_burst(*bob, "lobby", 5, "missed-");

  alice = connect_when_free("alice");
  ASSERT_TRUE(alice->send_json(frames::join_since("lobby", last_seen)));
  const std::vector<Frame> first = alice->collect_through("joined");
  ASSERT_EQ(first.size(), 1u) << "joined comes before anything of the room: "
                              << to_text(first.front());
  EXPECT_EQ(seq_of(first.back()), 10u);
  EXPECT_FALSE(is_truncated(first.back())) << to_text(first.back());

  const auto replayed = messages_through(*alice, "lobby", 10);
  EXPECT_EQ(seqs_of(replayed), seq_range(6, 10));
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(string_field(replayed[i], "id"), "missed-" + std::to_string(i));
    EXPECT_EQ(string_field(replayed[i], "text"), "text of missed-" + std::to_string(i));
    EXPECT_EQ(string_field(replayed[i], "user"), "bob");
  }
  send_burst(*bob, "lobby", 3, "live-");
  EXPECT_EQ(seqs_of(messages_through(*alice, "lobby", 13)), seq_range(11, 13));
  for (const Frame& frame : frames_before_pong(*alice)) {
    EXPECT_FALSE(has_type(frame, "message")) << "nothing twice: " << to_text(frame);
  }
}

TEST_F(RecoveryTest, CappedReplayIsMarkedTruncatedAndHoldsTheMostRecent) {
  constexpr int kSent = 1205;
  start_server({"--store", "memory", "--replay-limit", "1000"});
  auto alice = connect("alice");
  join(*alice, "lobby");
  ASSERT_EQ(send_burst(*alice, "lobby", kSent, "m").back(), kSent);

  struct Case {
    std::uint64_t since;
    bool truncated;
  };
  // 1205, 1001 and exactly 1000 messages missed.
  for (const Case& c : {Case{0, true}, Case{204, true}, Case{205, false}}) {
    SCOPED_TRACE("since " + std::to_string(c.since));
    auto reader = connect("reader" + std::to_string(c.since));
    const Frame joined = join_since(*reader, "lobby", c.since);
    EXPECT_EQ(seq_of(joined), kSent);
    EXPECT_EQ(is_truncated(joined), c.truncated) << to_text(joined);
    const auto replayed = messages_through(*reader, "lobby", kSent);
    EXPECT_EQ(seqs_of(replayed), seq_range(kSent - 999, kSent));
    EXPECT_EQ(string_field(replayed.front(), "id"), "m" + std::to_string(kSent - 1000));
    for (const Frame& frame : frames_before_pong(*reader)) {
      EXPECT_FALSE(has_type(frame, "message")) << to_text(frame);
    }
  }
}

TEST_F(RecoveryTest, JoinWithSinceWhileOthersSendIsGapFreeAndDuplicateFree) {
  constexpr int kSent = 3000;
  // A replay limit above kSent: every joiner gets its whole replay.
  start_server({"--store", "memory", "--replay-limit", "100000"});
  auto watcher = connect("watcher");  // keeps the room open from seq 0
  join(*watcher, "lobby");

  std::atomic<int> acked{0};
  std::string sender_failure;
  std::thread sender([&, port = server().port()] {
    try {
      WsClient client;
      if (client.connect(port, name_target("sender")) != kSwitchingProtocols) {
        throw std::runtime_error("cannot connect");
      }
      join(client, "lobby");
      const auto count_acks = [&] {
        for (const Frame& frame : client.take_received()) {
          if (has_type(frame, "ack")) ++acked;
        }
      };
      for (int i = 0; i < kSent; ++i) {
        const std::string id = "s" + std::to_string(i);
        if (!client.send_json(frames::send("lobby", "text " + id, id))) {
          throw std::runtime_error("cannot send " + id);
        }
        count_acks();
      }
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (acked < kSent && std::chrono::steady_clock::now() < deadline) {
        if (auto ack = client.wait_for("ack", {}, std::chrono::milliseconds(100))) ++acked;
      }
      if (acked < kSent) throw std::runtime_error("acks missing: " + std::to_string(acked));
    } catch (const std::exception& error) {
      sender_failure = error.what();
      acked = kSent;  // lets the main thread go on
    }
  });

  // Joiners arrive at different points of the stream, each with a since a
  // little behind what is stored, so that replay and live traffic overlap.
  std::vector<std::pair<std::unique_ptr<WsClient>, std::uint64_t>> joiners;
  for (int threshold : {200, 900, 1600, 2300}) {
    while (acked < threshold) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const std::uint64_t since = static_cast<std::uint64_t>(acked.load()) - 100;
    auto joiner = connect("joiner" + std::to_string(threshold));
    ASSERT_TRUE(joiner->send_json(frames::join_since("lobby", since)));
    joiners.emplace_back(std::move(joiner), since);
  }
  sender.join();
  ASSERT_TRUE(sender_failure.empty()) << sender_failure;

  for (auto& [joiner, since] : joiners) {
    SCOPED_TRACE("joined with since " + std::to_string(since));
    const Frame joined = joiner->expect("joined");
    EXPECT_GE(seq_of(joined), since);
    EXPECT_FALSE(is_truncated(joined)) << to_text(joined);
    const auto messages = messages_through(*joiner, "lobby", kSent, std::chrono::seconds(20));
    EXPECT_EQ(seqs_of(messages), seq_range(since + 1, kSent));
    for (const Frame& frame : frames_before_pong(*joiner)) {
      EXPECT_FALSE(has_type(frame, "message")) << to_text(frame);
    }
  }
}

// ---- Frames pipelined behind a join with `since` ----

// A guest's raw connection, past its hello: frames can be written together
// in one TCP write, as a client may.
std::unique_ptr<RawWsClient> connect_raw(std::uint16_t port, std::string_view name) {
  auto client = std::make_unique<RawWsClient>();
  if (client->connect(port, name_target(name)) != kSwitchingProtocols)
    throw std::runtime_error("the upgrade failed");
  if (!next_json(*client)) throw std::runtime_error("no hello");
  return client;
}

std::string framed(const Frame& frame) {
  return encode_client_frame(Opcode::text, boost::json::serialize(frame));
}

// "type seq" (or "type id" for acks) of the JSON frames that come within
// `quiet` of each other, until `count` have come.
std::vector<std::string> read_events(RawWsClient& client, std::size_t count) {
  std::vector<std::string> events;
  while (events.size() < count) {
    const auto frame = next_json(client);
    if (!frame) break;
    const std::string type = type_of(*frame);
    const std::string detail = type == "ack"            ? string_field(*frame, "id")
                               : frame->contains("seq") ? std::to_string(seq_of(*frame))
                                                        : "";
    events.push_back(detail.empty() ? type : type + " " + detail);
  }
  return events;
}

TEST_F(RecoveryTest, ALeaveAndASecondJoinSentBehindAJoinWaitForItsReplay) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  send_burst(*alice, "lobby", 5, "m");
  auto carol = connect_raw(server().port(), "carol");
  ASSERT_TRUE(carol->send_bytes(framed(frames::join_since("lobby", 4)) +
                                framed(frames::leave("lobby")) +
                                framed(frames::join_since("lobby", 0))));
  const std::vector<std::string> expected = {"joined 5",  "message 5", "left",
                                             "joined 5",  "message 1", "message 2",
                                             "message 3", "message 4", "message 5"};
  EXPECT_EQ(read_events(*carol, expected.size()), expected);
}

TEST_F(RecoveryTest, AJoinWithSinceWaitsForTheAcksOfEarlierSends) {
  start_server({"--store", "sqlite"});
  auto alice = connect("alice");
  join(*alice, "b");  // keeps b open while carol is out of it
  auto carol = connect_raw(server().port(), "carol");
  ASSERT_TRUE(carol->send_bytes(framed(frames::join("a")) + framed(frames::join("b")) +
                                framed(frames::send("b", "earlier", "e1"))));
  ASSERT_EQ(read_events(*carol, 4),
            (std::vector<std::string>{"joined 0", "joined 0", "message 1", "ack e1"}));
  // Acks come in the order of the sends, even when a replay of b would start
  // before the send to b is committed. w is committed after carol left b:
  // she gets its ack, and the message in the replay.
  ASSERT_TRUE(carol->send_bytes(framed(frames::send("b", "first", "w")) +
                                framed(frames::send("a", "second", "v")) +
                                framed(frames::leave("b")) + framed(frames::join_since("b", 0))));
  const std::vector<std::string> expected = {"left",     "ack w",     "message 1", "ack v",
                                             "joined 2", "message 1", "message 2"};
  EXPECT_EQ(read_events(*carol, expected.size()), expected);
}

TEST_F(RecoveryTest, AReplayPastTheQueueBoundIsWrittenWholeBeforeTheNextFrameIsRead) {
  // The bound is for live traffic; a replay is bounded by --replay-limit, and
  // the connection's next frame waits until its replay is written, so that a
  // client that does not read cannot pile up replays.
  start_server({"--store", "memory", "--max-queued-bytes", "262144"});
  auto alice = connect("alice");
  join(*alice, "lobby");
  // 512 messages of 12 KB: more than the bound, and more than the socket
  // buffers can take while the reader does not read (4 MiB at most here).
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "\xE2\x82\xAC";  // €
  constexpr std::uint64_t kMessages = 512;
  for (std::uint64_t sent = 0; sent < kMessages; sent += 16) {
    for (std::uint64_t i = sent + 1; i <= sent + 16; ++i) {
      ASSERT_TRUE(alice->send_json(frames::send("lobby", text, "big" + std::to_string(i))));
    }
    messages_through(*alice, "lobby", sent + 16);  // read as it goes: 192 KB in flight
  }

  auto bob = std::make_unique<WsClient>();
  ASSERT_EQ(bob->connect(server().port(), name_target("bob")), kSwitchingProtocols);
  bob->expect("hello");
  ASSERT_TRUE(bob->send_json(frames::join_since("lobby", 0)));
  ASSERT_TRUE(bob->send_json(frames::leave("lobby")));
  const auto bob_left = [](const Frame& frame) {
    return string_field(frame, "user") == "bob" && string_field(frame, "event") == "leave";
  };
  // bob reads nothing for a while: its leave waits behind the replay.
  EXPECT_FALSE(alice->wait_for("presence", bob_left, 1000ms)) << "the leave overtook the replay";

  EXPECT_EQ(seqs_of(messages_through(*bob, "lobby", kMessages)), seq_range(1, kMessages))
      << "6 MB of replay against a 256 KiB bound";
  bob->expect("left");
  alice->expect("presence", bob_left);
}

}  // namespace
}  // namespace parley::test
