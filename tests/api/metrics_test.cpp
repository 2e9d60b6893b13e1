// GET /metrics against the real binary after real traffic: the whole text
// reads strictly as Prometheus' text exposition format, the latency
// histograms, per-transport counters, error codes, queue and process figures
// are there and moved, and the Grafana dashboard shipped in deploy/ asks only
// for series the server exports.
#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api/api_test.hpp"
#include "support/prometheus_text.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class MetricsTest : public ApiTest {
 protected:
  PromText scrape() {
    const HttpResponse response = http().get("/metrics");
    if (response.status != 200) throw std::runtime_error(response.describe());
    return PromText::parse(response.body);
  }
};

// The names of every sample in `text` (histogram series with their suffix).
std::set<std::string> sample_names(const PromText& text) {
  std::set<std::string> names;
  for (const auto& [name, family] : text.families()) {
    for (const PromSample& sample : family.samples) names.insert(sample.name);
  }
  return names;
}

std::string read_source_file(const std::string& relative) {
  std::ifstream file(std::string(PARLEY_SOURCE_DIR) + "/" + relative);
  if (!file) throw std::runtime_error("cannot read " + relative);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Every PromQL expression in the dashboard: panel targets' `expr` and the
// variables' `query`, wherever they sit.
void collect_queries(const json::value& value, std::vector<std::string>& queries) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.as_object()) {
      if ((key == "expr" || key == "query") && child.is_string()) {
        queries.emplace_back(child.as_string());
      } else {
        collect_queries(child, queries);
      }
    }
  } else if (value.is_array()) {
    for (const json::value& child : value.as_array()) collect_queries(child, queries);
  }
}

