#include "report.hpp"

#include <thread>

#include "json_line.hpp"

namespace parley::bench {

namespace {

double per_second(std::uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

double share_of_core(std::uint64_t cpu_ns, double seconds) {
  return seconds > 0 ? static_cast<double>(cpu_ns) / 1e9 / seconds : 0.0;
}

// Server CPU microseconds per unit of work done in the window.
std::optional<double> cpu_us_per(const RunResult& result, std::uint64_t units) {
  if (!result.server_cpu_ns || units == 0) return std::nullopt;
  return static_cast<double>(*result.server_cpu_ns) / 1e3 / static_cast<double>(units);
}

std::optional<double> bytes_per_connection(const RunResult& result) {
  if (!result.server_rss_before || !result.server_rss_connected || result.connected == 0) {
    return std::nullopt;
  }
  return (static_cast<double>(*result.server_rss_connected) -
          static_cast<double>(*result.server_rss_before)) /
         static_cast<double>(result.connected);
}

std::optional<double> kib(const std::optional<std::uint64_t>& bytes) {
  if (!bytes) return std::nullopt;
  return static_cast<double>(*bytes) / 1024;
}

// CPU microseconds per connection set up.
std::optional<double> connect_cpu_us(const std::optional<std::uint64_t>& cpu_ns,
                                     std::uint64_t connections) {
  if (!cpu_ns || connections == 0) return std::nullopt;
  return static_cast<double>(*cpu_ns) / 1e3 / static_cast<double>(connections);
}

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

JsonLine latency_json(const Histogram& h) {
  JsonLine line;
  line.add("count", h.count()).add("p50", us(h.percentile(50))).add("p90", us(h.percentile(90)));
  line.add("p99", us(h.percentile(99))).add("p99_9", us(h.percentile(99.9)));
  line.add("max", us(h.max())).add("mean", h.mean() / 1e3);
  return line;
}

std::string ms(std::uint64_t ns) {
  return format_number(static_cast<double>(ns) / 1e6) + " ms";
}

void print_latency(const char* label, const Histogram& h, std::ostream& out) {
  if (h.count() == 0) return;
  out << label << "p50 " << ms(h.percentile(50)) << "  p90 " << ms(h.percentile(90)) << "  p99 "
      << ms(h.percentile(99)) << "  p99.9 " << ms(h.percentile(99.9)) << "  max " << ms(h.max())
      << "  (" << h.count() << " samples)\n";
}

std::string n(double value, int decimals = 1) {
  return format_number(value, decimals);
}

}  // namespace

void print_summary(const Options& o, const RunResult& r, std::ostream& out) {
  const double window = r.window_seconds;
  out << "parley-bench: " << name_of(o.transport) << ", " << o.rooms << " room(s) x "
      << o.members_per_room << " member(s), " << o.senders_per_room << " sender(s) per room, ";
  if (o.idle) {
    out << "idle";
  } else if (o.is_closed_loop()) {
    out << o.in_flight << " in flight per sender";
  } else {
    out << n(o.rate) << " msg/s per sender";
  }
  out << "; " << o.nodes() << (o.nodes() == 1 ? " node" : " nodes") << "; " << n(window, 2)
      << " s measured\n";
  out << "connections  " << r.connected << " of " << r.connections_wanted << " set up in "
      << n(r.connect_seconds, 3) << " s (" << n(per_second(r.connected, r.connect_seconds), 0)
      << "/s), " << r.failed << " failed, " << r.dropped << " dropped later\n";
  if (const auto v = connect_cpu_us(r.server_connect_cpu_ns, r.connected)) {
    out << "             server CPU " << n(*v) << " us per connection set up, tool "
        << n(*connect_cpu_us(r.own_connect_cpu_ns, r.connected)) << " us\n";
  }
  if (!o.idle) {
    out << "messages     sent " << r.sent << ", acked " << r.acked << " ("
        << n(per_second(r.measured_acks, window)) << " acks/s in the window)\n";
    out << "deliveries   expected " << r.expected << ", received " << r.received << ", lost "
        << r.lost << ", duplicated " << r.duplicated << ", out of order " << r.out_of_order << "; "
        << n(per_second(r.measured_deliveries, window), 0) << "/s in the window\n";
    print_latency("latency      ", r.latency, out);
  }
  if (r.requests > 0 || r.reconnects > 0) {
    out << "requests     " << r.requests << " polls answered, "
        << n(per_second(r.measured_requests, window), 0) << "/s in the window; " << r.reconnects
        << " reconnects after the server closed an idle connection\n";
    print_latency("poll time    ", r.request_latency, out);
  }
  if (r.server_cpu_ns) {
    out << "server CPU   " << n(static_cast<double>(*r.server_cpu_ns) / 1e9, 2)
        << " s in the window (" << n(100 * share_of_core(*r.server_cpu_ns, window))
        << "% of a core)";
    if (const auto v = cpu_us_per(r, r.measured_deliveries))
      out << ", " << n(*v, 2) << " us/delivery";
    if (const auto v = cpu_us_per(r, r.measured_acks)) out << ", " << n(*v, 2) << " us/ack";
    if (const auto v = cpu_us_per(r, r.measured_requests)) out << ", " << n(*v, 2) << " us/request";
    out << "\n             main (I/O) thread "
        << n(100 * share_of_core(r.server_main_thread_cpu_ns, window))
        << "% of a core, busiest other thread "
        << n(100 * share_of_core(r.server_other_thread_cpu_ns, window))
        << "%; the main thread waited for a CPU "
        << n(100 * share_of_core(r.server_main_thread_wait_ns, window)) << "% of the window\n";
  }
  if (const auto v = bytes_per_connection(r)) {
    out << "server RSS   " << n(*kib(r.server_rss_before), 0) << " KiB before, "
        << n(*kib(r.server_rss_connected), 0) << " KiB connected: " << n(*v / 1024, 2)
        << " KiB per connection\n";
  }
  out << "tool CPU     " << n(static_cast<double>(r.own_cpu_ns) / 1e9, 2) << " s in the window ("
      << n(100 * share_of_core(r.own_cpu_ns, window)) << "% of a core; busiest thread "
      << n(100 * share_of_core(r.busiest_thread_cpu_ns, window)) << "%; waited for a CPU "
      << n(100 * share_of_core(r.own_thread_wait_ns, window)) << "% of the window)\n";
  if (share_of_core(r.server_main_thread_wait_ns, window) > kCpuStarved) {
    out << "WARNING: the server waited for a CPU over " << n(100 * kCpuStarved, 0)
        << "% of the window: other work on this machine limits these figures\n";
  }
  if (share_of_core(r.busiest_thread_cpu_ns, window) > kToolSaturation) {
    out << "WARNING: the tool's busiest thread used over " << n(100 * kToolSaturation, 0)
        << "% of a core: the tool may be the bottleneck (try --threads 2)\n";
  }
  const double cores = std::thread::hardware_concurrency();
  if (r.server_cpu_ns && share_of_core(*r.server_cpu_ns + r.own_cpu_ns, window) > 0.9 * cores) {
    out << "WARNING: server and tool together used over 90% of the machine's " << cores
        << " cores\n";
  }
  if (!r.drained) out << "WARNING: not every ack and delivery arrived within --drain\n";
  if (r.errors > 0) out << "WARNING: " << r.errors << " error frames or unexpected answers\n";
}

std::string to_json_line(const Options& o, const RunResult& r) {
  const double window = r.window_seconds;
  JsonLine line;
  line.add("transport", name_of(o.transport)).add("nodes", o.nodes()).add("rooms", o.rooms);
  line.add("members_per_room", o.members_per_room).add("senders_per_room", o.senders_per_room);
  line.add("rate", o.idle || o.is_closed_loop() ? std::nullopt : std::optional<double>(o.rate));
  line.add("in_flight", o.in_flight).add("idle", o.idle).add("window_s", window);
  line.add("connections", r.connections_wanted).add("connected", r.connected);
  line.add("failed", r.failed).add("dropped", r.dropped).add("connect_s", r.connect_seconds);
  line.add("connect_per_s", per_second(r.connected, r.connect_seconds));
  line.add("server_cpu_us_per_connect", connect_cpu_us(r.server_connect_cpu_ns, r.connected));
  line.add("tool_cpu_us_per_connect", connect_cpu_us(r.own_connect_cpu_ns, r.connected));
  line.add("sent", r.sent).add("acked", r.acked);
  line.add("acks_per_s", per_second(r.measured_acks, window));
  line.add("deliveries_expected", r.expected).add("deliveries", r.received).add("lost", r.lost);
  line.add("duplicated", r.duplicated).add("out_of_order", r.out_of_order);
  line.add("deliveries_per_s", per_second(r.measured_deliveries, window));
  line.add("latency_us", latency_json(r.latency));
  line.add("requests", r.requests).add("requests_per_s", per_second(r.measured_requests, window));
  line.add("request_latency_us", latency_json(r.request_latency));
  line.add("errors", r.errors).add("reconnects", r.reconnects).add("drained", r.drained);
  line.add("server_cpu_s",
           r.server_cpu_ns ? std::optional<double>(*r.server_cpu_ns / 1e9) : std::nullopt);
  line.add("server_main_thread_share", share_of_core(r.server_main_thread_cpu_ns, window));
  line.add("server_other_thread_share", share_of_core(r.server_other_thread_cpu_ns, window));
  line.add("server_main_thread_wait_share", share_of_core(r.server_main_thread_wait_ns, window));
  line.add("server_cpu_us_per_delivery", cpu_us_per(r, r.measured_deliveries));
  line.add("server_cpu_us_per_ack", cpu_us_per(r, r.measured_acks));
  line.add("server_cpu_us_per_request", cpu_us_per(r, r.measured_requests));
  line.add("server_rss_before_kib", kib(r.server_rss_before));
  line.add("server_rss_connected_kib", kib(r.server_rss_connected));
  line.add("server_bytes_per_connection", bytes_per_connection(r));
  line.add("tool_cpu_s", static_cast<double>(r.own_cpu_ns) / 1e9);
  line.add("tool_core_share", share_of_core(r.own_cpu_ns, window));
  line.add("tool_busiest_thread_share", share_of_core(r.busiest_thread_cpu_ns, window));
  line.add("tool_thread_wait_share", share_of_core(r.own_thread_wait_ns, window));
  line.add("tool_saturated", share_of_core(r.busiest_thread_cpu_ns, window) > kToolSaturation);
  return line.str();
}

}  // namespace parley::bench
