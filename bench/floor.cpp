// parley-floor: what this machine's kernel and disk cost before any server
// code runs, so that parley-bench's figures can be read against the floor
// under them (docs/performance.md, "The machine's floor").
//
//   parley-floor fanout [--groups G] [--members M] [--rate R] [--bytes B]
//                       [--duration S]
//     A relay thread waits in epoll, reads one small message from a member's
//     socket and writes B bytes to every member of that group over loopback
//     TCP, one send per member, as a server does for a live message. A client
//     thread sends R messages per second per group and reads every delivery.
//     The relay's CPU time per delivery is the least any server pays for one
//     on this machine: no framing, no JSON, no store, no other thread.
//
//   parley-floor sync [--dir D] [--count N] [--rate R]
//     N appends of one 4 KiB page (and a 24-byte header, as a SQLite WAL frame
//     has) to a file in D, each followed by fdatasync, as a durable commit
//     ends: CPU time and latency per sync.
//
// Each prints a few lines for people and one line of JSON.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "process_stats.hpp"

namespace {

using parley::bench::Histogram;
using Clock = std::chrono::steady_clock;

// What a member sends: about the size of a short `send` frame.
constexpr ssize_t kMessageBytes = 64;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "parley-floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

struct Options {
  std::string mode;
  std::size_t groups = 100;
  std::size_t members = 10;
  double rate =
      10;  // fanout: messages per second per group; sync: syncs per second (0: back to back)
  std::size_t bytes = 200;
  double duration = 10;
  std::string dir = ".";
  std::size_t count = 2000;
};

bool parse(int argc, char** argv, Options& options) {
  if (argc < 2) return false;
  options.mode = argv[1];
  if (options.mode == "sync") options.rate = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--groups")
      options.groups = std::strtoul(value, nullptr, 10);
    else if (name == "--members")
      options.members = std::strtoul(value, nullptr, 10);
    else if (name == "--rate")
      options.rate = std::strtod(value, nullptr);
    else if (name == "--bytes")
      options.bytes = std::strtoul(value, nullptr, 10);
    else if (name == "--duration")
      options.duration = std::strtod(value, nullptr);
    else if (name == "--dir")
      options.dir = value;
    else if (name == "--count")
      options.count = std::strtoul(value, nullptr, 10);
    else
      return false;
  }
  if (argc % 2 != 0) return false;
  if (options.mode == "fanout")
    return options.groups > 0 && options.members > 0 && options.rate > 0 && options.bytes > 0 &&
           options.bytes <= 65536 && options.duration > 0;
  return options.mode == "sync" && options.count > 0 && options.rate >= 0;
}

// ---- fanout ----

struct Pair {
  int relay_side;   // the server's end of the connection
  int client_side;  // the member's end
};

