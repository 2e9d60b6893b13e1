#include "figures.hpp"

#include <algorithm>

#include "client.hpp"

namespace parley::bench {

Totals sum_counters(const RunState& run) {
  Totals t;
  for (const auto& worker : run.workers) {
    const Counters& c = worker->counters;
    t.connected += read(c.connected);
    t.failed += read(c.failed);
    t.dropped += read(c.dropped);
    t.sent += read(c.sent);
    t.acked += read(c.acked);
    t.deliveries += read(c.deliveries);
    t.duplicated += read(c.duplicated);
    t.out_of_order += read(c.out_of_order);
    t.errors += read(c.errors);
    t.requests += read(c.requests);
  }
  return t;
}

void note_server_threads(int pid, const std::vector<ThreadCpu>& before,
                         const std::vector<ThreadCpu>& after, RunResult& result) {
  for (const ThreadCpu& thread : after) {
    std::uint64_t used = thread.cpu_ns;
    for (const ThreadCpu& earlier : before) {
      if (earlier.tid == thread.tid) used -= earlier.cpu_ns;
    }
    if (thread.tid == pid) {
      result.server_main_thread_cpu_ns = used;
    } else {
      result.server_other_thread_cpu_ns = std::max(result.server_other_thread_cpu_ns, used);
    }
  }
}

void gather_figures(const RunState& run, RunResult& result) {
  for (const auto& worker : run.workers) {
    const Counters& c = worker->counters;
    result.failed += read(c.failed);
    result.dropped += read(c.dropped);
    result.sent += read(c.sent);
    result.acked += read(c.acked);
    result.measured_acks += read(c.measured_acks);
    result.measured_deliveries += read(c.measured_deliveries);
    result.errors += read(c.errors);
    result.reconnects += read(c.reconnects);
    result.requests += read(c.requests);
    result.measured_requests += read(c.measured_requests);
    result.latency.merge(worker->latency);
    result.request_latency.merge(worker->request_latency);
    for (const auto& client : worker->clients) {
      if (!client->receives() || !client->is_set_up() || client->is_dropped()) continue;
      const SeqTracker& tracker = client->tracker();
      const std::uint64_t final_seq = run.rooms[client->room()].final_seq.load();
      const std::uint64_t due =
          final_seq > tracker.joined_seq() ? final_seq - tracker.joined_seq() : 0;
      const std::uint64_t missing = tracker.missing_up_to(final_seq);
      result.expected += due;
      result.received += due - missing;
      result.lost += missing;
      result.duplicated += tracker.duplicated();
      result.out_of_order += tracker.out_of_order();
    }
  }
}

}  // namespace parley::bench
