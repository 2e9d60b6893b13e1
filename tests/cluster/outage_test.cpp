// Outages of the services a cluster shares, each on a private server the
// test stops and starts: while Redis is away, nodes keep serving their own
// clients and say they are unhealthy, and once it is back every member on
// every node has everything, once, in order; while PostgreSQL is away
// nothing is acked, and once it is back nodes commit again by themselves.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/cluster.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ClusterOutage : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << cluster_->log_text();
  }
  std::unique_ptr<Cluster> cluster_;
};

// What a sender saw: its acked ids in order, and its refused ones.
struct SendRecord {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::uint64_t>> acked;  // id, seq
  std::vector<std::string> refused;                          // "id: code"
  std::string fault;
};

// Sends one message and waits for its ack or error; returns the ack's seq,
// or nullopt (noted in `record`) when it was refused. The client's other
// frames are dropped: a sender here is not also a receiver.
std::optional<std::uint64_t> send_one(WsClient& client, std::string_view room,
                                      const std::string& id, SendRecord& record) {
  if (!client.send_json(frames::send(room, "text of " + id, id))) {
    throw std::runtime_error("cannot send " + id);
  }
  // Other frames (messages, presence) are dropped on the way.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::optional<Frame> answer;
  while (!answer) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto frame = left > 0ms ? client.next_frame(left) : std::nullopt;
    if (!frame) throw std::runtime_error("no answer to " + id);
    if ((has_type(*frame, "ack") || has_type(*frame, "error")) &&
        string_field(*frame, "id") == id) {
      answer = std::move(frame);
    }
  }
  std::lock_guard lock(record.mutex);
  if (has_type(*answer, "ack")) {
    record.acked.emplace_back(id, seq_of(*answer));
    return seq_of(*answer);
  }
  record.refused.push_back(id + ": " + string_field(*answer, "code"));
  return std::nullopt;
}

// Reads `room`'s messages into `seen` until `done` says so or the deadline.
void watch(WsClient& client, std::string_view room, std::vector<Seen>& seen,
           const std::function<bool(const std::vector<Seen>&)>& done, std::string& fault) {
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!done(seen)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      fault = "timed out after " + std::to_string(seen.size()) + " messages";
      return;
    }
    auto frame = client.next_frame(500ms);
    if (!frame) {
      if (client.is_closed()) {
        fault = "the connection closed";
        return;
      }
      continue;
    }
    if (has_type(*frame, "message") && string_field(*frame, "room") == room) {
      seen.push_back(seen_from(*frame));
    }
  }
}

TEST_F(ClusterOutage, AfterRedisIsStoppedAndStartedAReceiverOnTheOtherNodeHasEveryAckedSeqOnce) {
  PrivateRedis redis;
  cluster_ = std::make_unique<Cluster>(2, ClusterServices{shared_postgres_url(), redis.url()});
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  join_room(*ada, "lobby");
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*bob, "lobby");

  // ada sends on node 0 without a pause in her own thread, bob reads on
  // node 1 in his, while the main thread stops and starts Redis.
  SendRecord sent;
  std::atomic<bool> stop_sending{false};
  std::atomic<std::uint64_t> last_acked{0};
  std::atomic<bool> sending_done{false};
  std::vector<Seen> seen;
  std::string watch_fault;
  std::jthread sender([&] {
    try {
      for (int i = 0; !stop_sending; ++i) {
        if (auto seq = send_one(*ada, "lobby", "m" + std::to_string(i), sent)) last_acked = *seq;
        std::this_thread::sleep_for(20ms);  // a pace, not a wait for anything
      }
    } catch (const std::exception& error) {
      sent.fault = error.what();
    }
    sending_done = true;
  });
  std::jthread watcher([&] {
    watch(
        *bob, "lobby", seen,
        [&](const std::vector<Seen>& so_far) {
          return sending_done && !so_far.empty() && so_far.back().seq >= last_acked;
        },
        watch_fault);
  });

  const auto acked_count = [&] {
    std::lock_guard lock(sent.mutex);
    return sent.acked.size();
  };
  ASSERT_TRUE(eventually([&] { return acked_count() >= 10; }, 20s)) << sent.fault;
  redis.halt();
  const auto halted = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return healthz_status(cluster_->port(0)) == 503; }, 20s))
      << "node 0 says it is unhealthy while Redis is down";
  const std::size_t before_outage = acked_count();
  EXPECT_TRUE(eventually([&] { return acked_count() >= before_outage + 10; }, 20s))
      << "node 0 keeps acking its own client while Redis is down";
  redis.restart();
  std::cout << "[ cluster  ] Redis was down for "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - halted)
                   .count()
            << " ms\n";
  EXPECT_TRUE(eventually(
      [&] {
        return healthz_status(cluster_->port(0)) == 200 && healthz_status(cluster_->port(1)) == 200;
      },
      30s))
      << "both nodes are healthy again once Redis is back";
  const std::size_t after_outage = acked_count();
  EXPECT_TRUE(eventually([&] { return acked_count() >= after_outage + 10; }, 20s));
  stop_sending = true;
  sender.join();
  watcher.join();

  ASSERT_EQ(sent.fault, "");
  EXPECT_TRUE(sent.refused.empty()) << sent.refused.front();
  ASSERT_FALSE(sent.acked.empty());
  EXPECT_EQ(watch_fault, "");
  const std::uint64_t last = sent.acked.back().second;
  EXPECT_EQ(sequence_fault(seen, 1, last), "") << "bob has every seq once, in order";
  std::size_t wrong = 0;
  for (const auto& [id, seq] : sent.acked) {
    if (seq < 1 || seq > seen.size() || seen[seq - 1].id != id) ++wrong;
  }
  EXPECT_EQ(wrong, 0u) << "each acked id is what bob saw at its seq";
  std::cout << "[ cluster  ] " << sent.acked.size() << " messages acked, " << seen.size()
            << " received on node 1\n";
}

