// HTTP/1.1 as clients really speak it: keep-alive, pipelining, chunked
// bodies, HEAD; and as attackers do: huge headers, slow requests, idle
// connections. The server answers or cuts them off, and stays up.
#include "api/api_test.hpp"

#include <cstdio>
#include <thread>

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class HttpRobustnessTest : public ApiTest {
 protected:
  static constexpr int kTimeoutSeconds = 2;
  void start_with_short_timeout() {
    start_server({"--http-timeout", std::to_string(kTimeoutSeconds)});
  }
  void expect_server_serves() {
    HttpClient fresh(port());
    EXPECT_EQ(fresh.get("/healthz").status, 200) << "the server is still up";
  }
};

TEST_F(HttpRobustnessTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start_server();
  const Session zed = start_guest("Zed");
  for (int i = 0; i < 5; ++i) {
    const HttpResponse me = http().get("/api/me", cookie_of(zed));
    ASSERT_EQ(me.status, 200) << me.describe();
    EXPECT_TRUE(me.keep_alive);
    post_new_message("lobby", "x", "k" + std::to_string(i), cookie_and_csrf(zed));
  }
  EXPECT_EQ(http().connections_opened(), 1);
}

TEST_F(HttpRobustnessTest, PipelinedRequestsAreAnsweredInOrder) {
  start_server();
  const Session zed = start_guest("Zed");
  post_new_message("lobby", "x", "p1", cookie_and_csrf(zed));
  const std::string cookie = "Cookie: parley_session=" + zed.cookie + "\r\n";
  const std::string requests = "GET /api/rooms/lobby/messages?after=0 HTTP/1.1\r\nHost: x\r\n" +
                               cookie + "\r\n" + "GET /api/nothing HTTP/1.1\r\nHost: x\r\n" +
                               cookie + "\r\n" + "GET /api/me HTTP/1.1\r\nHost: x\r\n" + cookie +
                               "\r\n";
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(client.send_raw(requests));
  const auto first = client.read_response(5000ms);
  const auto second = client.read_response(5000ms);
  const auto third = client.read_response(5000ms);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 200) << first->describe();
  EXPECT_EQ(text_field(first->json(), "room"), "lobby") << first->describe();
  EXPECT_EQ(second->status, 404) << second->describe();
  EXPECT_EQ(third->status, 200) << third->describe();
  EXPECT_EQ(text_field(third->json(), "user"), "Zed") << third->describe();
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpRobustnessTest, ChunkedRequestBodyIsAccepted) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::string body = message_body("sent in chunks", "c1");
  const std::string head = body.substr(0, 10);
  const std::string tail = body.substr(10);
  const auto hex = [](std::size_t n) {
    char text[32];
    std::snprintf(text, sizeof text, "%zx", n);
    return std::string(text);
  };
  const std::string request =
      "POST /api/rooms/lobby/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nCookie: parley_session=" +
      zed.cookie + "\r\nX-CSRF-Token: " + zed.csrf_token + "\r\n\r\n" + hex(head.size()) + "\r\n" +
      head + "\r\n" + hex(tail.size()) + "\r\n" + tail + "\r\n0\r\n\r\n";
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(client.send_raw(request));
  const auto response = client.read_response(5000ms);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 201) << response->describe();
  const json::value page = read_messages("lobby", "after=0", cookie_of(zed));
  ASSERT_EQ(field(page, "messages").as_array().size(), 1u) << json::serialize(page);
  EXPECT_EQ(text_field(field(page, "messages").as_array()[0], "text"), "sent in chunks");
}

TEST_F(HttpRobustnessTest, HeaderOverTheLimitIsRefusedAndTheServerStaysUp) {
  start_server({"--max-header-bytes", "4096"});
  HttpClient client(port());
  const HttpResponse response =
      client.request("GET", "/healthz", {{"X-Padding", std::string(6000, 'a')}});
  EXPECT_TRUE(response.status == 431 || response.status == 400) << response.describe();
  expect_server_serves();
  // Just under the limit is fine.
  HttpClient under(port());
  EXPECT_EQ(under.get("/healthz", {{"X-Padding", std::string(3000, 'a')}}).status, 200);
}

