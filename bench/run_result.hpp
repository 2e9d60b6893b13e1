// The figures of one run, as the runner gathered them; the report turns them
// into rates, shares and costs per unit of work.
#pragma once

#include <cstdint>
#include <optional>

#include "histogram.hpp"

namespace parley::bench {

struct RunResult {
  std::uint64_t open_files_limit = 0;
  std::size_t connections_wanted = 0;
  std::uint64_t connected = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
  double connect_seconds = 0;  // first connection started to last one set up
  std::optional<std::uint64_t> server_connect_cpu_ns;  // while connecting
  std::uint64_t own_connect_cpu_ns = 0;

  std::optional<std::uint64_t> server_rss_before;  // before any connection
  std::optional<std::uint64_t> server_rss_connected;

  double window_seconds = 0;                     // the measured window (with --idle: the hold)
  std::optional<std::uint64_t> server_cpu_ns;    // during the window
  std::uint64_t server_main_thread_cpu_ns = 0;   // its I/O thread
  std::uint64_t server_other_thread_cpu_ns = 0;  // its busiest other thread (the store's)
  std::uint64_t server_main_thread_wait_ns = 0;  // runnable but waiting for a CPU
  std::uint64_t own_cpu_ns = 0;
  std::uint64_t own_thread_wait_ns = 0;  // the longest wait of the tool's I/O threads
  std::uint64_t busiest_thread_cpu_ns = 0;

  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t measured_acks = 0;
  std::uint64_t expected = 0;  // deliveries due to receivers still connected
  std::uint64_t received = 0;  // of those, distinct ones that arrived
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t measured_deliveries = 0;
  std::uint64_t errors = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t requests = 0;
  std::uint64_t measured_requests = 0;
  bool drained = true;  // every ack and delivery came within --drain

  Histogram latency;
  Histogram request_latency;
};

}  // namespace parley::bench
