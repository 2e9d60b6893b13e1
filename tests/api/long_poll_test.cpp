// Long polls: GET messages with after=last&wait=W waits for the next
// message (from HTTP or WebSocket alike) and answers with exactly it, or
// with nothing after W seconds; many waiting polls all wake on one post.
#include "api/api_test.hpp"

#include <filesystem>
#include <thread>

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class LongPollTest : public ApiTest {};

std::string poll_target(std::string_view room, std::uint64_t after, int wait_seconds) {
  return "/api/rooms/" + std::string(room) + "/messages?after=" + std::to_string(after) +
         "&wait=" + std::to_string(wait_seconds);
}

// The one message a woken poll must carry; throws otherwise.
json::value only_message(const std::optional<HttpResponse>& response) {
  if (!response) throw std::runtime_error("the long poll did not answer");
  if (response->status != 200) throw std::runtime_error("long poll: " + response->describe());
  const json::value page = response->json();
  const auto& messages = field(page, "messages").as_array();
  if (messages.size() != 1) throw std::runtime_error("expected one message: " + response->body);
  return messages[0];
}

// Waiting polls hold timers and sockets of the server's event loop; once,
// tearing the server down with some waiting crashed it at exit.
TEST_F(LongPollTest, SigtermWithPollsWaitingExitsCleanly) {
  start_server();
  const Session watcher = start_guest("Watcher");
  std::vector<std::unique_ptr<HttpClient>> polls;
  for (int i = 0; i < 5; ++i) {
    polls.push_back(std::make_unique<HttpClient>(port()));
    ASSERT_TRUE(polls.back()->send_request("GET", poll_target("lobby", 0, 30), cookie_of(watcher)));
  }
  EXPECT_FALSE(polls.back()->wait_readable(500ms)) << "the polls are waiting";
  const ExitStatus exit = server().terminate(10s);
  EXPECT_FALSE(exit.timed_out);
  EXPECT_TRUE(exit.exited && exit.code == 0)
      << "code " << exit.code << ", signal " << exit.signal << "\n"
      << server().log_text();
}

std::size_t open_descriptors(pid_t pid) {
  const std::filesystem::path folder = "/proc/" + std::to_string(pid) + "/fd";
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(folder),
                                                std::filesystem::directory_iterator{}));
}

// The server's count of long polls waiting, from /metrics.
int long_polls_waiting(HttpClient& http) {
  const std::string body = http.get("/metrics").body;
  const std::string name = "\nparley_long_polls_waiting ";  // the sample, not its # TYPE line
  const auto at = body.find(name);
  if (at == std::string::npos) throw std::runtime_error("no waiting count in /metrics: " + body);
  return std::stoi(body.substr(at + name.size()));
}

