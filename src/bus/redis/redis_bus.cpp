#include "bus/redis/redis_bus.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <random>

#include "bus/event_codec.hpp"
#include "bus/local_bus.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace parley::bus {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFirstBackoff{100};
// How long the subscriber waits for bytes before it looks at the time again.
constexpr int kPollMs = 200;

std::string make_node_id() {
  std::random_device random;
  const std::uint64_t bits = (std::uint64_t{random()} << 32) ^ random();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = kHex[(bits >> (4 * i)) & 0xf];
  return id;
}

timeval timeval_of(std::chrono::milliseconds duration) {
  return timeval{static_cast<time_t>(duration.count() / 1000),
                 static_cast<suseconds_t>((duration.count() % 1000) * 1000)};
}

struct ReplyDeleter {
  void operator()(void* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

RedisBus::RedisBus(RedisAddress address, boost::asio::any_io_executor io, RedisBusSettings settings)
    : address_(std::move(address)),
      io_(std::move(io)),
      settings_(std::move(settings)),
      node_id_(make_node_id()) {
  publisher_ = std::thread([this] { run_publisher(); });
  subscriber_ = std::thread([this] { run_subscriber(); });
}

RedisBus::~RedisBus() {
  stop();
}

void RedisBus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  *stopped_ = true;
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
  // The threads end without noting that they are down, yet from now on
  // nothing reaches the other nodes: is_healthy() says so (Bus's contract),
  // rather than the last state the threads saw.
  publisher_up_ = false;
  subscriber_up_ = false;
}

void RedisBus::publish(Event event) {
  event.node = node_id_;
  deliver(subscribers_, event);
  if (*stopped_) return;
  std::string payload = encode_event(event);
  {
    std::lock_guard lock(mutex_);
    outbox_bytes_ += payload.size();
    outbox_.push_back(std::move(payload));
    // Redis is away for long: the oldest go; other nodes read those messages
    // from the store when they notice the gap.
    while (outbox_bytes_ > settings_.max_outbox_bytes && outbox_.size() > 1) {
      outbox_bytes_ -= outbox_.front().size();
      outbox_.pop_front();
      obs::count(obs::counters().bus_events_dropped);
    }
  }
  wake_.notify_all();
}

void RedisBus::note_state(std::atomic<bool>& flag, bool up, const char* role) {
  if (flag.exchange(up) == up) return;
  const std::string where = address_.host + ":" + std::to_string(address_.port);
  if (up) {
    obs::log_info(std::string("redis ") + role + " connected", {{"redis", where}});
  } else {
    obs::log_warn(std::string("redis ") + role + " lost " + where +
                  ": serving this node's clients only until it is back");
  }
}

redisContext* RedisBus::connect(const char* role) {
  redisContext* context = redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                                  timeval_of(settings_.connect_timeout));
  const auto fail = [&](const std::string& why) -> redisContext* {
    obs::log_debug(std::string("redis ") + role + ": " + why);
    if (context != nullptr) redisFree(context);
    return nullptr;
  };
  if (context == nullptr) return fail("out of memory");
  if (context->err != 0) return fail(context->errstr);
  redisSetTimeout(context, timeval_of(settings_.reply_timeout));
  redisEnableKeepAlive(context);
  if (!address_.password.empty()) {
    // With a user, Redis 6's ACL form; without, the default user's password.
    Reply reply(static_cast<redisReply*>(
        address_.user.empty()
            ? redisCommand(context, "AUTH %b", address_.password.data(), address_.password.size())
            : redisCommand(context, "AUTH %b %b", address_.user.data(), address_.user.size(),
                           address_.password.data(), address_.password.size())));
    if (!reply || reply->type == REDIS_REPLY_ERROR) return fail("AUTH refused");
  }
  return context;
}

bool RedisBus::wait_before_retry(std::chrono::milliseconds& backoff) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, backoff, [this] { return stopping_; });
  backoff = std::min(backoff * 2, settings_.max_backoff);
  return !stopping_;
}

