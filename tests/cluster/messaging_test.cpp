// Messages across nodes: whichever node a sender uses, every member on every
// node sees one room's messages once each, in the same gap-free seq order,
// with the same message at each seq; acks come after the commit; a long
// poll on one node hears a sender on another.
#include <gtest/gtest.h>

#include <atomic>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ClusterMessaging : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << cluster_->log_text();
  }
  std::unique_ptr<Cluster> cluster_;
};

// Reads `room`'s message frames from `client` until one with seq >= `last`
// or `timeout`; other frames are dropped, except acks, which go to `acks`.
std::vector<Seen> read_messages_through(WsClient& client, std::string_view room, std::uint64_t last,
                                        std::chrono::milliseconds timeout,
                                        std::vector<Frame>* acks = nullptr) {
  std::vector<Seen> seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seen.empty() || seen.back().seq < last) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    auto frame = client.next_frame(std::min<std::chrono::milliseconds>(left, 1000ms));
    if (!frame) {
      if (client.is_closed()) break;
      continue;
    }
    if (has_type(*frame, "message") && string_field(*frame, "room") == room) {
      seen.push_back(seen_from(*frame));
    } else if (has_type(*frame, "ack") && acks != nullptr) {
      acks->push_back(*frame);
    } else if (has_type(*frame, "error")) {
      throw std::runtime_error("error frame: " + to_text(*frame));
    }
  }
  return seen;
}

TEST_F(ClusterMessaging, MessagesSentOnEitherNodeReachBothInOneSeqOrderOnceEachAckedAfterCommit) {
  cluster_ = std::make_unique<Cluster>(2);
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*ada, "lobby");
  join_room(*bob, "lobby");
  HttpClient reader(cluster_->port(1));
  const Session reader_session = start_guest(reader, "reader");

  // Each sends in turn and waits for its ack; the message must be readable
  // from the other node's store by then (the ack follows the commit).
  constexpr int kEach = 5;
  std::map<std::uint64_t, std::string> acked;  // seq -> id
  for (int i = 0; i < kEach; ++i) {
    for (WsClient* sender : {ada.get(), bob.get()}) {
      const std::string id = (sender == ada.get() ? "a" : "b") + std::to_string(i);
      ASSERT_TRUE(sender->send_json(frames::send("lobby", "text " + id, id)));
      const Frame ack = sender->expect(
          "ack", [&](const Frame& frame) { return string_field(frame, "id") == id; }, 10s);
      const std::uint64_t seq = seq_of(ack);
      EXPECT_TRUE(acked.emplace(seq, id).second) << "seq " << seq << " acked twice";
      // before= reads the store (after= stops at what the node has delivered).
      const json::value page = get_json(
          reader, "/api/rooms/lobby/messages?before=" + std::to_string(seq + 1) + "&limit=1",
          cookie_of(reader_session));
      const auto& messages = page.at("messages").as_array();
      ASSERT_EQ(messages.size(), 1u) << json::serialize(page);
      EXPECT_EQ(text_field(messages[0], "id"), id) << "acked seq " << seq << " is stored";
    }
  }
  const std::uint64_t total = 2 * kEach;
  ASSERT_EQ(acked.size(), total);
  EXPECT_EQ(acked.rbegin()->first, total);

  // Both receivers: every message once, in seq order, the one acked at that
  // seq; the sender's own message frame came before its ack (acks are taken
  // in order with their message frames above, so what is left is the rest).
  for (WsClient* receiver : {ada.get(), bob.get()}) {
    const std::vector<Seen> seen = read_messages_through(*receiver, "lobby", total, 20s);
    EXPECT_EQ(sequence_fault(seen, 1, total), "");
    for (const Seen& message : seen) {
      EXPECT_EQ(message.id, acked[message.seq]) << "seq " << message.seq;
    }
    const std::vector<Frame> rest = receiver->take_within(300ms);
    EXPECT_TRUE(std::ranges::none_of(rest, [](const Frame& f) { return has_type(f, "message"); }))
        << "nothing more arrives";
  }
}

// What one client of the concurrent test saw: its acks (senders) and the
// room's messages; `fault` says why it stopped early, if it did.
struct ClientRecord {
  std::vector<Frame> acks;
  std::vector<Seen> seen;
  std::string fault;
};

// Sends `count` messages with ids `prefix`0.. keeping at most `window`
// unacked, and reads until every ack is in and seq `last` has arrived.
void send_and_read(WsClient& client, std::string_view room, std::string_view prefix, int count,
                   std::uint64_t last, ClientRecord& record) {
  constexpr int kWindow = 32;
  int sent = 0;
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  while (static_cast<int>(record.acks.size()) < count || record.seen.empty() ||
         record.seen.back().seq < last) {
    while (sent < count && sent - static_cast<int>(record.acks.size()) < kWindow) {
      const std::string id = std::string(prefix) + std::to_string(sent);
      if (!client.send_json(frames::send(room, "text of " + id, id))) {
        throw std::runtime_error("cannot send " + id);
      }
      ++sent;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("timed out with " + std::to_string(record.acks.size()) +
                               " acks and " + std::to_string(record.seen.size()) + " messages");
    }
    auto frame = client.next_frame(1000ms);
    if (!frame) {
      if (client.is_closed()) throw std::runtime_error("the connection closed");
      continue;
    }
    if (has_type(*frame, "ack")) record.acks.push_back(*frame);
    if (has_type(*frame, "message")) record.seen.push_back(seen_from(*frame));
    if (has_type(*frame, "error")) throw std::runtime_error("error frame: " + to_text(*frame));
  }
}