TEST_F(HttpRobustnessTest, SlowRequestHeaderIsCutOffAfterTheTimeout) {
  start_with_short_timeout();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    // A header line every 300 ms: never idle, never finished.
    if (!client.send_raw("X-Slow-" + std::to_string(i) + ": y\r\n")) {
      closed = true;
      break;
    }
    closed = client.wait_for_close(300ms);
  }
  const long long lasted = elapsed_ms(start);
  ASSERT_TRUE(closed) << "a request trickling in for " << lasted << " ms was never cut off";
  EXPECT_GE(lasted, kTimeoutSeconds * 1000 - 300);
  EXPECT_LE(lasted, kTimeoutSeconds * 1000 + 3000);
  expect_server_serves();
}

TEST_F(HttpRobustnessTest, SlowRequestBodyIsCutOffAfterTheTimeout) {
  start_with_short_timeout();
  const Session zed = start_guest("Zed");
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send_raw(
      "POST /api/rooms/lobby/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\nCookie: parley_session=" +
      zed.cookie + "\r\nX-CSRF-Token: " + zed.csrf_token + "\r\n\r\n{\"text\":\""));
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    if (!client.send_raw("aaaa")) {
      closed = true;
      break;
    }
    closed = client.wait_for_close(300ms);
  }
  const long long lasted = elapsed_ms(start);
  ASSERT_TRUE(closed) << "a body trickling in for " << lasted << " ms was never cut off";
  EXPECT_LE(lasted, kTimeoutSeconds * 1000 + 3000);
  EXPECT_EQ(number_field(read_messages("lobby", "after=0", cookie_of(zed)), "last_seq"), 0u);
}

TEST_F(HttpRobustnessTest, IdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  start_with_short_timeout();
  HttpClient client(port());
  const HttpResponse response = client.get("/healthz");
  ASSERT_EQ(response.status, 200) << response.describe();
  ASSERT_TRUE(response.keep_alive);
  const auto idle_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.wait_for_close(std::chrono::seconds(kTimeoutSeconds + 5)))
      << "an idle connection was kept open";
  const long long idle = elapsed_ms(idle_since);
  EXPECT_GE(idle, kTimeoutSeconds * 1000 - 300);
  EXPECT_LE(idle, kTimeoutSeconds * 1000 + 3000);
}

TEST_F(HttpRobustnessTest, ConnectionWithoutAnyRequestIsClosedAfterTheTimeout) {
  start_with_short_timeout();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  EXPECT_TRUE(client.wait_for_close(std::chrono::seconds(kTimeoutSeconds + 5)));
}

TEST_F(HttpRobustnessTest, HeadAnswersHeadersWithoutABody) {
  start_server();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(client.send_raw("HEAD / HTTP/1.1\r\nHost: " + client.host() + "\r\n\r\n"));
  const std::string bytes = client.read_raw(700ms);
  const std::size_t end = bytes.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << bytes;
  EXPECT_EQ(bytes.rfind("HTTP/1.1 200", 0), 0u) << bytes;
  EXPECT_EQ(bytes.size(), end + 4) << "a body came after the headers: " << bytes.substr(end);
  const std::size_t length = bytes.find("Content-Length: ");
  ASSERT_NE(length, std::string::npos) << bytes;
  EXPECT_GT(std::stoul(bytes.substr(length + 16)), 0u) << "the length of the GET body";
  // The connection is in step for the next request.
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpRobustnessTest, AnEndlessChunkLineOrTrailerIsCutOff) {
  // Beast counts neither a chunk's extension nor the trailer against the
  // header and body limits; the session's bounded buffer does.
  start_server();
  const std::string head =
      "POST /api/rooms/lobby/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (const std::string& start : {head + "1;ext=", head + "0\r\nX-Trailer: "}) {
    HttpClient client(port());
    ASSERT_TRUE(client.connect());
    ASSERT_TRUE(client.send_raw(start));
    const std::string filler(16 * 1024, 'a');
    for (int i = 0; i < 16; ++i) {  // 256 KiB, more than the buffer holds
      if (!client.send_raw(filler)) break;
    }
    EXPECT_TRUE(client.wait_for_close(5000ms)) << "the server kept reading " << start;
  }
  expect_server_serves();
}