// A client that gives up on its long poll must not hold a server socket for
// the rest of the wait: enough of them would exhaust the descriptors.
TEST_F(LongPollTest, AnAbandonedPollLetsGoOfItsSocketBeforeItsWaitEnds) {
  start_server();
  const Session watcher = start_guest("Watcher");
  const std::size_t before = open_descriptors(server().pid());
  constexpr std::size_t kPolls = 20;
  {
    std::vector<std::unique_ptr<HttpClient>> polls;
    for (std::size_t i = 0; i < kPolls; ++i) {
      polls.push_back(std::make_unique<HttpClient>(port()));
      ASSERT_TRUE(
          polls.back()->send_request("GET", poll_target("lobby", 0, 60), cookie_of(watcher)));
    }
    EXPECT_FALSE(polls.back()->wait_readable(500ms)) << "the polls are waiting";
    EXPECT_GE(open_descriptors(server().pid()), before + kPolls);
    EXPECT_EQ(long_polls_waiting(http()), int{kPolls});
  }  // every client closes its connection here
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  // (Each is closed as the server sees its end, not all at once.)
  while (open_descriptors(server().pid()) >= before + kPolls / 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_LT(open_descriptors(server().pid()), before + kPolls / 2)
      << "the server still holds the sockets of polls nobody waits for";
  // Nor their places among the waiters: none is counted as waiting now.
  while (long_polls_waiting(http()) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(long_polls_waiting(http()), 0) << "abandoned polls still wait";
  // The server still answers, and a poll that stays still gets its message.
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  HttpClient poll(port());
  ASSERT_TRUE(poll.send_request("GET", poll_target("lobby", 0, 10), cookie_of(watcher)));
  EXPECT_FALSE(poll.wait_readable(300ms));
  ASSERT_EQ(post_new_message("lobby", "still here", "m1", poster), 1u);
  EXPECT_EQ(text_field(only_message(poll.read_response(5000ms)), "text"), "still here");
}

// A client that half-closes its connection after its long poll (as some
// proxies do when their own client leaves) gets the page as it stands now,
// then the end of the connection, not the rest of the wait.
TEST_F(LongPollTest, AHalfClosedLongPollIsAnsweredAtOnceWithItsEmptyPage) {
  start_server();
  const Session watcher = start_guest("Watcher");
  post_new_message("lobby", "before", "b1", cookie_and_csrf(watcher));
  HttpClient poll(port(), /*timeout=*/20000ms);
  ASSERT_TRUE(poll.send_request("GET", poll_target("lobby", 1, 30), cookie_of(watcher)));
  EXPECT_FALSE(poll.wait_readable(300ms)) << "the poll is waiting";
  ASSERT_EQ(long_polls_waiting(http()), 1);
  ASSERT_TRUE(poll.shutdown_write());
  // Well within the 30 s wait (the read times out at 20 s).
  const auto answer = poll.read_response(20000ms);
  ASSERT_TRUE(answer) << "no answer before the wait would end";
  ASSERT_EQ(answer->status, 200) << answer->describe();
  const json::value page = answer->json();
  EXPECT_EQ(text_field(page, "room"), "lobby");
  EXPECT_TRUE(field(page, "messages").as_array().empty()) << answer->body;
  EXPECT_EQ(number_field(page, "last_seq"), 1u);
  EXPECT_TRUE(poll.wait_for_close(5000ms)) << "the connection stayed open";
  EXPECT_EQ(long_polls_waiting(http()), 0);
}

TEST_F(LongPollTest, WaitingPollWakesWithAMessagePostedOverHttp) {
  start_server();
  const Session watcher = start_guest("Watcher");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  ASSERT_EQ(post_new_message("lobby", "first", "m1", poster), 1u);

  HttpClient poll(port());
  ASSERT_TRUE(poll.send_request("GET", poll_target("lobby", 1, 5), cookie_of(watcher)));
  EXPECT_FALSE(poll.wait_readable(500ms)) << "nothing to answer before a message";
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(post_new_message("lobby", "second", "m2", poster), 2u);
  const auto response = poll.read_response(4000ms);
  const long long waited = elapsed_ms(posted);
  const json::value message = only_message(response);
  EXPECT_EQ(number_field(message, "seq"), 2u);
  EXPECT_EQ(text_field(message, "text"), "second");
  EXPECT_EQ(text_field(message, "user"), "Poster");
  EXPECT_EQ(text_field(message, "id"), "m2");
  EXPECT_EQ(number_field(response->json(), "last_seq"), 2u);
  EXPECT_LT(waited, 2500) << "woken by the post, not by the wait running out";
}

TEST_F(LongPollTest, WaitingPollWakesWithAMessageSentOverWebSocket) {
  start_server();
  const Session watcher = start_guest("Watcher");
  auto sender = connect_ws("/ws?name=Sender");
  join_room(*sender, "lobby");

  HttpClient poll(port());
  ASSERT_TRUE(poll.send_request("GET", poll_target("lobby", 0, 5), cookie_of(watcher)));
  EXPECT_FALSE(poll.wait_readable(500ms)) << "nothing to answer before a message";
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(sender->send_json(frames::send("lobby", "over the socket", "w1")));
  const Frame ack = sender->expect("ack");
  const auto response = poll.read_response(4000ms);
  const long long waited = elapsed_ms(sent);
  const json::value message = only_message(response);
  EXPECT_EQ(number_field(message, "seq"), seq_of(ack));
  EXPECT_EQ(text_field(message, "text"), "over the socket");
  EXPECT_EQ(text_field(message, "user"), "Sender");
  EXPECT_LT(waited, 2500) << "woken by the send, not by the wait running out";
}

TEST_F(LongPollTest, PollWithNothingNewAnswersEmptyWhenTheWaitRunsOut) {
  start_server();
  const Session watcher = start_guest("Watcher");
  ASSERT_EQ(post_new_message("lobby", "first", "m1", cookie_and_csrf(watcher)), 1u);
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http().get(poll_target("lobby", 1, 2), cookie_of(watcher));
  const long long waited = elapsed_ms(start);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(field(response.json(), "messages").as_array().empty()) << response.body;
  EXPECT_EQ(number_field(response.json(), "last_seq"), 1u) << response.body;
  EXPECT_GE(waited, 1800) << "answered before the wait ran out";
  EXPECT_LT(waited, 5000) << "the wait is 2 s";
  // The connection is still good for the next request.
  EXPECT_EQ(http().get("/api/me", cookie_of(watcher)).status, 200);
  EXPECT_EQ(http().connections_opened(), 1);
}

TEST_F(LongPollTest, PollBehindTheRoomAnswersAtOnce) {
  start_server();
  const Session watcher = start_guest("Watcher");
  post_new_message("lobby", "first", "m1", cookie_and_csrf(watcher));
  post_new_message("lobby", "second", "m2", cookie_and_csrf(watcher));
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http().get(poll_target("lobby", 0, 10), cookie_of(watcher));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(field(response.json(), "messages").as_array().size(), 2u) << response.body;
  EXPECT_LT(elapsed_ms(start), 1000);
}

TEST_F(LongPollTest, TwoHundredWaitingPollsAllWakeOnOnePost) {
  constexpr int kPolls = 200;
  start_server();
  const Session watcher = start_guest("Watcher");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  post_new_message("lobby", "first", "m1", poster);

  std::vector<std::unique_ptr<HttpClient>> polls;
  for (int i = 0; i < kPolls; ++i) polls.push_back(new_client());
  // Two rounds, so each connection is reused (kept alive) for a second wait.
  for (std::uint64_t round = 1; round <= 2; ++round) {
    for (auto& poll : polls) {
      ASSERT_TRUE(poll->send_request("GET", poll_target("lobby", round, 10), cookie_of(watcher)));
    }
    std::this_thread::sleep_for(300ms);
    int answered_early = 0;
    for (auto& poll : polls) answered_early += poll->wait_readable(1ms) ? 1 : 0;
    EXPECT_EQ(answered_early, 0) << "round " << round << ": answered before a message";

    const auto posted = std::chrono::steady_clock::now();
    const std::string text = "wake " + std::to_string(round);
    ASSERT_EQ(post_new_message("lobby", text, "w" + std::to_string(round), poster), round + 1);
    int woken = 0;
    for (auto& poll : polls) {
      const json::value message = only_message(poll->read_response(8000ms));
      if (number_field(message, "seq") == round + 1 && text_field(message, "text") == text) ++woken;
    }
    EXPECT_EQ(woken, kPolls) << "round " << round;
    EXPECT_LT(elapsed_ms(posted), 6000) << "round " << round << ": all woke at once";
  }
  for (auto& poll : polls) EXPECT_EQ(poll->connections_opened(), 1);
}

// A poll may wait for a seq beyond the next one: messages before it leave it
// waiting, in the same list as polls they do wake.
TEST_F(LongPollTest, PollAheadOfTheRoomWaitsThroughEarlierMessages) {
  start_server();
  const Session watcher = start_guest("Watcher");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  post_new_message("lobby", "first", "m1", poster);

  HttpClient up_to_date(port());
  HttpClient ahead(port());
  ASSERT_TRUE(up_to_date.send_request("GET", poll_target("lobby", 1, 10), cookie_of(watcher)));
  ASSERT_TRUE(ahead.send_request("GET", poll_target("lobby", 2, 10), cookie_of(watcher)));
  EXPECT_FALSE(ahead.wait_readable(300ms)) << "nothing to answer before a message";

  ASSERT_EQ(post_new_message("lobby", "second", "m2", poster), 2u);
  EXPECT_EQ(number_field(only_message(up_to_date.read_response(4000ms)), "seq"), 2u);
  EXPECT_FALSE(ahead.wait_readable(300ms)) << "seq 2 is not what it waits for";

  ASSERT_EQ(post_new_message("lobby", "third", "m3", poster), 3u);
  const json::value message = only_message(ahead.read_response(4000ms));
  EXPECT_EQ(number_field(message, "seq"), 3u);
  EXPECT_EQ(text_field(message, "text"), "third");
}

TEST_F(LongPollTest, LimitZeroAnswersNoMessagesAndWaitsOnlyWhenNothingIsNew) {
  start_server();
  const Session watcher = start_guest("Watcher");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  for (int i = 1; i <= 3; ++i) {
    post_new_message("lobby", "m", "m" + std::to_string(i), poster);
  }
  // Messages exist after 0: no wait, and none of them.
  HttpClient poll(port());
  ASSERT_TRUE(
      poll.send_request("GET", poll_target("lobby", 0, 5) + "&limit=0", cookie_of(watcher)));
  const auto at_once = poll.read_response(1500ms);
  ASSERT_TRUE(at_once) << "a poll with messages after it waited";
  EXPECT_EQ(at_once->status, 200) << at_once->describe();
  EXPECT_TRUE(field(at_once->json(), "messages").as_array().empty()) << at_once->body;
  EXPECT_EQ(number_field(at_once->json(), "last_seq"), 3u);

  // Nothing after 3: it waits, and the next message wakes it with its seq only.
  ASSERT_TRUE(
      poll.send_request("GET", poll_target("lobby", 3, 5) + "&limit=0", cookie_of(watcher)));
  EXPECT_FALSE(poll.wait_readable(300ms)) << "nothing to answer before a message";
  ASSERT_EQ(post_new_message("lobby", "m", "m4", poster), 4u);
  const auto woken = poll.read_response(4000ms);
  ASSERT_TRUE(woken);
  EXPECT_TRUE(field(woken->json(), "messages").as_array().empty()) << woken->body;
  EXPECT_EQ(number_field(woken->json(), "last_seq"), 4u);
}

}  // namespace
}  // namespace parley::test
