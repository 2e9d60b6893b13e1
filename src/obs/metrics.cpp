#include "obs/metrics.hpp"

#include <sstream>

namespace parley::obs {

Counters& counters() {
  static Counters instance;
  return instance;
}

std::string render_metrics(const std::vector<std::pair<std::string, double>>& gauges) {
  const Counters& c = counters();
  const std::pair<const char*, const std::atomic<std::uint64_t>*> totals[] = {
      {"parley_connections_refused_total", &c.connections_refused},
      {"parley_http_requests_total", &c.http_requests},
      {"parley_ws_connections_opened_total", &c.ws_connections_opened},
      {"parley_ws_frames_received_total", &c.ws_frames_received},
      {"parley_ws_frames_refused_total", &c.ws_frames_refused},
      {"parley_ws_slow_clients_closed_total", &c.ws_slow_clients_closed},
      {"parley_ws_reads_throttled_total", &c.ws_reads_throttled},
      {"parley_ws_ephemeral_dropped_total", &c.ws_ephemeral_dropped},
      {"parley_messages_stored_total", &c.messages_stored},
      {"parley_messages_duplicate_total", &c.messages_duplicate},
      {"parley_store_transactions_total", &c.store_transactions},
      {"parley_store_failures_total", &c.store_failures},
      {"parley_password_hashes_total", &c.password_hashes},
      {"parley_password_jobs_dropped_total", &c.password_jobs_dropped},
      {"parley_password_jobs_refused_total", &c.password_jobs_refused},
      {"parley_history_reads_total", &c.history_reads},
      {"parley_gap_fetches_total", &c.gap_fetches},
      {"parley_bus_events_published_total", &c.bus_events_published},
      {"parley_bus_events_received_total", &c.bus_events_received},
      {"parley_bus_events_refused_total", &c.bus_events_refused},
      {"parley_bus_events_dropped_total", &c.bus_events_dropped},
      {"parley_bus_subscriptions_total", &c.bus_subscriptions},
  };
  std::ostringstream out;
  for (const auto& [name, value] : totals) {
    out << "# TYPE " << name << " counter\n"
        << name << ' ' << value->load(std::memory_order_relaxed) << '\n';
  }
  for (const auto& [name, value] : gauges) {
    out << "# TYPE " << name << " gauge\n" << name << ' ' << value << '\n';
  }
  return out.str();
}

}  // namespace parley::obs
