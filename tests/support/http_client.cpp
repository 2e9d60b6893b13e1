#include "support/http_client.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <stdexcept>

namespace parley::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxResponseBodyBytes = 64 * 1024 * 1024;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool has_field(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) values.push_back(value);
  }
  return values;
}

std::optional<std::string> HttpResponse::set_cookie(std::string_view name) const {
  for (const std::string& line : headers_named("Set-Cookie")) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == '=') {
      return line;
    }
  }
  return std::nullopt;
}

std::optional<std::string> HttpResponse::cookie_value(std::string_view name) const {
  auto line = set_cookie(name);
  if (!line) return std::nullopt;
  const std::size_t start = name.size() + 1;
  const std::size_t end = line->find(';');
  return line->substr(start, end == std::string::npos ? std::string::npos : end - start);
}

boost::json::value HttpResponse::json() const {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(body, error);
  if (error) throw std::runtime_error("the body is not JSON: " + describe());
  return value;
}

std::string HttpResponse::describe() const {
  std::string text = "HTTP " + std::to_string(status);
  for (const auto& [key, value] : headers)
    text.append("\n  ").append(key).append(": ").append(value);
  text.append("\n  body (").append(std::to_string(body.size())).append(" bytes): ");
  text.append(body.substr(0, 600));
  if (body.size() > 600) text.append("...");
  return text;
}

HttpClient::HttpClient(std::uint16_t port, HttpDuration timeout)
    : port_(port), timeout_(timeout), socket_(io_) {}

HttpClient::~HttpClient() {
  close();
}

std::string HttpClient::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

bool HttpClient::run_for(const bool& done, HttpDuration timeout) {
  io_.restart();
  io_.run_for(timeout);
  if (done) return true;
  beast::error_code ignored;
  socket_.cancel(ignored);
  io_.restart();
  io_.run();  // the cancelled handlers, which set `done`
  return false;
}

bool HttpClient::connect() {
  close();
  beast::error_code error;
  socket_.open(tcp::v4(), error);
  if (error) return false;
  bool done = false;
  socket_.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port_),
                        [&](beast::error_code result) {
                          error = result;
                          done = true;
                        });
  if (!run_for(done, timeout_) || error) {
    close();
    return false;
  }
  socket_.set_option(tcp::no_delay(true), error);
  connected_ = true;
  reusable_ = true;
  ++connections_opened_;
  return true;
}

void HttpClient::close() {
  beast::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  buffer_.consume(buffer_.size());
  connected_ = false;
  reusable_ = false;
}

bool HttpClient::shutdown_write() {
  if (!connected_) return false;
  beast::error_code error;
  socket_.shutdown(tcp::socket::shutdown_send, error);
  reusable_ = false;
  return !error;
}

std::string HttpClient::serialize(std::string_view method, std::string_view target,
                                  const HttpHeaders& headers, std::string_view body) const {
  std::string text;
  text.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!has_field(headers, "Host")) text.append("Host: ").append(host()).append("\r\n");
  for (const auto& [key, value] : headers)
    text.append(key).append(": ").append(value).append("\r\n");
  const bool carries_body = !body.empty() || (method != "GET" && method != "HEAD");
  if (carries_body && !has_field(headers, "Content-Length") &&
      !has_field(headers, "Transfer-Encoding")) {
    text.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  text.append("\r\n").append(body);
  return text;
}

bool HttpClient::send_raw(std::string_view bytes) {
  if (!connected_) return false;
  bool done = false;
  beast::error_code error;
  asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                    [&](beast::error_code result, std::size_t) {
                      error = result;
                      done = true;
                    });
  return run_for(done, timeout_) && !error;
}

bool HttpClient::is_stale() {
  if (buffer_.size() > 0) return true;
  char byte = 0;
  const ssize_t peeked = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

bool HttpClient::send_request(std::string_view method, std::string_view target,
                              const HttpHeaders& headers, std::string_view body) {
  if ((!connected_ || !reusable_ || is_stale()) && !connect()) return false;
  return send_raw(serialize(method, target, headers, body));
}

std::optional<HttpResponse> HttpClient::read_response(HttpDuration timeout, bool to_head) {
  if (!connected_) return std::nullopt;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBodyBytes);
  parser.skip(to_head);
  bool done = false;
  beast::error_code error;
  http::async_read(socket_, buffer_, parser, [&](beast::error_code result, std::size_t) {
    error = result;
    done = true;
  });
  if (!run_for(done, timeout) || error) {
    // A half-read answer leaves the connection in an unknown state.
    close();
    return std::nullopt;
  }
  const auto& message = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = message.body();
  response.keep_alive = message.keep_alive();
  reusable_ = response.keep_alive;
  return response;
}

bool HttpClient::wait_readable(HttpDuration timeout) {
  if (buffer_.size() > 0) return true;
  if (!connected_) return false;
  bool done = false;
  beast::error_code error;
  socket_.async_wait(tcp::socket::wait_read, [&](beast::error_code result) {
    error = result;
    done = true;
  });
  return run_for(done, timeout) && !error;
}

std::string HttpClient::read_raw(HttpDuration timeout) {
  std::string bytes(static_cast<const char*>(buffer_.cdata().data()), buffer_.size());
  buffer_.consume(buffer_.size());
  if (!connected_) return bytes;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<HttpDuration>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    bool done = false;
    beast::error_code error;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(chunk), [&](beast::error_code result, std::size_t n) {
      error = result;
      got = n;
      done = true;
    });
    if (!run_for(done, left)) break;
    bytes.append(chunk, got);
    if (error) {
      // The end is reported once: a later wait_for_close() must know it.
      close();
      break;
    }
  }
  return bytes;
}

bool HttpClient::wait_for_close(HttpDuration timeout) {
  if (!connected_) return true;
  buffer_.consume(buffer_.size());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<HttpDuration>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    bool done = false;
    beast::error_code error;
    socket_.async_read_some(asio::buffer(chunk), [&](beast::error_code result, std::size_t) {
      error = result;
      done = true;
    });
    if (!run_for(done, left)) return false;
    if (error) {
      close();
      return true;
    }
  }
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 const HttpHeaders& headers, std::string_view body) {
  if (!send_request(method, target, headers, body)) {
    throw std::runtime_error("cannot send " + std::string(method) + " " + std::string(target));
  }
  auto response = read_response(timeout_, method == "HEAD");
  if (!response) {
    throw std::runtime_error("no answer to " + std::string(method) + " " + std::string(target) +
                             " within " + std::to_string(timeout_.count()) + " ms");
  }
  return *std::move(response);
}

HttpResponse HttpClient::post_json(std::string_view target, std::string_view body,
                                   const HttpHeaders& headers) {
  HttpHeaders all = headers;
  all.emplace_back("Content-Type", "application/json");
  return request("POST", target, all, body);
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      encoded += c;
    } else {
      encoded.append("%").append(1, kHex[byte >> 4]).append(1, kHex[byte & 15]);
    }
  }
  return encoded;
}

}  // namespace parley::test