void RedisBus::run_publisher() {
  auto backoff = kFirstBackoff;
  std::deque<std::string> batch;
  for (;;) {
    redisContext* context = connect("publisher");
    if (context != nullptr) {
      backoff = kFirstBackoff;
      note_state(publisher_up_, true, "publisher");
      bool failed = false;
      while (!failed) {
        {
          std::unique_lock lock(mutex_);
          // A batch kept from a failed connection goes again at once.
          wake_.wait_for(lock, settings_.ping_interval,
                         [&] { return stopping_ || !outbox_.empty() || !batch.empty(); });
          // Stopping: what is queued still goes (a node's last presence
          // leaves), then the thread ends.
          if (stopping_ && outbox_.empty() && batch.empty()) break;
          if (batch.empty()) {
            batch.swap(outbox_);
            outbox_bytes_ = 0;
          }
        }
        if (batch.empty()) {
          // Idle: a ping notices a Redis that went away.
          Reply pong(static_cast<redisReply*>(redisCommand(context, "PING")));
          failed = !pong || pong->type == REDIS_REPLY_ERROR;
          continue;
        }
        // One pipeline for everything queued: one write, then the answers.
        for (const std::string& payload : batch) {
          redisAppendCommand(context, "PUBLISH %b %b", settings_.channel.data(),
                             settings_.channel.size(), payload.data(), payload.size());
        }
        for (std::size_t i = 0; i < batch.size() && !failed; ++i) {
          void* raw = nullptr;
          failed = redisGetReply(context, &raw) != REDIS_OK;
          Reply reply(static_cast<redisReply*>(raw));
          // Refused (NOAUTH, an ACL): nothing was published; say why.
          if (reply && reply->type == REDIS_REPLY_ERROR) {
            obs::log_warn("redis publisher: PUBLISH refused: " +
                          std::string(reply->str, reply->len));
            failed = true;
          }
        }
        // A failed batch is sent again after reconnecting: some of it may
        // arrive twice, which every receiver ignores.
        if (!failed) {
          obs::count(obs::counters().bus_events_published, batch.size());
          batch.clear();
        }
      }
      redisFree(context);
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    note_state(publisher_up_, false, "publisher");
    if (!wait_before_retry(backoff)) return;
  }
}

void RedisBus::run_subscriber() {
  auto backoff = kFirstBackoff;
  for (;;) {
    redisContext* context = connect("subscriber");
    if (context != nullptr) {
      Reply subscribed(static_cast<redisReply*>(redisCommand(
          context, "SUBSCRIBE %b", settings_.channel.data(), settings_.channel.size())));
      if (subscribed && subscribed->type == REDIS_REPLY_ARRAY) {
        backoff = kFirstBackoff;
        note_state(subscriber_up_, true, "subscriber");
        obs::count(obs::counters().bus_subscriptions);
        // Subscribed first, then caught up: nothing falls in between.
        resync_later();
        listen(context);
      }
      redisFree(context);
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    note_state(subscriber_up_, false, "subscriber");
    if (!wait_before_retry(backoff)) return;
  }
}

void RedisBus::listen(redisContext* context) {
  auto last_heard = Clock::now();
  auto last_ping = last_heard;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::vector<Event> batch;
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(context, &raw) != REDIS_OK) return;
      if (raw == nullptr) break;
      Reply reply(static_cast<redisReply*>(raw));
      // ["message", channel, payload]; anything else is a pong.
      if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) continue;
      const redisReply* kind = reply->element[0];
      const redisReply* payload = reply->element[2];
      if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "message" ||
          payload->type != REDIS_REPLY_STRING) {
        continue;
      }
      auto event = decode_event(std::string_view(payload->str, payload->len));
      if (!event) {
        obs::count(obs::counters().bus_events_refused);
        continue;
      }
      if (event->node == node_id_) continue;  // delivered here when published
      batch.push_back(std::move(*event));
    }
    if (!batch.empty()) deliver_later(std::move(batch));

    const auto now = Clock::now();
    if (now - last_heard > settings_.silence_limit) {
      obs::log_warn("redis subscriber: no answer from Redis; reconnecting");
      return;
    }
    if (now - last_ping >= settings_.ping_interval) {
      last_ping = now;
      redisAppendCommand(context, "PING");
      int done = 0;
      while (done == 0) {
        if (redisBufferWrite(context, &done) != REDIS_OK) return;
      }
    }
    pollfd readable{context->fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, kPollMs);
    if (ready < 0 && errno != EINTR) return;
    if (ready > 0) {
      if (redisBufferRead(context) != REDIS_OK) return;
      last_heard = Clock::now();
    }
  }
}

void RedisBus::deliver_later(std::vector<Event> events) {
  boost::asio::post(io_, [this, stopped = stopped_, events = std::move(events)] {
    if (*stopped) return;
    for (const Event& event : events) {
      obs::count(obs::counters().bus_events_received);
      deliver(subscribers_, event);
    }
  });
}

void RedisBus::resync_later() {
  boost::asio::post(io_, [this, stopped = stopped_] {
    if (*stopped) return;
    for (const Resync& resync : resyncs_) resync();
  });
}

}  // namespace parley::bus
