// Process-wide counters, rendered in Prometheus' text format at /metrics.
// Relaxed atomics: any thread may count; readers see a recent value.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parley::obs {

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
};

Counters& counters();

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  counter.fetch_add(by, std::memory_order_relaxed);
}

// The counters, then `gauges` (name, value), in Prometheus text format.
std::string render_metrics(const std::vector<std::pair<std::string, double>>& gauges);

}  // namespace parley::obs
