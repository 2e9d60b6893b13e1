// What the runner and its clients share: the phase of the run, per-room
// figures (atomics: clients on either I/O thread update them), and one
// Worker per I/O thread holding that thread's counters and histograms.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "options.hpp"

namespace parley::bench {

enum class Phase { connecting, warmup, measuring, draining, done };

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Written by one thread only, so a relaxed load and store replaces a locked
// increment; the progress line reads them from another thread.
using Counter = std::atomic<std::uint64_t>;
inline void bump(Counter& counter, std::uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
inline void unbump(Counter& counter, std::uint64_t by) {
  counter.store(counter.load(std::memory_order_relaxed) - by, std::memory_order_relaxed);
}
inline std::uint64_t read(const Counter& counter) {
  return counter.load(std::memory_order_relaxed);
}

struct Counters {
  Counter connected{0};  // set up: identified and joined (or, HTTP, first poll answered)
  Counter failed{0};     // never got that far
  Counter dropped{0};    // closed by the server or the network after setup
  Counter sent{0};
  Counter acked{0};
  Counter measured_acks{0};
  Counter deliveries{0};  // distinct messages received
  Counter measured_deliveries{0};
  Counter duplicated{0};
  Counter out_of_order{0};
  Counter errors{0};      // error frames and unexpected HTTP statuses
  Counter reconnects{0};  // HTTP keep-alive connections the server closed while idle
  Counter requests{0};    // HTTP polls answered
  Counter measured_requests{0};
};

struct RoomState {
  std::atomic<std::uint64_t> final_seq{0};  // highest acked seq
  std::atomic<std::uint64_t> receivers{0};  // set up and not dropped
  std::atomic<std::uint64_t> joined_seq_sum{0};

  void note_acked(std::uint64_t seq) {
    std::uint64_t seen = final_seq.load(std::memory_order_relaxed);
    while (seq > seen && !final_seq.compare_exchange_weak(seen, seq, std::memory_order_relaxed)) {
    }
  }
};

class Client;

struct RunState;

// One I/O thread: its io_context, the clients it runs, and their figures.
struct Worker {
  explicit Worker(RunState& run) : run(run), io(1) {}
  RunState& run;
  boost::asio::io_context io;
  Counters counters;
  Histogram latency;          // send to receipt, measured window only
  Histogram request_latency;  // HTTP poll round trips, measured window only
  std::atomic<int> tid{0};    // of the thread running `io`, once it runs
  std::vector<std::shared_ptr<Client>> clients;
};

struct RunState {
  explicit RunState(const Options& options)
      : options(options), rooms(std::make_unique<RoomState[]>(options.rooms)) {}

  const Options& options;
  std::vector<boost::asio::ip::tcp::endpoint> servers;  // one per node, as in options.ports
  std::vector<std::string> host_headers;                // "address:port", for HTTP requests
  std::vector<boost::asio::ip::address_v4> sources;
  std::atomic<Phase> phase{Phase::connecting};
  std::unique_ptr<RoomState[]> rooms;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<int> problems_logged{0};  // the first few errors are printed, not all

  Phase current_phase() const { return phase.load(std::memory_order_relaxed); }
  bool is_sending() const {
    const Phase now = current_phase();
    return now == Phase::warmup || now == Phase::measuring;
  }
};

}  // namespace parley::bench
