// Process-wide counters and latency histograms, rendered in Prometheus' text
// format at /metrics. Relaxed atomics: any thread may count or observe, with
// no lock and no allocation; readers see a recent value.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error_code.hpp"

namespace parley::obs {

// How a client reached this node: the value of the `transport` label.
enum class Transport { ws, http };
inline constexpr std::size_t kTransports = 2;
std::string_view name_of(Transport transport);

// A latency distribution over fixed buckets (Prometheus' histogram type):
// one atomic counter per bucket and an atomic sum, so observing is a few
// relaxed additions. The count is the sum of the buckets, which keeps a
// scrape's +Inf bucket equal to its count.
class Histogram {
 public:
  // Upper bounds of the buckets in microseconds, from 50 µs to 5 s; +Inf
  // follows. kBoundLabels are the same bounds in seconds, as `le` shows them.
  static constexpr std::array<std::uint64_t, 16> kBoundsUs = {
      50,    100,   250,    500,    1000,   2500,    5000,    10000,
      25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000};
  static constexpr std::array<std::string_view, 16> kBoundLabels = {
      "0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
      "0.025",   "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5"};
  static constexpr std::size_t kBuckets = kBoundsUs.size() + 1;  // the last: +Inf

  void observe(std::chrono::nanoseconds elapsed);
  void observe_since(std::chrono::steady_clock::time_point start) {
    observe(std::chrono::steady_clock::now() - start);
  }

  struct Snapshot {
    std::array<std::uint64_t, kBuckets> cumulative = {};  // observations <= each bound
    std::uint64_t count = 0;                              // == cumulative.back()
    double sum_seconds = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_ = {};
  std::atomic<std::uint64_t> sum_ns_{0};
};

using PerTransport = std::array<std::atomic<std::uint64_t>, kTransports>;

struct Counters {
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> ws_connections_opened{0};
  std::atomic<std::uint64_t> ws_frames_received{0};
  std::atomic<std::uint64_t> ws_frames_refused{0};
  std::atomic<std::uint64_t> ws_slow_clients_closed{0};
  std::atomic<std::uint64_t> ws_reads_throttled{0};    // a connection used up its frame allowance
  std::atomic<std::uint64_t> ws_ephemeral_dropped{0};  // typing not sent to a busy client
  std::atomic<std::uint64_t> messages_stored{0};
  std::atomic<std::uint64_t> messages_duplicate{0};
  std::atomic<std::uint64_t> store_transactions{0};
  std::atomic<std::uint64_t> store_failures{0};
  std::atomic<std::uint64_t> password_hashes{0};        // argon2id runs (hash or verify)
  std::atomic<std::uint64_t> password_jobs_dropped{0};  // skipped: the client had gone
  std::atomic<std::uint64_t> password_jobs_refused{0};  // the queue was full
  // Reads of stored messages asked of the store: history pages, polls that
  // found something new, WebSocket replays.
  std::atomic<std::uint64_t> history_reads{0};
  // A room's gate read a missing seq from the store (another node's message
  // lost or late on the bus).
  std::atomic<std::uint64_t> gap_fetches{0};
  std::atomic<std::uint64_t> bus_events_published{0};  // sent to other nodes
  std::atomic<std::uint64_t> bus_events_received{0};   // from other nodes
  std::atomic<std::uint64_t> bus_events_refused{0};    // from other nodes, unreadable
  std::atomic<std::uint64_t> bus_events_dropped{0};    // waited too long for Redis
  std::atomic<std::uint64_t> bus_subscriptions{0};     // subscriptions made (the first counts)
  // Messages (edits, deletes, reactions) acknowledged to the client that
  // sent them, by transport; a repeated client id is acknowledged again.
  PerTransport messages_received = {};
  // Messages released to clients: queued for WebSocket members, or carried
  // by poll and long-poll answers.
  PerTransport deliveries = {};
  // Error frames (ws) and error answers (http), by transport and code.
  std::array<std::array<std::atomic<std::uint64_t>, core::kErrorCodes.size()>, kTransports> errors =
      {};
};

struct Histograms {
  Histogram store_commit;  // one transaction of the store worker
  // From a send frame's receipt (or an HTTP post's routing) to its ack
  // queued for the client.
  std::array<Histogram, kTransports> ack_latency;
  // From a commit result on the I/O thread to its message queued for every
  // local member (and long poll) of its room.
  Histogram fanout;
};

Counters& counters();
Histograms& histograms();

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  counter.fetch_add(by, std::memory_order_relaxed);
}
inline void count(PerTransport& counters, Transport transport, std::uint64_t by = 1) {
  count(counters[static_cast<std::size_t>(transport)], by);
}
void count_error(Transport transport, core::ErrorCode code);
inline Histogram& ack_latency(Transport transport) {
  return histograms().ack_latency[static_cast<std::size_t>(transport)];
}

// A value the caller reads at scrape time.
struct Gauge {
  std::string_view name;
  std::string_view help;
  double value = 0;
};

// The counters, the histograms, `gauges` and the process' own figures
// (memory, descriptors, CPU time), in Prometheus text format 0.0.4.
std::string render_metrics(std::span<const Gauge> gauges);

// A label value as the text format writes it: \, " and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace parley::obs