TEST_F(HttpRobustnessTest, AnErrorAnswerAfterAHeadKeepsItsBody) {
  start_server();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(client.send_raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP\r\n\r\n"));
  const auto first = client.read_response(5000ms, /*to_head=*/true);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  const auto second = client.read_response(5000ms);
  ASSERT_TRUE(second) << "the 400 came without its body";
  EXPECT_EQ(second->status, 400) << second->describe();
  EXPECT_EQ(error_code_of(*second), "bad_request") << second->describe();
}

// Connection limits: past them a new connection is answered at once (before
// any request is read) and closed; a place frees when a connection ends.
class ConnectionLimitTest : public ApiTest {
 protected:
  // A kept-alive connection that the server has accepted and answered.
  std::unique_ptr<HttpClient> held_connection() {
    auto client = new_client();
    const HttpResponse answer = client->get("/healthz");
    EXPECT_EQ(answer.status, 200) << answer.describe();
    EXPECT_TRUE(answer.keep_alive);
    return client;
  }
  // What a new connection gets before it says anything.
  std::optional<HttpResponse> first_answer_of_a_new_connection() {
    HttpClient client(port());
    if (!client.connect()) return std::nullopt;
    auto answer = client.read_response(5000ms);
    if (answer) {
      EXPECT_TRUE(client.wait_for_close(5000ms)) << "closed after the answer";
    }
    return answer;
  }
  // Retries until a new connection is served: a place frees when the server
  // has seen the old connection end, a moment after the client closed it.
  bool a_new_connection_is_served() {
    for (int attempt = 0; attempt < 50; ++attempt) {
      HttpClient client(port());
      if (client.connect() && client.send_request("GET", "/healthz")) {
        const auto answer = client.read_response(5000ms);
        if (answer && answer->status == 200) return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  // /metrics, retried while the connection is refused: the places of
  // connections just closed free a moment later.
  std::string metrics() {
    HttpResponse answer;
    for (int attempt = 0; attempt < 50; ++attempt) {
      answer = new_client()->get("/metrics");
      if (answer.status == 200) break;
      std::this_thread::sleep_for(100ms);
    }
    return answer.body;
  }
  // Reads /metrics until `line` is in it (connections end a moment after
  // their clients close them); returns the last text read.
  std::string wait_for_metric(const std::string& line) {
    std::string text;
    for (int attempt = 0; attempt < 50; ++attempt) {
      text = metrics();
      if (text.find("\n" + line + "\n") != std::string::npos) break;
      std::this_thread::sleep_for(100ms);
    }
    return text;
  }
};

TEST_F(ConnectionLimitTest, PastThePerAddressLimitANewConnectionGets429) {
  start_server({"--max-connections-per-address", "3"});
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(held_connection());

  const auto refused = first_answer_of_a_new_connection();
  ASSERT_TRUE(refused) << "the connection was closed without an answer";
  EXPECT_EQ(refused->status, 429) << refused->describe();
  EXPECT_EQ(error_code_of(*refused), "rate_limited") << refused->describe();
  EXPECT_TRUE(refused->header("Retry-After")) << refused->describe();

  held.pop_back();  // one ends: its place is free again
  EXPECT_TRUE(a_new_connection_is_served());
  held.clear();
  // At least the one above; retries while the place was freeing count too.
  const std::string text = metrics();
  const std::size_t at = text.find("\nparley_connections_refused_total ");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GE(std::stoul(text.substr(at + 34)), 1u) << text;
}

TEST_F(ConnectionLimitTest, PastTheServerLimitANewConnectionGets429Too) {
  start_server({"--max-connections", "2"});
  auto first = held_connection();
  auto second = held_connection();

  const auto refused = first_answer_of_a_new_connection();
  ASSERT_TRUE(refused) << "the connection was closed without an answer";
  EXPECT_EQ(refused->status, 429) << refused->describe();
  EXPECT_EQ(error_code_of(*refused), "rate_limited") << refused->describe();
  EXPECT_NE(refused->body.find("connection limit"), std::string::npos) << refused->describe();

  first.reset();
  EXPECT_TRUE(a_new_connection_is_served());
}

TEST_F(ConnectionLimitTest, AWebSocketKeepsItsPlaceUntilItCloses) {
  start_server({"--max-connections", "2"});
  auto socket = connect_ws("/ws?name=Ann");
  ASSERT_TRUE(socket);
  auto other = held_connection();

  // The upgraded connection still counts: no third place.
  const auto refused = first_answer_of_a_new_connection();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429) << refused->describe();

  socket->close();
  other.reset();
  EXPECT_TRUE(a_new_connection_is_served());
  const std::string text = wait_for_metric("parley_connections_open 1");
  EXPECT_NE(text.find("\nparley_connections_open 1\n"), std::string::npos)
      << "only the metrics request's own connection is left open:\n"
      << text;
}

}  // namespace
}  // namespace parley::test
