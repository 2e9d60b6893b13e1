#include "obs/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "obs/process_stats.hpp"

namespace parley::obs {

namespace {

constexpr std::array<Transport, kTransports> kAllTransports = {Transport::ws, Transport::http};

// A sample value: integers as they are, other numbers in the shortest form
// that reads back the same, and the text format's spellings of the rest.
std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, written.ptr);
}

// HELP text as the text format writes it: \ and newline escaped.
std::string escape_help(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // One sample; `labels` as written inside the braces (none when empty).
  void sample(std::string_view name, std::string_view labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  void histogram(std::string_view name, std::string_view labels, const Histogram& histogram) {
    const Histogram::Snapshot snapshot = histogram.snapshot();
    const std::string bucket = std::string(name) + "_bucket";
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    for (std::size_t i = 0; i < Histogram::kBoundLabels.size(); ++i) {
      sample(bucket, prefix + "le=\"" + std::string(Histogram::kBoundLabels[i]) + "\"",
             snapshot.cumulative[i]);
    }
    sample(bucket, prefix + "le=\"+Inf\"", snapshot.cumulative.back());
    sample(std::string(name) + "_sum", labels, format_value(snapshot.sum_seconds));
    sample(std::string(name) + "_count", labels, snapshot.count);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

void write_process_stats(Writer& out) {
  const ProcessStats stats = read_process_stats();
  const struct {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    const std::optional<double>& value;
  } figures[] = {
      {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
       stats.resident_bytes},
      {"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
       stats.virtual_bytes},
      {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
       stats.cpu_seconds},
      {"process_start_time_seconds", "gauge",
       "Start time of the process since unix epoch in seconds.", stats.start_time_seconds},
      {"process_open_fds", "gauge", "Number of open file descriptors.", stats.open_fds},
      {"process_max_fds", "gauge", "Maximum number of open file descriptors.", stats.max_fds},
  };
  for (const auto& figure : figures) {
    if (!figure.value) continue;
    out.family(figure.name, figure.type, figure.help);
    out.sample(figure.name, {}, format_value(*figure.value));
  }
}

}  // namespace

std::string_view name_of(Transport transport) {
  return transport == Transport::ws ? "ws" : "http";
}

void Histogram::observe(std::chrono::nanoseconds elapsed) {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0));
  const std::uint64_t us_ceiling = (ns + 999) / 1000;  // 50.5 µs is above 50 µs
  const auto bound = std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), us_ceiling);
  buckets_[static_cast<std::size_t>(bound - kBoundsUs.begin())].fetch_add(
      1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = running;
  }
  snapshot.count = running;
  snapshot.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return snapshot;
}

Counters& counters() {
  static Counters instance;
  return instance;
}

Histograms& histograms() {
  static Histograms instance;
  return instance;
}

