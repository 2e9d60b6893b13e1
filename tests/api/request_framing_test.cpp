// How a request's body is framed (RFC 9112 6): a Transfer-Encoding the
// server does not implement gets 501, one beside Content-Length or on
// HTTP/1.0 gets 400, and each closes the connection, so that no byte of a
// body is ever read as a request of its own (request smuggling). Expect:
// 100-continue is answered before the body is read; any other Expect is 417.
#include "api/api_test.hpp"

#include <iterator>
#include <regex>

namespace parley::test {
namespace {

using namespace std::chrono_literals;

// A request the server must see as the next one if it misreads a body.
const std::string kSmuggled = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

// How many status lines are in `bytes`.
int answers_in(const std::string& bytes) {
  static const std::regex status_line("HTTP/1\\.[01] [1-5][0-9][0-9] ");
  return static_cast<int>(std::distance(
      std::sregex_iterator(bytes.begin(), bytes.end(), status_line), std::sregex_iterator()));
}

class RequestFramingTest : public ApiTest {
 protected:
  struct Transcript {
    std::string bytes;  // everything the server wrote
    bool closed = false;
  };
  // Sends `request` on a new connection and reads what the server writes
  // until it closes (or 3 s pass).
  Transcript exchange(const std::string& request) {
    HttpClient client(port());
    Transcript transcript;
    if (!client.connect() || !client.send_raw(request)) return transcript;
    transcript.bytes = client.read_raw(3000ms);
    transcript.closed = client.wait_for_close(1000ms);
    return transcript;
  }
  // Expects one answer of `status` with the contract's error body, then the
  // end of the connection, and nothing for the smuggled request.
  void expect_refused_and_closed(const std::string& request, int status) {
    SCOPED_TRACE(request);
    const Transcript transcript = exchange(request);
    const std::string expected = "HTTP/1.1 " + std::to_string(status) + " ";
    EXPECT_EQ(transcript.bytes.rfind(expected, 0), 0u) << transcript.bytes;
    EXPECT_NE(transcript.bytes.find(R"({"error":{"code":"bad_request")"), std::string::npos)
        << transcript.bytes;
    EXPECT_NE(transcript.bytes.find("Connection: close"), std::string::npos) << transcript.bytes;
    EXPECT_EQ(answers_in(transcript.bytes), 1) << transcript.bytes;
    EXPECT_EQ(transcript.bytes.find("parley_http_requests_total"), std::string::npos)
        << "the smuggled request was answered";
    EXPECT_TRUE(transcript.closed) << "the connection stayed open";
  }
};

TEST_F(RequestFramingTest, AnUnknownTransferEncodingIs501AndTheBodyIsNeverARequest) {
  start_server();
  const std::string guest =
      "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  for (const char* coding :
       {"gzip", "xchunked", "chunked, gzip", "gzip, chunked", "", "chunked;ext=1", "identity"}) {
    expect_refused_and_closed(guest + "Transfer-Encoding: " + coding + "\r\n\r\n" + kSmuggled, 501);
  }
}

TEST_F(RequestFramingTest, SeveralTransferEncodingFieldsCountAsTheirJoinedList) {
  start_server();
  const std::string guest =
      "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  // Taken alone, the last field would frame this body as chunked.
  const std::string chunked_body = "c\r\n{\"name\":\"A\"}\r\n0\r\n\r\n";
  expect_refused_and_closed(guest +
                                "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                chunked_body + kSmuggled,
                            501);
  expect_refused_and_closed(guest +
                                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                chunked_body + kSmuggled,
                            501);
}

TEST_F(RequestFramingTest, TransferEncodingWithContentLengthIs400) {
  start_server();
  const std::string guest =
      "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  expect_refused_and_closed(
      guest + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}" + kSmuggled, 400);
  expect_refused_and_closed(
      guest + "Content-Length: 2\r\nTransfer-Encoding: gzip\r\n\r\n{}" + kSmuggled, 400);
  expect_refused_and_closed(
      guest + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + kSmuggled, 400);
}

TEST_F(RequestFramingTest, TransferEncodingOnHttp10Is400) {
  start_server();
  const std::string healthz = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n";
  expect_refused_and_closed(healthz + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + kSmuggled,
                            400);
  expect_refused_and_closed(healthz + "Transfer-Encoding: gzip\r\n\r\n" + kSmuggled, 400);
}

TEST_F(RequestFramingTest, ChunkedIsMatchedWithoutCaseOrWhiteSpace) {
  start_server();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(
      client.send_raw("POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding:  Chunked \r\n\r\nc\r\n{\"name\":\"A\"}\r\n0\r\n\r\n"));
  const auto answer = client.read_response(5000ms);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->describe();
  EXPECT_TRUE(answer->keep_alive);
}

TEST_F(RequestFramingTest, Expect100ContinueIsAnsweredBeforeTheBodyIsSent) {
  start_server();
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  const std::string body = R"({"name":"Patient"})";
  ASSERT_TRUE(
      client.send_raw("POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Expect: 100-continue\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n"));
  // The client sends nothing more until it is told to go on.
  const auto go_on = client.read_response(5000ms);
  ASSERT_TRUE(go_on) << "no 100 Continue came";
  EXPECT_EQ(go_on->status, 100) << go_on->describe();
  ASSERT_TRUE(client.send_raw(body));
  const auto answer = client.read_response(5000ms);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->describe();
  // The connection goes on as usual.
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(RequestFramingTest, AnotherExpectationIs417AndCloses) {
  start_server();
  const std::string guest =
      "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n";
  expect_refused_and_closed(guest + "Expect: 200-ok\r\n\r\n{}", 417);
  expect_refused_and_closed(guest + "Expect: 100-continue, x\r\n\r\n{}", 417);
}

TEST_F(RequestFramingTest, ABodyTooLargeByItsLengthIsRefusedWithoutA100) {
  start_server({"--max-body-bytes", "2048"});
  HttpClient client(port());
  ASSERT_TRUE(client.connect());
  ASSERT_TRUE(
      client.send_raw("POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Expect: 100-continue\r\nContent-Length: 4096\r\n\r\n"));
  const auto answer = client.read_response(5000ms);
  ASSERT_TRUE(answer) << "the refusal did not come at once";
  EXPECT_EQ(answer->status, 413) << answer->describe();
  EXPECT_TRUE(client.wait_for_close(3000ms));
}

}  // namespace
}  // namespace parley::test
