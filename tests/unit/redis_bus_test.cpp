// RedisBus against a real Redis: two buses on one io_context are two nodes.
// The shared Redis is ctest's fixture `redis` (its URL in the file named by
// PARLEY_REDIS_URL_FILE); the outage test runs a Redis of its own, so that
// stopping it disturbs no other test. Timings are deadlines to poll against,
// generous for a busy machine, never measurements.
#include "bus/redis/redis_bus.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "temp_folder.hpp"

namespace parley::bus {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;

std::string read_line(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

// The address of the shared Redis, or nothing outside ctest.
std::optional<RedisAddress> shared_redis() {
  const char* url_file = std::getenv("PARLEY_REDIS_URL_FILE");
  if (url_file == nullptr) return std::nullopt;
  const std::string url = read_line(url_file);
  auto address = parse_redis_url(url);
  if (!address) ADD_FAILURE() << "no Redis URL in " << url_file << " (got \"" << url << "\")";
  return address;
}

// Runs `io` until `done` answers true or `limit` passes; answers `done()`.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::steady_clock::duration limit = kDeadline) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(20ms);
  }
  return true;
}

// A channel of the running test's own: tests run at once on the shared
// Redis (and beside the cluster suite's nodes) and must not hear each other.
RedisBusSettings settings_of_this_test() {
  RedisBusSettings settings;
  settings.channel =
      std::string("parley:test:") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return settings;
}

// What one node's subscriber saw, and how often it was told to resync.
struct Node {
  Node(const RedisAddress& address, boost::asio::io_context& io)
      : bus(address, io.get_executor(), settings_of_this_test()) {
    bus.subscribe([this](const Event& event) { events.push_back(event); });
    bus.on_resync([this] { ++resyncs; });
  }
  std::size_t count_from(const std::string& node) const {
    std::size_t count = 0;
    for (const Event& event : events) count += event.node == node ? 1 : 0;
    return count;
  }
  bool saw_room(const std::string& room) const {
    for (const Event& event : events) {
      if (event.room == room) return true;
    }
    return false;
  }

  RedisBus bus;
  std::vector<Event> events;
  int resyncs = 0;
};

Event message(std::string room, std::uint64_t seq, std::string bytes) {
  Event event(EventKind::message, std::move(room));
  event.seq = seq;
  event.frame = std::make_shared<const std::string>(std::move(bytes));
  return event;
}

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto address = shared_redis();
    if (!address) {
      if (!HasFailure()) GTEST_SKIP() << "needs ctest's fixture redis (ctest -L redis)";
      return;
    }
    address_ = *address;
  }

  // Both nodes connected and subscribed.
  bool wait_healthy(Node& one, Node& two) {
    return run_until(io_, [&] { return one.bus.is_healthy() && two.bus.is_healthy(); });
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  RedisAddress address_;
};

TEST_F(RedisBusTest, AnEventReachesTheOtherNodeAndThePublisherAtOnceButNotTwice) {
  Node a(address_, io_), b(address_, io_);
  ASSERT_NE(a.bus.node_id(), b.bus.node_id());
  ASSERT_TRUE(wait_healthy(a, b));

  const std::string bytes = "{\"type\":\"message\"}\n r\xC3\xA9sum\xC3\xA9";
  a.bus.publish(message("lobby", 1, bytes));
  ASSERT_EQ(a.events.size(), 1u) << "the publisher's own subscribers, before publish returns";
  EXPECT_EQ(a.events[0].node, a.bus.node_id());

  ASSERT_TRUE(run_until(io_, [&] { return !b.events.empty(); }));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].node, a.bus.node_id());
  EXPECT_EQ(b.events[0].kind, EventKind::message);
  EXPECT_EQ(b.events[0].room, "lobby");
  EXPECT_EQ(b.events[0].seq, 1u);
  ASSERT_TRUE(b.events[0].frame);
  EXPECT_EQ(*b.events[0].frame, bytes);

  // b answers; once a hears it, a's copy of its own event (read from Redis
  // before b's answer, on the same channel) would have come too.
  b.bus.publish(message("kitchen", 1, "answer"));
  ASSERT_TRUE(run_until(io_, [&] { return a.saw_room("kitchen"); }));
  EXPECT_EQ(a.count_from(a.bus.node_id()), 1u) << "its own event once, not twice";
  EXPECT_EQ(a.events.size(), 2u);
  EXPECT_EQ(b.count_from(b.bus.node_id()), 1u);
}

