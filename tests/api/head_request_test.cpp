// HEAD on the API's dynamic endpoints: the request is checked as its GET
// would be (identity, query numbers, room name), and answered with the
// status and headers only; no page is read from the store or built
// (/metrics counts the store's history reads).
#include "api/api_test.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

class HeadRequestTest : public ApiTest {
 protected:
  // The value of counter `name` in /metrics; throws when it is not there.
  std::uint64_t counter(const std::string& name) {
    const std::string body = new_client()->get("/metrics").body;
    const std::string sample = "\n" + name + " ";
    const auto at = body.find(sample);
    if (at == std::string::npos) throw std::runtime_error("no " + name + " in /metrics:\n" + body);
    return std::stoull(body.substr(at + sample.size()));
  }
  std::uint64_t history_reads() { return counter("parley_history_reads_total"); }
};

TEST_F(HeadRequestTest, HeadOnMessagesReadsNoHistoryWhileGetDoes) {
  start_server();
  const Session zed = start_guest("Zed");
  for (int i = 1; i <= 3; ++i) {
    post_new_message("lobby", "m", "h" + std::to_string(i), cookie_and_csrf(zed));
  }
  const std::uint64_t before = history_reads();
  for (const char* query : {"after=0", "after=0&limit=1000", "before=3", "limit=2", ""}) {
    const std::string target = "/api/rooms/lobby/messages?" + std::string(query);
    const HttpResponse head = http().request("HEAD", target, cookie_of(zed));
    EXPECT_EQ(head.status, 200) << target << "\n" << head.describe();
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.header("Content-Type"), "application/json") << head.describe();
    EXPECT_TRUE(head.keep_alive) << "the connection is in step for the next request";
  }
  EXPECT_EQ(history_reads(), before) << "HEAD read history from the store";

  const HttpResponse get = http().get("/api/rooms/lobby/messages?after=0", cookie_of(zed));
  ASSERT_EQ(get.status, 200) << get.describe();
  EXPECT_EQ(history_reads(), before + 1) << "a GET that reads messages is counted";
  EXPECT_EQ(http().get("/api/rooms/lobby/messages?before=3", cookie_of(zed)).status, 200);
  EXPECT_EQ(history_reads(), before + 2);
  EXPECT_EQ(http().connections_opened(), 1);
}

TEST_F(HeadRequestTest, HeadIsRefusedAsItsGetWouldBe) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::uint64_t before = history_reads();
  const auto head_status = [&](const std::string& target, const HttpHeaders& headers) {
    return http().request("HEAD", target, headers).status;
  };
  EXPECT_EQ(head_status("/api/rooms/lobby/messages?after=0", {}), 401);
  EXPECT_EQ(head_status("/api/rooms/lobby/messages?after=x", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms/lobby/messages?after=1&before=2", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms/lobby/messages?after=1&after=2", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms/-bad-/messages?after=0", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms/lobby/members", cookie_of(zed)), 200);
  EXPECT_EQ(head_status("/api/rooms/-bad-/members", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms?limit=5", cookie_of(zed)), 200);
  EXPECT_EQ(head_status("/api/rooms?limit=-1", cookie_of(zed)), 400);
  EXPECT_EQ(head_status("/api/rooms", {}), 401);
  EXPECT_EQ(history_reads(), before);
}

TEST_F(HeadRequestTest, HeadOnALongPollAnswersAtOnce) {
  start_server();
  const Session zed = start_guest("Zed");
  HttpClient client(port());
  ASSERT_TRUE(
      client.send_request("HEAD", "/api/rooms/lobby/messages?after=0&wait=30", cookie_of(zed)));
  const auto head = client.read_response(5000ms, /*to_head=*/true);
  ASSERT_TRUE(head) << "HEAD waited like a long poll";
  EXPECT_EQ(head->status, 200) << head->describe();
}

}  // namespace
}  // namespace parley::test