std::vector<Pair> connect_pairs(std::size_t count) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0) fail("bind");
  if (::listen(listener, 1024) != 0) fail("listen");
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    fail("getsockname");

  std::vector<Pair> pairs;
  pairs.reserve(count);
  const int one = 1;
  for (std::size_t i = 0; i < count; ++i) {
    Pair pair{};
    pair.client_side = ::socket(AF_INET, SOCK_STREAM, 0);
    if (pair.client_side < 0) fail("socket (raise the open-files limit?)");
    if (::connect(pair.client_side, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      fail("connect");
    pair.relay_side = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (pair.relay_side < 0) fail("accept");
    // As parley sets it: each message goes out at once.
    ::setsockopt(pair.relay_side, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(pair.client_side, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(pair.client_side, F_SETFL, O_NONBLOCK);
    pairs.push_back(pair);
  }
  ::close(listener);
  return pairs;
}

// An epoll set over one end of every pair; an event carries the pair's index.
int watch(const std::vector<Pair>& pairs, int Pair::*end) {
  const int poller = ::epoll_create1(0);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, pairs[i].*end, &event);
  }
  return poller;
}

// The server's part: wait, read one message, send it to the whole group.
void relay(const std::vector<Pair>& pairs, const Options& options, const std::atomic<bool>& stop) {
  const int poller = watch(pairs, &Pair::relay_side);
  const std::string delivery(options.bytes, 'x');
  std::vector<char> incoming(4096);
  std::vector<epoll_event> events(256);
  while (!stop.load(std::memory_order_relaxed)) {
    const int ready = ::epoll_wait(poller, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < ready; ++e) {
      const std::size_t index = events[e].data.u64;
      const ssize_t got = ::recv(pairs[index].relay_side, incoming.data(), incoming.size(), 0);
      const std::size_t first = index / options.members * options.members;
      for (ssize_t message = 0; message + kMessageBytes <= got; message += kMessageBytes)
        for (std::size_t m = first; m < first + options.members; ++m)
          ::send(pairs[m].relay_side, delivery.data(), delivery.size(), MSG_NOSIGNAL);
    }
  }
  ::close(poller);
}

struct ClientCounts {
  std::uint64_t sent = 0;
  std::uint64_t bytes_received = 0;
};

// The members' part: a timer paces the sends (one member of the next group
// each time), and every delivery is read.
ClientCounts run_clients(const std::vector<Pair>& pairs, const Options& options,
                         Clock::time_point until) {
  const int poller = watch(pairs, &Pair::client_side);
  const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  itimerspec tick{};
  tick.it_interval.tv_nsec = 1'000'000;  // 1 ms
  tick.it_value.tv_nsec = 1'000'000;
  ::timerfd_settime(timer, 0, &tick, nullptr);
  epoll_event timer_event{};
  timer_event.events = EPOLLIN;
  timer_event.data.u64 = UINT64_MAX;
  ::epoll_ctl(poller, EPOLL_CTL_ADD, timer, &timer_event);

  ClientCounts counts;
  const double per_second = options.rate * static_cast<double>(options.groups);
  const Clock::time_point start = Clock::now();
  const char message[kMessageBytes] = "{\"type\":\"send\"}";
  std::vector<char> buffer(1 << 16);
  std::vector<epoll_event> events(256);
  std::size_t next_group = 0;
  const Clock::time_point drained_by = until + std::chrono::seconds(1);
  while (Clock::now() < drained_by) {
    const int ready = ::epoll_wait(poller, events.data(), static_cast<int>(events.size()), 10);
    for (int e = 0; e < ready; ++e) {
      if (events[e].data.u64 == UINT64_MAX) {
        std::uint64_t expirations = 0;
        if (::read(timer, &expirations, sizeof expirations) < 0) continue;
        const Clock::time_point now = Clock::now();
        if (now >= until) continue;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const auto due = static_cast<std::uint64_t>(elapsed * per_second);
        for (; counts.sent < due; ++counts.sent) {
          const std::size_t sender = next_group * options.members + counts.sent % options.members;
          ::send(pairs[sender].client_side, message, sizeof message, MSG_NOSIGNAL);
          next_group = (next_group + 1) % options.groups;
        }
        continue;
      }
      const ssize_t got =
          ::recv(pairs[events[e].data.u64].client_side, buffer.data(), buffer.size(), 0);
      if (got > 0) counts.bytes_received += static_cast<std::uint64_t>(got);
    }
  }
  ::close(timer);
  ::close(poller);
  return counts;
}

int run_fanout(const Options& options) {
  parley::bench::raise_open_files_limit();
  const std::vector<Pair> pairs = connect_pairs(options.groups * options.members);
  std::atomic<bool> stop{false};
  std::thread relay_thread([&] { relay(pairs, options, stop); });

  const std::uint64_t relay_cpu_before = parley::bench::thread_cpu_ns(relay_thread.native_handle());
  const Clock::time_point started = Clock::now();
  const auto until = started + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.duration));
  const ClientCounts counts = run_clients(pairs, options, until);
  const std::uint64_t relay_cpu_ns =
      parley::bench::thread_cpu_ns(relay_thread.native_handle()) - relay_cpu_before;
  stop = true;
  relay_thread.join();
  for (const Pair& pair : pairs) {
    ::close(pair.relay_side);
    ::close(pair.client_side);
  }

  const std::uint64_t expected = counts.sent * options.members;
  const std::uint64_t deliveries = counts.bytes_received / options.bytes;
  const double per_delivery_us = deliveries == 0 ? 0 : relay_cpu_ns / 1e3 / deliveries;
  std::printf(
      "fanout      %zu groups x %zu members, %.0f messages/s, %zu-byte deliveries, %.1f s\n",
      options.groups, options.members, options.rate * options.groups, options.bytes,
      options.duration);
  std::printf("deliveries  %llu of %llu\n", static_cast<unsigned long long>(deliveries),
              static_cast<unsigned long long>(expected));
  std::printf(
      "relay CPU   %.2f us per delivery, %.1f us per message (epoll_wait, recv, %zu sends)\n",
      per_delivery_us, per_delivery_us * options.members, options.members);
  std::printf(
      "{\"mode\":\"fanout\",\"groups\":%zu,\"members\":%zu,\"rate\":%g,\"bytes\":%zu,"
      "\"sent\":%llu,\"deliveries_expected\":%llu,\"deliveries\":%llu,\"relay_cpu_s\":%.3f,"
      "\"relay_cpu_us_per_delivery\":%.3f}\n",
      options.groups, options.members, options.rate, options.bytes,
      static_cast<unsigned long long>(counts.sent), static_cast<unsigned long long>(expected),
      static_cast<unsigned long long>(deliveries), relay_cpu_ns / 1e9, per_delivery_us);
  return deliveries == expected ? 0 : 1;
}