TEST_F(ClusterMessaging, ConcurrentSendersOnBothNodesGiveEveryReceiverTheSameGapFreeSequence) {
  cluster_ = std::make_unique<Cluster>(2);
  constexpr int kSenders = 4;  // two per node
  constexpr int kReceivers = 4;
  constexpr int kEach = 200;
  constexpr std::uint64_t kTotal = std::uint64_t{kSenders} * kEach;

  std::vector<std::unique_ptr<WsClient>> senders;
  std::vector<std::unique_ptr<WsClient>> receivers;
  for (int i = 0; i < kSenders; ++i) {
    senders.push_back(connect_ws(cluster_->port(i % 2), "/ws?name=sender" + std::to_string(i)));
    join_room(*senders.back(), "busy");
  }
  for (int i = 0; i < kReceivers; ++i) {
    receivers.push_back(connect_ws(cluster_->port(i % 2), "/ws?name=watcher" + std::to_string(i)));
    join_room(*receivers.back(), "busy");
  }

  std::vector<ClientRecord> sent(kSenders);
  std::vector<ClientRecord> watched(kReceivers);
  const auto started = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kSenders; ++i) {
      threads.emplace_back([&, i] {
        try {
          send_and_read(*senders[i], "busy", "s" + std::to_string(i) + "-", kEach, kTotal, sent[i]);
        } catch (const std::exception& error) {
          sent[i].fault = error.what();
        }
      });
    }
    for (int i = 0; i < kReceivers; ++i) {
      threads.emplace_back([&, i] {
        try {
          watched[i].seen = read_messages_through(*receivers[i], "busy", kTotal, 150s);
        } catch (const std::exception& error) {
          watched[i].fault = error.what();
        }
      });
    }
  }
  std::cout << "[ cluster  ] " << kTotal << " messages from " << kSenders
            << " senders on 2 nodes reached " << (kSenders + kReceivers) << " clients in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";

  // The acks: seqs 1..N, each once, each the seq of one id.
  std::map<std::uint64_t, std::string> acked;
  for (int i = 0; i < kSenders; ++i) {
    EXPECT_EQ(sent[i].fault, "") << "sender " << i;
    EXPECT_EQ(sent[i].acks.size(), std::size_t{kEach}) << "sender " << i;
    for (const Frame& ack : sent[i].acks) {
      EXPECT_TRUE(acked.emplace(seq_of(ack), string_field(ack, "id")).second)
          << "seq " << seq_of(ack) << " acked twice";
    }
  }
  ASSERT_EQ(acked.size(), kTotal);
  EXPECT_EQ(acked.begin()->first, 1u);
  EXPECT_EQ(acked.rbegin()->first, kTotal);

  // Every client, sender or not, on either node: the same sequence.
  std::vector<const ClientRecord*> everyone;
  for (const ClientRecord& record : sent) everyone.push_back(&record);
  for (const ClientRecord& record : watched) everyone.push_back(&record);
  for (std::size_t i = 0; i < everyone.size(); ++i) {
    const ClientRecord& record = *everyone[i];
    EXPECT_EQ(record.fault, "") << "client " << i;
    EXPECT_EQ(sequence_fault(record.seen, 1, kTotal), "") << "client " << i;
    std::size_t wrong = 0;
    for (const Seen& message : record.seen) {
      if (message.id != acked[message.seq] || message.text != "text of " + message.id) ++wrong;
    }
    EXPECT_EQ(wrong, 0u) << "client " << i << " saw other messages at some seqs";
  }
}

TEST_F(ClusterMessaging, ALongPollOnOneNodeIsAnsweredByAMessageSentOnAnother) {
  cluster_ = std::make_unique<Cluster>(2);
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  join_room(*ada, "lobby");
  ASSERT_TRUE(ada->send_json(frames::send("lobby", "first", "m1")));
  ASSERT_EQ(seq_of(ada->expect("ack")), 1u);

  HttpClient poller(cluster_->port(1), 40s);
  const Session paul = start_guest(poller, "paul");
  std::optional<HttpResponse> answer;
  std::string fault;
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration waited{};
  std::jthread polling([&] {
    try {
      answer = poller.get("/api/rooms/lobby/messages?after=1&wait=20", cookie_of(paul));
      waited = std::chrono::steady_clock::now() - started;
    } catch (const std::exception& error) {
      fault = error.what();
    }
  });
  // A waiting poller is present in the room, on every node: once ada hears
  // paul come in, the poll is waiting (if the presence never comes, the
  // send below still tests the poll, only with less certainty).
  const bool poll_seen = ada->wait_for(
                                "presence",
                                [](const Frame& frame) {
                                  return string_field(frame, "user") == "paul" &&
                                         string_field(frame, "event") == "join";
                                },
                                10s)
                             .has_value();
  ASSERT_TRUE(ada->send_json(frames::send("lobby", "second", "m2")));
  ASSERT_EQ(seq_of(ada->expect(
                "ack", [](const Frame& frame) { return string_field(frame, "id") == "m2"; })),
            2u);
  polling.join();

  ASSERT_EQ(fault, "");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->describe();
  const json::value body = answer->json();
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 1u) << json::serialize(body);
  EXPECT_EQ(number_field(messages[0], "seq"), 2u);
  EXPECT_EQ(text_field(messages[0], "id"), "m2");
  const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited).count();
  std::cout << "[ cluster  ] the poll on node 1 " << (poll_seen ? "(seen waiting) " : "")
            << "was answered after " << waited_ms << " ms\n";
  EXPECT_LT(waited_ms, 15000) << "answered by the message, not by the end of its wait";
}

}  // namespace
}  // namespace parley::test
