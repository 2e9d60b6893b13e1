// The histograms and counters of /metrics, and their text: buckets by their
// upper bounds, cumulative, with +Inf equal to the count; every family with
// HELP and TYPE; labels escaped. The text is read back with the strict
// reader the API tests use (tests/support/prometheus_text).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "obs/metrics.hpp"
#include "support/prometheus_text.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using obs::Histogram;
using test::PromText;

std::size_t index_of_bound(std::uint64_t microseconds) {
  for (std::size_t i = 0; i < Histogram::kBoundsUs.size(); ++i) {
    if (Histogram::kBoundsUs[i] == microseconds) return i;
  }
  throw std::logic_error("no such bound");
}

TEST(HistogramTest, AnObservationCountsInTheFirstBucketWhoseBoundItDoesNotExceed) {
  Histogram histogram;
  histogram.observe(50us);        // on the bound: le="0.00005"
  histogram.observe(50us + 1ns);  // just above: le="0.0001"
  histogram.observe(3ms);         // le="0.005"
  histogram.observe(6s);          // above every bound: +Inf only
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative[index_of_bound(50)], 1u);
  EXPECT_EQ(snapshot.cumulative[index_of_bound(100)], 2u);
  EXPECT_EQ(snapshot.cumulative[index_of_bound(2500)], 2u);
  EXPECT_EQ(snapshot.cumulative[index_of_bound(5000)], 3u);
  EXPECT_EQ(snapshot.cumulative[index_of_bound(5000000)], 3u);
  EXPECT_EQ(snapshot.cumulative.back(), 4u);
  EXPECT_EQ(snapshot.count, 4u);
  EXPECT_NEAR(snapshot.sum_seconds, 0.00005 + 0.000050001 + 0.003 + 6.0, 1e-9);
}

TEST(HistogramTest, ItsBucketsAreCumulativeAndEndWithTheCount) {
  Histogram histogram;
  for (int i = 0; i < 100; ++i) histogram.observe(std::chrono::microseconds(i * i * 37));
  const Histogram::Snapshot snapshot = histogram.snapshot();
  for (std::size_t i = 1; i < snapshot.cumulative.size(); ++i) {
    EXPECT_LE(snapshot.cumulative[i - 1], snapshot.cumulative[i]) << "bucket " << i;
  }
  EXPECT_EQ(snapshot.cumulative.back(), 100u);
  EXPECT_EQ(snapshot.count, 100u);
}

TEST(HistogramTest, ANegativeDurationCountsAsZero) {
  Histogram histogram;
  histogram.observe(-5ms);
  EXPECT_EQ(histogram.snapshot().cumulative.front(), 1u);
  EXPECT_EQ(histogram.snapshot().sum_seconds, 0.0);
}

TEST(HistogramTest, TheLabelsOfItsBoundsSayTheBoundsInSeconds) {
  for (std::size_t i = 0; i < Histogram::kBoundsUs.size(); ++i) {
    EXPECT_DOUBLE_EQ(std::stod(std::string(Histogram::kBoundLabels[i])),
                     static_cast<double>(Histogram::kBoundsUs[i]) / 1e6);
  }
}

TEST(MetricsTextTest, LabelValuesAreEscaped) {
  EXPECT_EQ(obs::escape_label_value(R"(a"b\c)"
                                    "\n"),
            R"(a\"b\\c\n)");
  EXPECT_EQ(obs::escape_label_value("plain"), "plain");
}

