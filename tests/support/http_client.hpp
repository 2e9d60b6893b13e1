// A synchronous HTTP/1.1 client for tests, built on Beast: one TCP
// connection at a time to 127.0.0.1, reused while the server keeps it alive,
// with its own io_context. Every operation has a timeout (async operations
// run for a bounded time, then are cancelled; the socket stays usable).
// Besides whole requests it can write raw bytes (pipelining, slow or broken
// clients) and read raw bytes or wait for the server to close. Used by one
// thread at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_headers.hpp"

namespace parley::test {

using HttpDuration = std::chrono::milliseconds;
inline constexpr HttpDuration kHttpTimeout{10000};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  bool keep_alive = false;

  // The first field of `name`, when present.
  std::optional<std::string> header(std::string_view name) const;
  // Every field of `name`, in order (Set-Cookie may come more than once).
  std::vector<std::string> headers_named(std::string_view name) const;
  // The Set-Cookie line for cookie `name`, when the response sets it.
  std::optional<std::string> set_cookie(std::string_view name) const;
  // The value the response gives cookie `name` (text before the first ';').
  std::optional<std::string> cookie_value(std::string_view name) const;
  // The body parsed as JSON; throws (with the body) when it is not JSON.
  boost::json::value json() const;
  // Status, headers and body, for failure messages.
  std::string describe() const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, HttpDuration timeout = kHttpTimeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its answer, on the open connection when the
  // last answer kept it alive and the server has not closed it since (as a
  // browser does), else on a new one. A Host field is added
  // unless `headers` has one; Content-Length is set from `body` when the
  // method is not GET or HEAD or the body is not empty. Throws
  // std::runtime_error when no complete answer arrives in time.
  HttpResponse request(std::string_view method, std::string_view target,
                       const HttpHeaders& headers = {}, std::string_view body = {});
  HttpResponse get(std::string_view target, const HttpHeaders& headers = {}) {
    return request("GET", target, headers);
  }
  // POST with Content-Type: application/json.
  HttpResponse post_json(std::string_view target, std::string_view body,
                         const HttpHeaders& headers = {});

  // The lower level. connect() opens a new connection (closing any open
  // one); returns false when it cannot.
  bool connect();
  // Writes one request without reading its answer (false when the write
  // failed); read it later with read_response().
  bool send_request(std::string_view method, std::string_view target,
                    const HttpHeaders& headers = {}, std::string_view body = {});
  // Writes `bytes` as they are; false when the write failed.
  bool send_raw(std::string_view bytes);
  // The next answer on the connection; nullopt when none arrived in time or
  // the connection ended first. `to_head`: the answer to a HEAD request
  // (headers only, whatever its Content-Length says).
  std::optional<HttpResponse> read_response(HttpDuration timeout, bool to_head = false);
  // True when bytes (or the end of the connection) can be read within
  // `timeout`; reads nothing, so a later read_response() still sees them.
  bool wait_readable(HttpDuration timeout);
  // Whatever bytes arrive within `timeout` (or until the server closes; the
  // client is closed then too).
  std::string read_raw(HttpDuration timeout);
  // True when the server closes the connection (end of file or reset)
  // within `timeout`; bytes arriving meanwhile are read and dropped.
  bool wait_for_close(HttpDuration timeout);
  // Half-closes the connection (shutdown(SHUT_WR)): the server reads the end
  // of the stream, and can still write. False when it failed.
  bool shutdown_write();
  void close();

  bool is_connected() const { return connected_; }
  // How many connections this client has opened, for keep-alive checks.
  int connections_opened() const { return connections_opened_; }
  std::uint16_t port() const { return port_; }
  std::string host() const;

 private:
  // Runs the io_context until `done`, or `timeout`, after which the pending
  // operations are cancelled and drained; returns whether `done` came.
  bool run_for(const bool& done, HttpDuration timeout);
  // True when the idle connection has ended, or has unasked-for bytes.
  bool is_stale();
  std::string serialize(std::string_view method, std::string_view target,
                        const HttpHeaders& headers, std::string_view body) const;

  std::uint16_t port_;
  HttpDuration timeout_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  bool reusable_ = false;  // the last answer kept the connection alive
  int connections_opened_ = 0;
};

// Percent-encodes `text` for a query value or a form field.
std::string url_encode(std::string_view text);

}  // namespace parley::test