TEST_F(RedisBusTest, EventsOfOnePublisherArriveInOrder) {
  Node a(address_, io_), b(address_, io_);
  ASSERT_TRUE(wait_healthy(a, b));
  constexpr std::uint64_t kCount = 1000;
  for (std::uint64_t seq = 1; seq <= kCount; ++seq) {
    a.bus.publish(message("lobby", seq, "m" + std::to_string(seq)));
    if (seq % 100 == 0) io_.poll();  // some arrive while others are sent
  }
  ASSERT_TRUE(run_until(
      io_, [&] { return b.events.size() >= kCount; }, 60s))
      << b.events.size() << " of " << kCount;
  ASSERT_EQ(b.events.size(), kCount);
  for (std::uint64_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(b.events[i].seq, i + 1);
    ASSERT_EQ(*b.events[i].frame, "m" + std::to_string(i + 1));
  }
  EXPECT_EQ(a.events.size(), kCount);
}

TEST_F(RedisBusTest, EachNodeResyncsOnceSubscribed) {
  Node a(address_, io_);
  ASSERT_TRUE(run_until(io_, [&] { return a.resyncs == 1; }));
  EXPECT_TRUE(a.bus.is_healthy()) << "subscribed before it is told to catch up";
}

TEST_F(RedisBusTest, AfterStopPublishReachesThisNodeOnly) {
  Node a(address_, io_), b(address_, io_), c(address_, io_);
  ASSERT_TRUE(run_until(
      io_, [&] { return a.bus.is_healthy() && b.bus.is_healthy() && c.bus.is_healthy(); }));
  a.bus.stop();
  EXPECT_FALSE(a.bus.is_healthy()) << "a stopped bus reaches nobody";
  a.bus.publish(message("lobby", 1, "after stop"));
  EXPECT_EQ(a.events.size(), 1u);
  // Something c publishes later reaches b; a's event never does.
  c.bus.publish(message("attic", 1, "marker"));
  ASSERT_TRUE(run_until(io_, [&] { return b.saw_room("attic"); }));
  EXPECT_FALSE(b.saw_room("lobby"));
}

// A Redis of the test's own, in a temporary folder (scripts/services/redis.sh).
class PrivateRedis {
 public:
  PrivateRedis() { started_ = script("start") == 0; }
  ~PrivateRedis() { script("stop"); }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  bool started() const { return started_; }
  std::optional<RedisAddress> address() const { return parse_redis_url(read_line(dir() / "url")); }
  // Ends the server as a crash would end it for its clients, and waits until
  // it is gone: the pid is the one the script started.
  bool kill() {
    const std::string pid_text = read_line(dir() / "redis.pid");
    const pid_t pid = static_cast<pid_t>(std::atoi(pid_text.c_str()));
    if (pid <= 0 || ::kill(pid, SIGTERM) != 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::filesystem::exists("/proc/" + pid_text)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
  // Starts it again on the same port, empty.
  bool restart() { return script("restart") == 0; }

 private:
  std::filesystem::path dir() const { return folder_.path / "redis"; }
  int script(const char* command) const {
    const std::string line = std::string("bash '") + PARLEY_REDIS_SCRIPT + "' " + command + " '" +
                             dir().string() + "' >/dev/null";
    return std::system(line.c_str());
  }

  tests::TempFolder folder_;
  bool started_ = false;
};

TEST_F(RedisBusTest, HealthFollowsRedisAndEachReturnBringsAResync) {
  PrivateRedis redis;
  ASSERT_TRUE(redis.started());
  const auto address = redis.address();
  ASSERT_TRUE(address);
  Node a(*address, io_), b(*address, io_);
  ASSERT_TRUE(wait_healthy(a, b));
  ASSERT_TRUE(run_until(io_, [&] { return a.resyncs == 1 && b.resyncs == 1; }));

  ASSERT_TRUE(redis.kill());
  ASSERT_TRUE(run_until(io_, [&] { return !a.bus.is_healthy() && !b.bus.is_healthy(); }));
  // Cut off, a node still serves its own subscribers.
  a.bus.publish(message("lobby", 1, "during the outage"));
  EXPECT_EQ(a.events.size(), 1u);

  ASSERT_TRUE(redis.restart());
  ASSERT_TRUE(wait_healthy(a, b));
  ASSERT_TRUE(run_until(io_, [&] { return a.resyncs == 2 && b.resyncs == 2; }))
      << "a.resyncs " << a.resyncs << ", b.resyncs " << b.resyncs;

  a.bus.publish(message("kitchen", 1, "after the return"));
  ASSERT_TRUE(run_until(io_, [&] { return b.saw_room("kitchen"); }));
  b.bus.publish(message("attic", 1, "and back"));
  ASSERT_TRUE(run_until(io_, [&] { return a.saw_room("attic"); }));
  EXPECT_EQ(a.resyncs, 2);
  EXPECT_EQ(b.resyncs, 2);
}

}  // namespace
}  // namespace parley::bus
