// The bus of a cluster: events go to every node through one Redis pub/sub
// channel. This node's subscribers get its own events at once; the rest are
// queued to a publisher thread. A subscriber thread reads what the others
// publish, decodes it off the I/O thread and posts it there in batches.
// Both threads reconnect by themselves with backoff; while either is down the
// bus is unhealthy, and once the subscriber is back every room catches up
// from the store (on_resync), since what was published meanwhile is lost.
// Public methods: I/O thread.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.hpp"
#include "bus/redis/redis_address.hpp"

struct redisContext;

namespace parley::bus {

struct RedisBusSettings {
  std::string channel = "parley:events";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds reply_timeout{2000};  // a publish unanswered this long: reconnect
  // The subscriber pings this often, and reconnects when it has heard
  // nothing for silence_limit (a Redis that vanished without a reset).
  std::chrono::milliseconds ping_interval{1000};
  std::chrono::milliseconds silence_limit{3000};
  std::chrono::milliseconds max_backoff{2000};  // between reconnection attempts
  // Events waiting for Redis beyond this are dropped, oldest first: other
  // nodes recover those messages from the store (gaps and heartbeats).
  std::size_t max_outbox_bytes = 64 * 1024 * 1024;
};

class RedisBus final : public Bus {
 public:
  RedisBus(RedisAddress address, boost::asio::any_io_executor io, RedisBusSettings settings = {});
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  const std::string& node_id() const override { return node_id_; }
  void publish(Event event) override;
  void subscribe(Subscriber subscriber) override { subscribers_.push_back(std::move(subscriber)); }
  void on_resync(Resync resync) override { resyncs_.push_back(std::move(resync)); }
  bool is_healthy() const override { return publisher_up_.load() && subscriber_up_.load(); }
  void stop() override;

 private:
  // A hiredis connection, or null (logged) when Redis cannot be reached.
  redisContext* connect(const char* role);
  void run_publisher();
  void run_subscriber();
  // Reads until the connection fails or the bus stops.
  void listen(redisContext* context);
  void deliver_later(std::vector<Event> events);
  void resync_later();
  // Waits `backoff` or until stop(); answers false once stopping.
  bool wait_before_retry(std::chrono::milliseconds& backoff);
  void note_state(std::atomic<bool>& flag, bool up, const char* role);

  RedisAddress address_;
  boost::asio::any_io_executor io_;
  RedisBusSettings settings_;
  std::string node_id_;
  std::vector<Subscriber> subscribers_;  // I/O thread
  std::vector<Resync> resyncs_;          // I/O thread
  // Set by stop(), on the I/O thread; handlers posted earlier do nothing after.
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> outbox_;  // guarded by mutex_
  std::size_t outbox_bytes_ = 0;    // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_
  std::atomic<bool> publisher_up_{false};
  std::atomic<bool> subscriber_up_{false};
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace parley::bus
