// Messages: delivery to every member, own message before ack, acks in send
// order, one order for concurrent senders, and idempotent resends.
#include <chrono>
#include <map>
#include <thread>

#include "chat_test.hpp"

namespace parley::test {
namespace {

class MessagingTest : public ChatTest {};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(MessagingTest, MessageReachesEveryMemberSenderIncluded) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  const std::int64_t before = now_ms();
  ASSERT_TRUE(alice->send_json(frames::send("lobby", "hello bob", "m-1")));
  for (WsClient* client : {alice.get(), bob.get()}) {
    const Frame message = client->expect("message");
    EXPECT_EQ(string_field(message, "room"), "lobby");
    EXPECT_EQ(seq_of(message), 1u);
    EXPECT_EQ(string_field(message, "user"), "alice");
    EXPECT_EQ(string_field(message, "text"), "hello bob");
    EXPECT_EQ(string_field(message, "id"), "m-1");
    ASSERT_TRUE(message.contains("ts") && message.at("ts").is_int64()) << to_text(message);
    const std::int64_t ts = message.at("ts").get_int64();
    EXPECT_GE(ts, before - 1000) << "ts is in milliseconds since the epoch";
    EXPECT_LE(ts, now_ms() + 1000);
  }
}

TEST_F(MessagingTest, SenderGetsItsOwnMessageBeforeItsAck) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  for (int i = 1; i <= 5; ++i) {
    const std::string id = "m" + std::to_string(i);
    ASSERT_TRUE(alice->send_json(frames::send("lobby", "text " + id, id)));
    const std::vector<Frame> frames = alice->collect_through("ack");
    ASSERT_EQ(frames.size(), 2u) << "one message, then its ack";
    EXPECT_TRUE(has_type(frames[0], "message")) << to_text(frames[0]);
    EXPECT_EQ(string_field(frames[0], "id"), id);
    EXPECT_EQ(string_field(frames[1], "id"), id);
  }
}

TEST_F(MessagingTest, AckCarriesTheStoredSeq) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  for (std::uint64_t expected = 1; expected <= 3; ++expected) {
    const std::string id = "id-" + std::to_string(expected);
    ASSERT_TRUE(alice->send_json(frames::send("lobby", "x", id)));
    const Frame ack = alice->expect("ack");
    EXPECT_EQ(string_field(ack, "room"), "lobby");
    EXPECT_EQ(string_field(ack, "id"), id);
    EXPECT_EQ(seq_of(ack), expected);
    const Frame seen = bob->expect("message");
    EXPECT_EQ(seq_of(seen), seq_of(ack)) << "the seq others see";
  }
}

TEST_F(MessagingTest, TextIsSentBackExactlyAsReceived) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  const std::vector<std::string> texts = {
      "  padded on both ends \t",
      "line one\nline two\r\n\ttabbed",
      std::string("controls \x01\x07\x1b kept"),
      "<script>alert('x')</script> & \"quotes\" \\ backslash",
      "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87",
      "\xE2\x80\x83 em spaces around \xE2\x80\x83",
  };
  for (std::size_t i = 0; i < texts.size(); ++i) {
    send_and_ack(*alice, "lobby", texts[i], "t" + std::to_string(i));
    EXPECT_EQ(string_field(bob->expect("message"), "text"), texts[i]);
    EXPECT_EQ(string_field(alice->expect("message"), "text"), texts[i]);
  }
}

TEST_F(MessagingTest, AcksFollowSendOrderInAPipelinedBurst) {
  constexpr int kBurst = 200;
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  for (int i = 0; i < kBurst; ++i) {
    const std::string id = "burst-" + std::to_string(i);
    ASSERT_TRUE(alice->send_json(frames::send("lobby", "message " + id, id)));
  }
  std::vector<std::string> ack_ids;
  std::vector<std::uint64_t> ack_seqs;
  std::map<std::string, int> message_seen;  // id -> message frames before its ack
  while (static_cast<int>(ack_ids.size()) < kBurst) {
    const auto frame = alice->next_frame();
    ASSERT_TRUE(frame) << "after " << ack_ids.size() << " acks";
    const std::string id = string_field(*frame, "id");
    if (has_type(*frame, "message")) {
      ++message_seen[id];
    } else if (has_type(*frame, "ack")) {
      EXPECT_EQ(message_seen[id], 1) << "own message exactly once before the ack of " << id;
      ack_ids.push_back(id);
      ack_seqs.push_back(seq_of(*frame));
    } else {
      ADD_FAILURE() << "unexpected frame " << to_text(*frame);
    }
  }
  for (int i = 0; i < kBurst; ++i) {
    EXPECT_EQ(ack_ids[i], "burst-" + std::to_string(i)) << "ack #" << i;
  }
  EXPECT_EQ(ack_seqs, seq_range(1, kBurst));
}

struct SenderOutcome {
  std::vector<std::string> ack_ids;
  std::vector<std::uint64_t> ack_seqs;
  std::string failure;
};

// One sender on its own thread and connection: joins, sends `count`
// messages without waiting, then waits for every ack.
void run_sender(std::uint16_t port, const std::string& name, int count, SenderOutcome& outcome) {
  try {
    WsClient client;
    if (client.connect(port, name_target(name)) != kSwitchingProtocols) {
      throw std::runtime_error("cannot connect");
    }
    client.expect("hello");
    join(client, "lobby");
    for (int i = 0; i < count; ++i) {
      const std::string id = name + "-" + std::to_string(i);
      if (!client.send_json(frames::send("lobby", "from " + id, id))) {
        throw std::runtime_error("cannot send " + id);
      }
    }
    while (static_cast<int>(outcome.ack_ids.size()) < count) {
      const Frame ack = client.expect("ack", {}, std::chrono::seconds(20));
      outcome.ack_ids.push_back(string_field(ack, "id"));
      outcome.ack_seqs.push_back(seq_of(ack));
    }
  } catch (const std::exception& error) {
    outcome.failure = name + ": " + error.what();
  }
}