TEST(MetricsTextTest, TheRenderedTextReadsBackStrictlyWithWhatWasCounted) {
  const PromText before = PromText::parse(obs::render_metrics({}));
  obs::histograms().fanout.observe(200us);
  obs::histograms().store_commit.observe(2ms);
  obs::ack_latency(obs::Transport::http).observe(7ms);
  obs::count(obs::counters().messages_received, obs::Transport::ws, 3);
  obs::count(obs::counters().deliveries, obs::Transport::http, 2);
  obs::count_error(obs::Transport::ws, core::ErrorCode::not_joined);
  const obs::Gauge gauges[] = {{"parley_test_gauge", "A gauge\\ with\nescapes.", 1234567891.5}};
  const PromText after = PromText::parse(obs::render_metrics(gauges));

  EXPECT_EQ(after.family("parley_fanout_seconds").type, "histogram");
  EXPECT_EQ(
      after.value("parley_fanout_seconds_count") - before.value("parley_fanout_seconds_count"), 1);
  EXPECT_EQ(after.value("parley_fanout_seconds_bucket", {{"le", "0.00025"}}) -
                before.value("parley_fanout_seconds_bucket", {{"le", "0.00025"}}),
            1);
  EXPECT_EQ(after.value("parley_fanout_seconds_bucket", {{"le", "0.0001"}}) -
                before.value("parley_fanout_seconds_bucket", {{"le", "0.0001"}}),
            0);
  EXPECT_EQ(after.value("parley_store_commit_seconds_count") -
                before.value("parley_store_commit_seconds_count"),
            1);
  EXPECT_EQ(after.value("parley_ack_latency_seconds_count", {{"transport", "http"}}) -
                before.value("parley_ack_latency_seconds_count", {{"transport", "http"}}),
            1);
  EXPECT_EQ(after.value("parley_ack_latency_seconds_count", {{"transport", "ws"}}),
            before.value("parley_ack_latency_seconds_count", {{"transport", "ws"}}));
  EXPECT_EQ(after.value("parley_messages_received_total", {{"transport", "ws"}}) -
                before.value("parley_messages_received_total", {{"transport", "ws"}}),
            3);
  EXPECT_EQ(after.value("parley_deliveries_total", {{"transport", "http"}}) -
                before.value("parley_deliveries_total", {{"transport", "http"}}),
            2);
  EXPECT_EQ(after.value("parley_errors_total", {{"transport", "ws"}, {"code", "not_joined"}}) -
                before.value("parley_errors_total", {{"transport", "ws"}, {"code", "not_joined"}}),
            1);
  // Every code of the contract has its series, counted or not.
  for (const core::ErrorCode code : core::kErrorCodes) {
    EXPECT_NO_THROW(
        after.value("parley_errors_total",
                    {{"transport", "http"}, {"code", std::string(core::name_of(code))}}));
  }
  EXPECT_EQ(after.value("parley_test_gauge"), 1234567891.5);  // not rounded to 6 digits
  EXPECT_EQ(after.family("parley_test_gauge").help, "A gauge\\ with\nescapes.");
  for (const auto& [name, family] : after.families()) {
    EXPECT_FALSE(family.help.empty()) << name;
  }
}

TEST(MetricsTextTest, TheProcessFiguresAreThere) {
  const PromText text = PromText::parse(obs::render_metrics({}));
  EXPECT_GT(text.value("process_resident_memory_bytes"), 0);
  EXPECT_GT(text.value("process_open_fds"), 2);  // stdin, stdout, stderr at least
  EXPECT_GE(text.value("process_max_fds"), text.value("process_open_fds"));
  EXPECT_GE(text.value("process_cpu_seconds_total"), 0);
  const double now_s = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  EXPECT_LE(text.value("process_start_time_seconds"), now_s + 1);
  EXPECT_GT(text.value("process_start_time_seconds"), now_s - 24 * 3600);
}

// The reader is strict: each of these is refused.
TEST(PromTextTest, RefusesTextThatBreaksTheFormat) {
  const auto refused = [](const std::string& text) {
    EXPECT_THROW(PromText::parse(text), std::runtime_error) << text;
  };
  refused("no_type 1\n");                                 // no TYPE
  refused("# TYPE a counter\na -1\n");                    // a negative counter
  refused("# TYPE a gauge\na one\n");                     // no number
  refused("# TYPE a gauge\na{x=\"1} 1\n");                // unterminated label
  refused("# TYPE a gauge\na{x=\"\\q\"} 1\n");            // unknown escape
  refused("# TYPE a gauge\na{1x=\"1\"} 1\n");             // a bad label name
  refused("# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n");      // a repeated label
  refused("# TYPE a gauge\na 1\na 2\n");                  // a repeated series
  refused("# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n");  // a family's lines apart
  refused("# TYPE a gauge\na 1");                         // no final newline
  refused("# TYPE a gauge\na 1\n# HELP a late\n");        // HELP after samples
  refused(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n");  // not cumulative
  refused(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 2\n");                                                // +Inf != count
  refused("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");  // no +Inf
  refused("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n");        // no _sum
}

TEST(PromTextTest, ReadsWhatTheFormatAllows) {
  const PromText text = PromText::parse(
      "# a comment\n"
      "# HELP h Time \\\\ taken.\n"
      "# TYPE h histogram\n"
      "h_bucket{path=\"/a\\\"b\",le=\"0.5\"} 1\n"
      "h_bucket{path=\"/a\\\"b\",le=\"+Inf\"} 3\n"
      "h_sum{path=\"/a\\\"b\"} 4.25\n"
      "h_count{path=\"/a\\\"b\"} 3\n"
      "\n"
      "# TYPE g gauge\n"
      "g{} +Inf 1700000000000\n");
  EXPECT_EQ(text.family("h").help, "Time \\ taken.");
  EXPECT_EQ(text.value("h_sum", {{"path", "/a\"b"}}), 4.25);
  EXPECT_TRUE(std::isinf(text.value("g")));
}

}  // namespace
}  // namespace parley
