// Adding up what the clients counted: the live totals for the progress line,
// and, once the I/O threads have stopped, the exact figures of the run.
#pragma once

#include <cstdint>
#include <vector>

#include "process_stats.hpp"
#include "run_result.hpp"
#include "run_state.hpp"

namespace parley::bench {

// The Workers' counters added up (each is exact; the sum is a moment's view).
struct Totals {
  std::uint64_t connected = 0, failed = 0, dropped = 0, sent = 0, acked = 0, deliveries = 0,
                duplicated = 0, out_of_order = 0, errors = 0, requests = 0;
};

Totals sum_counters(const RunState& run);

// Splits the server's CPU in the window between its main (I/O) thread and
// its busiest other thread, which is where a bottleneck shows first.
void note_server_threads(int pid, const std::vector<ThreadCpu>& before,
                         const std::vector<ThreadCpu>& after, RunResult& result);

// Loss, duplicates, order and histograms from every client. Only once the
// I/O threads have stopped.
void gather_figures(const RunState& run, RunResult& result);

}  // namespace parley::bench
