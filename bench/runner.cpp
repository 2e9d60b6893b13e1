#include "runner.hpp"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <iostream>

#include "figures.hpp"
#include "http_client.hpp"
#include "nodes.hpp"
#include "process_stats.hpp"
#include "ws_client.hpp"

namespace parley::bench {

namespace asio = boost::asio;

namespace {

constexpr auto kTick = std::chrono::milliseconds(2);
constexpr double kSettleSeconds = 1.0;  // after connecting, before reading the server's memory

double seconds_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

}  // namespace

Runner::Runner(const Options& options) : options_(options), run_(options) {}

RunResult Runner::run() {
  RunResult result;
  result.open_files_limit = raise_open_files_limit();
  result.connections_wanted = options_.total_connections();
  if (result.open_files_limit < result.connections_wanted + 32) {
    std::cerr << "parley-bench: warning: open-files limit " << result.open_files_limit
              << " is below the " << result.connections_wanted << " connections wanted\n";
  }
  for (const std::uint16_t port : options_.ports) {
    run_.servers.emplace_back(asio::ip::make_address(options_.host), port);
    run_.host_headers.push_back(options_.host + ":" + std::to_string(port));
  }
  for (std::size_t i = 0; i < options_.source_addresses; ++i) {
    run_.sources.push_back(asio::ip::address_v4(0x7f000002u + static_cast<std::uint32_t>(i)));
  }
  if (options_.server_pid > 0) result.server_rss_before = read_resident_bytes(options_.server_pid);
  create_clients();
  start_threads();
  started_ns_ = now_ns();
  last_progress_ns_ = started_ns_;
  connect_all(result);
  if (result.connected > 0) measure(result);
  run_.phase = Phase::done;
  stop_threads();
  gather_figures(run_, result);
  return result;
}

void Runner::create_clients() {
  for (unsigned i = 0; i < options_.threads; ++i) {
    run_.workers.push_back(std::make_unique<Worker>(run_));
  }
  const bool over_ws = options_.transport == Transport::ws;
  const std::size_t per_room =
      options_.members_per_room + (over_ws ? 0 : options_.senders_per_room);
  // Member-major order, so connections fill every room evenly as they come.
  // With several nodes each room's members are spread over them (node_of).
  std::size_t index = 0;
  for (std::size_t member = 0; member < per_room; ++member) {
    for (std::size_t room = 0; room < options_.rooms; ++room, ++index) {
      Worker& worker = *run_.workers[index % run_.workers.size()];
      const bool sends = member < options_.senders_per_room;
      // Over HTTP the first members of a room are posters; the rest poll.
      const bool receives = over_ws || !sends;
      const Placement placement{room, index, node_of(member, room, options_.nodes())};
      std::shared_ptr<Client> client;
      if (over_ws) {
        client = std::make_shared<WsClient>(worker, placement, receives, sends && !options_.idle);
      } else {
        client = std::make_shared<HttpClient>(worker, placement, receives, sends && !options_.idle);
      }
      worker.clients.push_back(std::move(client));
    }
  }
}

void Runner::start_threads() {
  for (auto& worker : run_.workers) {
    threads_.emplace_back([worker = worker.get()] {
      worker->tid = static_cast<int>(::gettid());
      auto& io = worker->io;
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
}

void Runner::stop_threads() {
  for (auto& worker : run_.workers) worker->io.stop();
  for (auto& thread : threads_) thread.join();
}

void Runner::connect_all(RunResult& result) {
  // Clients in start order: index i lives on worker i % threads, slot i / threads.
  const std::size_t total = options_.total_connections();
  const std::size_t workers = run_.workers.size();
  const int pid = options_.server_pid;
  const auto server_cpu_before = pid > 0 ? read_process_cpu_ns(pid) : std::nullopt;
  const std::uint64_t own_cpu_before = own_cpu_ns();
  std::size_t started = 0;
  std::uint64_t last_set_up_ns = started_ns_;
  std::uint64_t settled = 0;
  const auto deadline =
      started_ns_ + static_cast<std::uint64_t>(options_.connect_timeout_seconds * 1e9);
  while (now_ns() < deadline) {
    const Totals totals = sum_counters(run_);
    if (totals.connected != settled) last_set_up_ns = now_ns();
    settled = totals.connected;
    const std::uint64_t finished = totals.connected + totals.failed;
    if (finished >= total) break;
    std::size_t allowed = total;
    if (options_.connect_rate > 0) {
      allowed =
          static_cast<std::size_t>(options_.connect_rate * seconds_between(started_ns_, now_ns())) +
          1;
    }
    while (started < total && started < allowed && started - finished < options_.connect_window) {
      Worker& worker = *run_.workers[started % workers];
      Client* client = worker.clients[started / workers].get();
      asio::post(worker.io, [client] { client->start(); });
      ++started;
    }
    print_progress("connecting");
    std::this_thread::sleep_for(kTick);
  }
  const Totals totals = sum_counters(run_);
  if (totals.connected != settled) last_set_up_ns = now_ns();
  result.connect_seconds = seconds_between(started_ns_, last_set_up_ns);
  result.own_connect_cpu_ns = own_cpu_ns() - own_cpu_before;
  const auto server_cpu_after = pid > 0 ? read_process_cpu_ns(pid) : std::nullopt;
  if (server_cpu_before && server_cpu_after) {
    result.server_connect_cpu_ns = *server_cpu_after - *server_cpu_before;
  }
  result.connected = totals.connected;
  if (totals.connected + totals.failed < total) {
    std::cerr << "parley-bench: connect timeout: " << totals.connected << " of " << total
              << " set up\n";
  }
  if (pid > 0) {
    wait_for(kSettleSeconds, "settling", [] { return false; });
    result.server_rss_connected = read_resident_bytes(pid);
  }
}

void Runner::measure(RunResult& result) {
  if (!options_.idle) {
    run_.phase = Phase::warmup;
    for (auto& worker : run_.workers) {
      for (auto& client : worker->clients) {
        if (client->sends()) asio::post(worker->io, [c = client.get()] { c->start_sending(); });
      }
    }
    wait_for(options_.warmup_seconds, "warmup", [] { return false; });
  }
  // The measured window: server and tool CPU are read at both ends.
  const auto server_cpu_before =
      options_.server_pid > 0 ? read_process_cpu_ns(options_.server_pid) : std::nullopt;
  const auto server_threads_before =
      options_.server_pid > 0 ? read_thread_cpu(options_.server_pid) : std::vector<ThreadCpu>{};
  const std::uint64_t server_wait_before = server_main_wait();
  const std::vector<std::uint64_t> own_waits_before = own_thread_waits();
  const std::uint64_t own_before = own_cpu_ns();
  std::vector<std::uint64_t> threads_before;
  for (auto& thread : threads_) threads_before.push_back(thread_cpu_ns(thread.native_handle()));
  const std::uint64_t window_start = now_ns();
  if (!options_.idle) run_.phase = Phase::measuring;
  wait_for(options_.duration_seconds, options_.idle ? "holding" : "measuring",
           [] { return false; });
  if (!options_.idle) run_.phase = Phase::draining;
  const std::uint64_t window_end = now_ns();
  const auto server_cpu_after =
      options_.server_pid > 0 ? read_process_cpu_ns(options_.server_pid) : std::nullopt;
  result.own_cpu_ns = own_cpu_ns() - own_before;
  result.server_main_thread_wait_ns = server_main_wait() - server_wait_before;
  const std::vector<std::uint64_t> own_waits_after = own_thread_waits();
  for (std::size_t i = 0; i < own_waits_after.size(); ++i) {
    result.own_thread_wait_ns =
        std::max(result.own_thread_wait_ns, own_waits_after[i] - own_waits_before[i]);
  }
  if (options_.server_pid > 0) {
    note_server_threads(options_.server_pid, server_threads_before,
                        read_thread_cpu(options_.server_pid), result);
  }
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    const std::uint64_t used = thread_cpu_ns(threads_[i].native_handle()) - threads_before[i];
    result.busiest_thread_cpu_ns = std::max(result.busiest_thread_cpu_ns, used);
  }
  result.window_seconds = seconds_between(window_start, window_end);
  if (server_cpu_before && server_cpu_after) {
    result.server_cpu_ns = *server_cpu_after - *server_cpu_before;
  }
  if (options_.idle) return;
  // Drain: every send acked, every delivery due arrived (or time is up).
  bool drained = false;
  wait_for(options_.drain_seconds, "draining", [&] {
    const Totals totals = sum_counters(run_);
    drained = totals.sent == totals.acked && totals.deliveries >= expected_so_far();
    return drained;
  });
  result.drained = drained;
}

std::uint64_t Runner::server_main_wait() const {
  if (options_.server_pid <= 0) return 0;
  return read_run_delay_ns(options_.server_pid, options_.server_pid).value_or(0);
}

std::vector<std::uint64_t> Runner::own_thread_waits() const {
  std::vector<std::uint64_t> waits;
  for (const auto& worker : run_.workers) {
    waits.push_back(read_run_delay_ns(::getpid(), worker->tid.load()).value_or(0));
  }
  return waits;
}

template <class Done>
void Runner::wait_for(double seconds, const char* phase, Done done) {
  const std::uint64_t until = now_ns() + static_cast<std::uint64_t>(seconds * 1e9);
  while (now_ns() < until) {
    if (done()) return;
    print_progress(phase);
    std::this_thread::sleep_for(kTick);
  }
}

std::uint64_t Runner::expected_so_far() const {
  std::uint64_t expected = 0;
  for (std::size_t r = 0; r < options_.rooms; ++r) {
    const RoomState& room = run_.rooms[r];
    expected += room.receivers.load() * room.final_seq.load() - room.joined_seq_sum.load();
  }
  return expected;
}

void Runner::print_progress(const char* phase) {
  const std::uint64_t now = now_ns();
  if (options_.quiet || now - last_progress_ns_ < 1'000'000'000ull) return;
  const Totals t = sum_counters(run_);
  const double elapsed = seconds_between(last_progress_ns_, now);
  const double deliveries_per_second =
      static_cast<double>(t.deliveries - last_progress_deliveries_) / elapsed;
  const double requests_per_second =
      static_cast<double>(t.requests - last_progress_requests_) / elapsed;
  last_progress_ns_ = now;
  last_progress_deliveries_ = t.deliveries;
  last_progress_requests_ = t.requests;
  std::fprintf(
      stderr,
      "[%5.1fs] %-10s conns %llu/%zu (failed %llu, dropped %llu)  sent %llu  acked %llu  "
      "deliveries %llu (%.0f/s)  requests %.0f/s  dup %llu  ooo %llu  errors %llu\n",
      seconds_between(started_ns_, now), phase, static_cast<unsigned long long>(t.connected),
      options_.total_connections(), static_cast<unsigned long long>(t.failed),
      static_cast<unsigned long long>(t.dropped), static_cast<unsigned long long>(t.sent),
      static_cast<unsigned long long>(t.acked), static_cast<unsigned long long>(t.deliveries),
      deliveries_per_second, requests_per_second, static_cast<unsigned long long>(t.duplicated),
      static_cast<unsigned long long>(t.out_of_order), static_cast<unsigned long long>(t.errors));
}

}  // namespace parley::bench
