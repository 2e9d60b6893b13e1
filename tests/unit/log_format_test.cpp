// Log lines as they are written (human and JSON), and the request target as
// access lines show it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "http/access_target.hpp"
#include "obs/log.hpp"

namespace parley::obs {
namespace {

constexpr std::string_view kTime = "2026-11-22T01:02:03.456Z";

TEST(LogFormatTest, HumanLinesAreTimeLevelMessageAndFields) {
  EXPECT_EQ(format_log_line(LogFormat::human, kTime, LogLevel::info, "parley stopped", {}),
            "2026-11-22T01:02:03.456Z info parley stopped");
  EXPECT_EQ(format_log_line(LogFormat::human, kTime, LogLevel::warn, "http",
                            {{"status", 200}, {"path", "/a?b"}, {"ms", 1.5}}),
            "2026-11-22T01:02:03.456Z warn http status=200 path=/a?b ms=1.500");
}

TEST(LogFormatTest, HumanLinesStayOneLineAndQuoteWhatWouldNotReadBack) {
  EXPECT_EQ(format_log_line(LogFormat::human, kTime, LogLevel::error, "a\nb", {}),
            "2026-11-22T01:02:03.456Z error a\\nb");
  EXPECT_EQ(format_log_line(LogFormat::human, kTime, LogLevel::info, "m",
                            {{"why", "two words"}, {"empty", ""}, {"nl", "x\ny"}}),
            R"(2026-11-22T01:02:03.456Z info m why="two words" empty="" nl="x\ny")");
}

TEST(LogFormatTest, JsonLinesParseWithTimeLevelMsgAndFields) {
  const std::string line =
      format_log_line(LogFormat::json, kTime, LogLevel::info, "say \"hi\"\n",
                      {{"user", "bob"}, {"status", 404}, {"ms", 2.25}, {"odd", "\x01\\"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const boost::json::object parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("time").as_string(), kTime);
  EXPECT_EQ(parsed.at("level").as_string(), "info");
  EXPECT_EQ(parsed.at("msg").as_string(), "say \"hi\"\n");
  EXPECT_EQ(parsed.at("user").as_string(), "bob");
  EXPECT_EQ(parsed.at("status").as_int64(), 404);
  EXPECT_DOUBLE_EQ(parsed.at("ms").as_double(), 2.25);
  EXPECT_EQ(parsed.at("odd").as_string(), "\x01\\");
}

TEST(LogFormatTest, ParsesTheFlagsValues) {
  EXPECT_EQ(parse_log_format("human"), LogFormat::human);
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  EXPECT_FALSE(parse_log_format("xml"));
  LogSettings settings;
  parse_access_log("off", settings);
  EXPECT_EQ(settings.access, AccessLogTarget::off);
  parse_access_log("log", settings);
  EXPECT_EQ(settings.access, AccessLogTarget::log);
  parse_access_log("stderr", settings);
  EXPECT_EQ(settings.access, AccessLogTarget::stderr_stream);
  parse_access_log("/var/log/parley/access.log", settings);
  EXPECT_EQ(settings.access, AccessLogTarget::file);
  EXPECT_EQ(settings.access_file, "/var/log/parley/access.log");
}

}  // namespace
}  // namespace parley::obs

namespace parley::transport {
namespace {

TEST(AccessTargetTest, KeepsThePathAndTheContractsNumbers) {
  EXPECT_EQ(access_target("/api/rooms"), "/api/rooms");
  EXPECT_EQ(access_target("/api/rooms/a/messages?after=5&limit=10&wait=30"),
            "/api/rooms/a/messages?after=5&limit=10&wait=30");
  EXPECT_EQ(access_target("/r/caf%C3%A9"), "/r/caf%C3%A9");
}

TEST(AccessTargetTest, HidesEveryOtherValue) {
  EXPECT_EQ(access_target("/ws?token=s3cret"), "/ws?token=*");
  EXPECT_EQ(access_target("/ws?name=bob"), "/ws?name=*");
  EXPECT_EQ(access_target("/login?next=%2Fr%2Fa"), "/login?next=*");
  EXPECT_EQ(access_target("/api/rooms/a/messages?after=s3cret"), "/api/rooms/a/messages?after=*");
  EXPECT_EQ(access_target("/x?token"), "/x?token");
}

TEST(AccessTargetTest, HidesTheNamesOfParametersItDoesNotKnow) {
  EXPECT_EQ(access_target("/x?csrf_token=abc&password=pw&s3cret"), "/x?*=*&*=*&*");
}

TEST(AccessTargetTest, ShowsADashForATargetThatIsNotAPath) {
  EXPECT_EQ(access_target("http://example.com/"), "-");
  EXPECT_EQ(access_target("*"), "-");
}

}  // namespace
}  // namespace parley::transport