void count_error(Transport transport, core::ErrorCode code) {
  const auto at = std::find(core::kErrorCodes.begin(), core::kErrorCodes.end(), code);
  if (at == core::kErrorCodes.end()) return;
  count(counters().errors[static_cast<std::size_t>(transport)]
                         [static_cast<std::size_t>(at - core::kErrorCodes.begin())]);
}

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string render_metrics(std::span<const Gauge> gauges) {
  const Counters& c = counters();
  const struct {
    std::string_view name;
    std::string_view help;
    const std::atomic<std::uint64_t>& value;
  } totals[] = {
      {"parley_connections_refused_total", "Connections refused (per-address or total limit).",
       c.connections_refused},
      {"parley_http_requests_total", "HTTP requests routed.", c.http_requests},
      {"parley_ws_connections_opened_total", "WebSocket connections opened.",
       c.ws_connections_opened},
      {"parley_ws_frames_received_total", "WebSocket text frames received.", c.ws_frames_received},
      {"parley_ws_frames_refused_total", "WebSocket frames answered with an error frame.",
       c.ws_frames_refused},
      {"parley_ws_slow_clients_closed_total", "WebSocket clients closed for not reading.",
       c.ws_slow_clients_closed},
      {"parley_ws_reads_throttled_total",
       "Times a connection used up its frame allowance and its reads paused.",
       c.ws_reads_throttled},
      {"parley_ws_ephemeral_dropped_total", "Typing frames not sent to a busy client.",
       c.ws_ephemeral_dropped},
      {"parley_messages_stored_total", "Messages and events committed to the store.",
       c.messages_stored},
      {"parley_messages_duplicate_total", "Sends recognised as repeats of a stored client id.",
       c.messages_duplicate},
      {"parley_store_transactions_total", "Store transactions (batches of appends).",
       c.store_transactions},
      {"parley_store_failures_total", "Store transactions that failed.", c.store_failures},
      {"parley_password_hashes_total", "argon2id runs (hashing or verifying).", c.password_hashes},
      {"parley_password_jobs_dropped_total", "Password jobs skipped because their client had gone.",
       c.password_jobs_dropped},
      {"parley_password_jobs_refused_total",
       "Password jobs refused (429) because the queue was full.", c.password_jobs_refused},
      {"parley_history_reads_total", "Reads of stored messages asked of the store.",
       c.history_reads},
      {"parley_gap_fetches_total", "Missing seqs a room's gate read from the store.",
       c.gap_fetches},
      {"parley_bus_events_published_total", "Events sent to other nodes.", c.bus_events_published},
      {"parley_bus_events_received_total", "Events received from other nodes.",
       c.bus_events_received},
      {"parley_bus_events_refused_total", "Events from other nodes that could not be read.",
       c.bus_events_refused},
      {"parley_bus_events_dropped_total", "Events dropped after waiting too long for Redis.",
       c.bus_events_dropped},
      {"parley_bus_subscriptions_total", "Redis subscriptions made (the first counts).",
       c.bus_subscriptions},
  };
  Writer out;
  for (const auto& total : totals) {
    out.family(total.name, "counter", total.help);
    out.sample(total.name, {}, total.value.load(std::memory_order_relaxed));
  }

  const struct {
    std::string_view name;
    std::string_view help;
    const PerTransport& values;
  } per_transport[] = {
      {"parley_messages_received_total",
       "Messages and events acknowledged to the client that sent them, by transport.",
       c.messages_received},
      {"parley_deliveries_total",
       "Messages queued for WebSocket members (ws) or carried by poll answers (http).",
       c.deliveries},
  };
  for (const auto& family : per_transport) {
    out.family(family.name, "counter", family.help);
    for (const Transport transport : kAllTransports) {
      out.sample(
          family.name, label("transport", name_of(transport)),
          family.values[static_cast<std::size_t>(transport)].load(std::memory_order_relaxed));
    }
  }
  out.family("parley_errors_total", "counter",
             "Error frames (ws) and error answers (http) sent, by transport and code.");
  for (const Transport transport : kAllTransports) {
    for (std::size_t i = 0; i < core::kErrorCodes.size(); ++i) {
      out.sample("parley_errors_total",
                 label("transport", name_of(transport)) + "," +
                     label("code", core::name_of(core::kErrorCodes[i])),
                 c.errors[static_cast<std::size_t>(transport)][i].load(std::memory_order_relaxed));
    }
  }

  const Histograms& h = histograms();
  out.family("parley_store_commit_seconds", "histogram",
             "Time of one store transaction (a batch of appends), sync included.");
  out.histogram("parley_store_commit_seconds", {}, h.store_commit);
  out.family("parley_ack_latency_seconds", "histogram",
             "From a send frame's receipt or an HTTP post's arrival to its ack queued.");
  for (const Transport transport : kAllTransports) {
    out.histogram("parley_ack_latency_seconds", label("transport", name_of(transport)),
                  h.ack_latency[static_cast<std::size_t>(transport)]);
  }
  out.family("parley_fanout_seconds", "histogram",
             "From a commit result to its message queued for every local member of the room.");
  out.histogram("parley_fanout_seconds", {}, h.fanout);

  for (const Gauge& gauge : gauges) {
    out.family(gauge.name, "gauge", gauge.help);
    out.sample(gauge.name, {}, format_value(gauge.value));
  }
  write_process_stats(out);
  return out.take();
}

}  // namespace parley::obs