TEST_F(MetricsTest, AfterTrafficTheTextIsStrictExpositionFormatAndTheNewFiguresMoved) {
  start_server();
  auto alice = connect_ws("/ws?name=alice");
  auto bob = connect_ws("/ws?name=bob");
  join_room(*alice, "lobby");
  join_room(*bob, "lobby");
  const PromText before = scrape();

  constexpr int kWsSends = 3;
  for (int i = 0; i < kWsSends; ++i) {
    const std::string id = "w" + std::to_string(i);
    ASSERT_TRUE(alice->send_json(frames::send("lobby", "hello " + std::to_string(i), id)));
    alice->expect("ack", [&](const Frame& frame) { return string_field(frame, "id") == id; });
  }
  constexpr int kHttpPosts = 2;
  const HttpHeaders carol = cookie_and_csrf(start_guest("Carol"));
  for (int i = 0; i < kHttpPosts; ++i) {
    post_new_message("lobby", "posted " + std::to_string(i), "h" + std::to_string(i), carol);
  }
  // Bob has every message over his socket; Carol reads them by polling.
  for (int i = 0; i < kWsSends + kHttpPosts; ++i) bob->expect("message");
  const json::value page = read_messages("lobby", "after=0", carol);
  ASSERT_EQ(field(page, "messages").as_array().size(),
            static_cast<std::size_t>(kWsSends + kHttpPosts));
  // An error of each transport: a send to a room not joined, an unknown endpoint.
  ASSERT_TRUE(alice->send_json(frames::send("elsewhere", "lost", "x1")));
  const Frame error = alice->expect("error");
  ASSERT_EQ(string_field(error, "code"), "not_joined") << to_text(error);
  const HttpResponse missing = http().get("/api/no-such-endpoint");
  ASSERT_EQ(error_code_of(missing), "not_found") << missing.describe();

  const PromText after = scrape();
  const auto moved = [&](std::string_view name, const Labels& labels = {}) {
    return after.value(name, labels) - before.value(name, labels);
  };
  const Labels ws = {{"transport", "ws"}};
  const Labels http_label = {{"transport", "http"}};
  EXPECT_GE(moved("parley_ack_latency_seconds_count", ws), kWsSends);
  EXPECT_GE(moved("parley_ack_latency_seconds_count", http_label), kHttpPosts);
  EXPECT_GT(moved("parley_ack_latency_seconds_sum", ws), 0);
  EXPECT_EQ(moved("parley_messages_received_total", ws), kWsSends);
  EXPECT_EQ(moved("parley_messages_received_total", http_label), kHttpPosts);
  // Each message went to both sockets (alice's own included); the poll carried all.
  EXPECT_GE(moved("parley_deliveries_total", ws), 2 * (kWsSends + kHttpPosts));
  EXPECT_GE(moved("parley_deliveries_total", http_label), kWsSends + kHttpPosts);
  EXPECT_GE(moved("parley_fanout_seconds_count"), kWsSends + kHttpPosts);
  EXPECT_GE(moved("parley_store_commit_seconds_count"), 1);
  EXPECT_EQ(moved("parley_errors_total", {{"transport", "ws"}, {"code", "not_joined"}}), 1);
  EXPECT_GE(moved("parley_errors_total", {{"transport", "http"}, {"code", "not_found"}}), 1);
  EXPECT_EQ(after.family("parley_store_commit_seconds").type, "histogram");
  EXPECT_EQ(after.family("parley_ack_latency_seconds").type, "histogram");
  EXPECT_EQ(after.family("parley_fanout_seconds").type, "histogram");
  EXPECT_EQ(after.family("parley_ws_queued_bytes").type, "gauge");
  EXPECT_GE(after.value("parley_ws_queued_bytes"), after.value("parley_ws_queued_bytes_max"));
  EXPECT_EQ(after.value("parley_ws_sessions"), 2);
  EXPECT_GT(after.value("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(after.value("process_open_fds"), 3);  // the listener and the two sockets at least
  EXPECT_GT(after.value("process_max_fds"), after.value("process_open_fds"));
  EXPECT_EQ(after.family("process_cpu_seconds_total").type, "counter");
  EXPECT_GT(after.value("process_start_time_seconds"), 1e9);
  for (const auto& [name, family] : after.families()) {
    EXPECT_FALSE(family.help.empty()) << name << " has no HELP";
  }
}

TEST_F(MetricsTest, TheDashboardIsJsonAndQueriesOnlySeriesTheServerExports) {
  start_server();
  const std::set<std::string> exported = sample_names(scrape());

  const json::value dashboard =
      json::parse(read_source_file("deploy/grafana/parley-dashboard.json"));
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_FALSE(text_field(dashboard, "title").empty());
  std::vector<std::string> queries;
  collect_queries(dashboard, queries);
  ASSERT_GE(queries.size(), 10u);
  const std::regex metric_name(R"(\b(?:parley|process)_[a-zA-Z0-9_:]*)");
  std::set<std::string> used;
  for (const std::string& query : queries) {
    for (auto it = std::sregex_iterator(query.begin(), query.end(), metric_name);
         it != std::sregex_iterator(); ++it) {
      used.insert(it->str());
    }
  }
  for (const std::string& name : used) {
    EXPECT_TRUE(exported.contains(name))
        << "the dashboard asks for " << name << ", which /metrics does not export";
  }
  // What the dashboard is for.
  for (const std::string_view wanted :
       {"parley_messages_received_total", "parley_deliveries_total",
        "parley_ack_latency_seconds_bucket", "parley_store_commit_seconds_bucket",
        "parley_fanout_seconds_bucket", "parley_ws_queued_bytes", "parley_errors_total",
        "parley_connections_open", "process_resident_memory_bytes", "process_open_fds",
        "parley_store_failures_total", "parley_bus_events_received_total"}) {
    EXPECT_TRUE(used.contains(std::string(wanted))) << "the dashboard does not show " << wanted;
  }

  // The Prometheus example scrapes /metrics.
  const std::string scrape_config = read_source_file("deploy/prometheus/prometheus.yml");
  EXPECT_NE(scrape_config.find("metrics_path: /metrics"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