TEST_F(ClusterOutage, WhilePostgresIsDownNothingIsAckedAndAfterItReturnsSendsAreAckedAgain) {
  PrivatePostgres postgres;
  cluster_ = std::make_unique<Cluster>(2, ClusterServices{postgres.url(), shared_redis_url()});
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  join_room(*ada, "lobby");
  auto bob = connect_ws(cluster_->port(1), "/ws?name=bob");
  join_room(*bob, "lobby");
  auto bea = connect_ws(cluster_->port(1), "/ws?name=bea");  // sends on node 1
  join_room(*bea, "lobby");

  SendRecord sent;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(send_one(*ada, "lobby", "before" + std::to_string(i), sent));
  }

  postgres.halt();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(send_one(*ada, "lobby", "during" + std::to_string(i), sent))
        << "nothing is acked while PostgreSQL is down";
  }
  std::cout << "[ cluster  ] refused while PostgreSQL was down: " << sent.refused.size() << " ("
            << (sent.refused.empty() ? "" : sent.refused.front()) << ")\n";
  EXPECT_TRUE(eventually([&] { return healthz_status(cluster_->port(0)) == 503; }, 20s))
      << "node 0 says it is unhealthy";
  // Node 1 sends nothing meanwhile; a send there finds out too.
  SendRecord sent_on_b;
  EXPECT_FALSE(send_one(*bea, "lobby", "during-b", sent_on_b));
  EXPECT_TRUE(eventually([&] { return healthz_status(cluster_->port(1)) == 503; }, 20s))
      << "node 1 says it is unhealthy";

  postgres.resume();
  EXPECT_TRUE(eventually(
      [&] {
        return healthz_status(cluster_->port(0)) == 200 && healthz_status(cluster_->port(1)) == 200;
      },
      30s))
      << "both nodes recover by themselves";
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(send_one(*ada, "lobby", "after" + std::to_string(i), sent)) << "node 0 acks again";
  }
  EXPECT_TRUE(send_one(*bea, "lobby", "after-b", sent_on_b)) << "node 1 acks again";

  // History holds every acked message at its seq, and nothing else.
  std::map<std::uint64_t, std::string> swapped;
  for (const auto& [id, seq] : sent.acked) swapped.emplace(seq, id);
  for (const auto& [id, seq] : sent_on_b.acked) swapped.emplace(seq, id);
  HttpClient reader(cluster_->port(1));
  const Session reader_session = start_guest(reader, "reader");
  const json::array history = whole_history(reader, "lobby", cookie_of(reader_session));
  std::map<std::uint64_t, std::string> stored;
  for (const json::value& message : history) {
    stored.emplace(number_field(message, "seq"), text_field(message, "id"));
  }
  EXPECT_EQ(stored, swapped) << json::serialize(history);

  // bob, on the other node, saw exactly the acked messages, in order.
  std::vector<Seen> seen;
  std::string fault;
  const std::uint64_t last = swapped.rbegin()->first;
  watch(
      *bob, "lobby", seen,
      [&](const std::vector<Seen>& so_far) { return !so_far.empty() && so_far.back().seq >= last; },
      fault);
  EXPECT_EQ(fault, "");
  EXPECT_EQ(sequence_fault(seen, 1, last), "");
  for (const Seen& message : seen) EXPECT_EQ(message.id, swapped[message.seq]);
}

// A node that missed a room's latest messages (Redis was down) while a member
// there kept the room open: a client that saw them elsewhere joins it with
// `since`; the node reads up to `since` before `joined`, so nothing the
// client has comes again, not when Redis returns and the node catches up.
TEST_F(ClusterOutage, AClientJoiningANodeThatMissedMessagesItSawGetsNoneOfThemAgain) {
  PrivateRedis redis;
  cluster_ = std::make_unique<Cluster>(2, ClusterServices{shared_postgres_url(), redis.url()});
  auto carol = connect_ws(cluster_->port(1), "/ws?name=carol");  // keeps the room open on node 1
  join_room(*carol, "lobby");
  auto ada = connect_ws(cluster_->port(0), "/ws?name=ada");
  join_room(*ada, "lobby");

  redis.halt();
  ASSERT_TRUE(eventually([&] { return healthz_status(cluster_->port(1)) == 503; }, 20s));
  SendRecord sent;
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(send_one(*ada, "lobby", "m" + std::to_string(i), sent));
  const std::uint64_t seen_elsewhere = sent.acked.back().second;  // 5: what dan saw on node 0

  auto dan = connect_ws(cluster_->port(1), "/ws?name=dan");
  const Frame joined = join_room_since(*dan, "lobby", seen_elsewhere);
  EXPECT_EQ(seq_of(joined), seen_elsewhere) << "node 1 caught up before answering joined";

  redis.restart();
  ASSERT_TRUE(eventually([&] { return healthz_status(cluster_->port(1)) == 200; }, 30s));
  ASSERT_TRUE(send_one(*ada, "lobby", "m6", sent));
  std::vector<Seen> seen;
  std::string fault;
  watch(
      *dan, "lobby", seen, [](const std::vector<Seen>& so_far) { return !so_far.empty(); }, fault);
  ASSERT_EQ(fault, "");
  EXPECT_EQ(seen.front().seq, seen_elsewhere + 1)
      << "dan's next message is the first he had not seen";
  EXPECT_EQ(seen.front().id, "m6");
}

}  // namespace
}  // namespace parley::test