// ---- sync ----

int run_sync(const Options& options) {
  const std::string path = options.dir + "/parley-floor.tmp";
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (file < 0) fail("open");
  ::unlink(path.c_str());  // gone when closed

  constexpr std::size_t kFrame = 24 + 4096;
  constexpr std::size_t kWrapAt = 4u << 20;  // a WAL is reused from its start after a checkpoint
  const std::string frame(kFrame, 'w');
  Histogram latency;
  const auto gap = options.rate > 0 ? std::chrono::duration<double>(1 / options.rate)
                                    : std::chrono::duration<double>(0);
  const std::uint64_t cpu_before = parley::bench::thread_cpu_ns(::pthread_self());
  const Clock::time_point started = Clock::now();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < options.count; ++i) {
    if (options.rate > 0)
      std::this_thread::sleep_until(started + std::chrono::duration_cast<Clock::duration>(gap * i));
    const Clock::time_point before = Clock::now();
    if (::pwrite(file, frame.data(), frame.size(), static_cast<off_t>(offset)) < 0) fail("pwrite");
    if (::fdatasync(file) != 0) fail("fdatasync");
    latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - before).count()));
    offset = (offset + kFrame) % kWrapAt;
  }
  const std::uint64_t cpu_ns = parley::bench::thread_cpu_ns(::pthread_self()) - cpu_before;
  ::close(file);

  const double cpu_us = cpu_ns / 1e3 / options.count;
  auto ms = [&](double percent) { return latency.percentile(percent) / 1e6; };
  std::printf("sync        %zu appends of %zu bytes, each with fdatasync, in %s\n", options.count,
              kFrame, options.dir.c_str());
  std::printf("CPU         %.1f us per sync (the write and the fdatasync)\n", cpu_us);
  std::printf("latency     p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n", ms(50), ms(99),
              ms(99.9), latency.max() / 1e6);
  std::printf(
      "{\"mode\":\"sync\",\"count\":%zu,\"cpu_us_per_sync\":%.2f,\"latency_us\":{\"p50\":%.1f,"
      "\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f}}\n",
      options.count, cpu_us, ms(50) * 1e3, ms(99) * 1e3, ms(99.9) * 1e3, latency.max() / 1e3);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: parley-floor fanout [--groups G] [--members M] [--rate R] [--bytes B] "
                 "[--duration S]\n"
                 "       parley-floor sync [--dir D] [--count N] [--rate R]\n");
    return 2;
  }
  return options.mode == "fanout" ? run_fanout(options) : run_sync(options);
}