TEST_F(MessagingTest, ConcurrentSendersProduceOneGapFreeOrderForEveryone) {
  constexpr int kSenders = 5;
  constexpr int kPerSender = 200;
  constexpr std::uint64_t kTotal = kSenders * kPerSender;
  start_server();
  std::vector<std::unique_ptr<WsClient>> receivers;
  for (const char* name : {"reader1", "reader2", "reader3"}) {
    receivers.push_back(connect(name));
    join(*receivers.back(), "lobby");
  }
  std::vector<SenderOutcome> outcomes(kSenders);
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back(run_sender, server().port(), "sender" + std::to_string(s), kPerSender,
                         std::ref(outcomes[s]));
  }
  for (std::thread& sender : senders) sender.join();

  std::map<std::string, std::uint64_t> acked;  // id -> seq
  for (int s = 0; s < kSenders; ++s) {
    ASSERT_TRUE(outcomes[s].failure.empty()) << outcomes[s].failure;
    for (int i = 0; i < kPerSender; ++i) {
      EXPECT_EQ(outcomes[s].ack_ids[i], "sender" + std::to_string(s) + "-" + std::to_string(i));
      if (i > 0) {
        EXPECT_LT(outcomes[s].ack_seqs[i - 1], outcomes[s].ack_seqs[i]);
      }
      acked[outcomes[s].ack_ids[i]] = outcomes[s].ack_seqs[i];
    }
  }
  std::vector<std::string> first_order;
  for (auto& receiver : receivers) {
    const auto messages = messages_through(*receiver, "lobby", kTotal, std::chrono::seconds(20));
    EXPECT_EQ(seqs_of(messages), seq_range(1, kTotal)) << "each seq once, in order";
    std::vector<std::string> order;
    for (const Frame& message : messages) {
      const std::string id = string_field(message, "id");
      order.push_back(id);
      EXPECT_EQ(acked[id], seq_of(message)) << "the acked seq of " << id;
    }
    if (first_order.empty()) {
      first_order = order;
    } else {
      EXPECT_EQ(order, first_order) << "every receiver sees the same sequence";
    }
    for (const Frame& frame : frames_before_pong(*receiver)) {
      EXPECT_FALSE(has_type(frame, "message")) << "nothing after the last: " << to_text(frame);
    }
  }
}

TEST_F(MessagingTest, ResentIdIsAckedWithTheFirstSeqAndNotBroadcast) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  EXPECT_EQ(send_and_ack(*alice, "lobby", "once", "dup"), 1u);
  alice->expect("message");
  for (const char* text : {"once", "once, with other text"}) {
    ASSERT_TRUE(alice->send_json(frames::send("lobby", text, "dup")));
    const std::vector<Frame> frames = alice->collect_through("ack");
    for (const Frame& frame : frames) {
      EXPECT_FALSE(has_type(frame, "message")) << "a resend is not broadcast: " << to_text(frame);
    }
    EXPECT_EQ(string_field(frames.back(), "id"), "dup");
    EXPECT_EQ(seq_of(frames.back()), 1u);
  }
  EXPECT_EQ(send_and_ack(*alice, "lobby", "next", "next"), 2u);
  const auto messages = messages_through(*bob, "lobby", 2);
  EXPECT_EQ(seqs_of(messages), seq_range(1, 2)) << "the resends were not broadcast";
  EXPECT_EQ(string_field(messages[0], "text"), "once");
}

TEST_F(MessagingTest, SameIdTwiceInOneBurstIsStoredOnce) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  auto bob = connect("bob");
  join(*bob, "lobby");
  ASSERT_TRUE(alice->send_json(frames::send("lobby", "twice", "dup")));
  ASSERT_TRUE(alice->send_json(frames::send("lobby", "twice", "dup")));
  const Frame first = alice->expect("ack");
  const Frame second = alice->expect("ack");
  EXPECT_EQ(seq_of(first), 1u);
  EXPECT_EQ(seq_of(second), 1u);
  EXPECT_EQ(send_and_ack(*alice, "lobby", "next", "next"), 2u);
  EXPECT_EQ(seqs_of(messages_through(*bob, "lobby", 2)), seq_range(1, 2));
  EXPECT_EQ(seqs_of(messages_through(*alice, "lobby", 2)), seq_range(1, 2));
}

TEST_F(MessagingTest, SameIdFromAnotherUserOrRoomIsANewMessage) {
  start_server();
  auto alice = connect("alice");
  join(*alice, "lobby");
  join(*alice, "other");
  auto bob = connect("bob");
  join(*bob, "lobby");
  EXPECT_EQ(send_and_ack(*alice, "lobby", "from alice", "same"), 1u);
  EXPECT_EQ(send_and_ack(*bob, "lobby", "from bob", "same"), 2u);
  EXPECT_EQ(send_and_ack(*alice, "other", "elsewhere", "same"), 1u);
  const auto messages = messages_through(*bob, "lobby", 2);
  EXPECT_EQ(seqs_of(messages), seq_range(1, 2));
  EXPECT_EQ(string_field(alice->expect("message", in_room("other")), "text"), "elsewhere");
}

}  // namespace
}  // namespace parley::test
