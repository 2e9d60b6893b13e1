// Plays one scenario: starts the I/O threads and the clients, steps through
// the phases (connect, warm up, measure, drain), prints progress, and gathers
// the figures. Runs on the main thread; the clients run on the Workers.
#pragma once

#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "options.hpp"
#include "run_result.hpp"
#include "run_state.hpp"

namespace parley::bench {

class Runner {
 public:
  explicit Runner(const Options& options);
  RunResult run();

 private:
  void create_clients();
  void start_threads();
  void stop_threads();
  void connect_all(RunResult& result);
  void measure(RunResult& result);
  // Waits, printing progress; stops early when `done` returns true.
  template <class Done>
  void wait_for(double seconds, const char* phase, Done done);
  void print_progress(const char* phase);
  // Time spent waiting for a CPU so far: the server's main thread, each of ours.
  std::uint64_t server_main_wait() const;
  std::vector<std::uint64_t> own_thread_waits() const;
  std::uint64_t expected_so_far() const;

  const Options& options_;
  RunState run_;
  std::vector<std::thread> threads_;
  std::uint64_t started_ns_ = 0;
  std::uint64_t last_progress_ns_ = 0;
  std::uint64_t last_progress_deliveries_ = 0;
  std::uint64_t last_progress_requests_ = 0;
};

}  // namespace parley::bench
