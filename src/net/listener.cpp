#include "net/listener.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <string_view>
#include <variant>

#include "http/http_session.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace parley::transport {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// The key of per-address limits: the client's IP address as text; an IPv4
// address mapped into IPv6 counts as that IPv4 address.
std::string address_of(const tcp::socket& socket) {
  boost::system::error_code error;
  const tcp::endpoint remote = socket.remote_endpoint(error);
  if (error) return {};
  const asio::ip::address address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// A whole HTTP answer with the contract's error body; the connection closes.
std::string canned_error(std::string_view status, std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"code":")";
  body.append(code).append(R"(","message":")").append(message).append("\"}}");
  std::string answer = "HTTP/1.1 ";
  answer.append(status)
      .append(
          "\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\n"
          "Content-Length: ")
      .append(std::to_string(body.size()))
      .append("\r\n\r\n")
      .append(body);
  return answer;
}

}  // namespace

Listener::Listener(asio::io_context& io, const tcp::endpoint& endpoint, ServerContext& context)
    : acceptor_(io), retry_(io), context_(context), router_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::run() {
  do_accept();
}

void Listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

void Listener::do_accept() {
  acceptor_.async_accept(
      boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code error, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (error) {
    // Out of file descriptors, say: wait a little rather than spin.
    obs::log_warn("accept failed: " + error.message());
    retry_.expires_after(std::chrono::milliseconds(50));
    retry_.async_wait([self = shared_from_this()](boost::beast::error_code waited) {
      if (!waited) self->do_accept();
    });
    return;
  }
  std::string address = address_of(socket);
  auto admitted = context_.connections.admit(address);
  if (const auto* refusal = std::get_if<core::ConnectionQuota::Refusal>(&admitted)) {
    refuse(socket, *refusal);
  } else {
    socket.set_option(tcp::no_delay(true), error);
    std::make_shared<HttpSession>(std::move(socket), std::move(address),
                                  std::get<core::ConnectionQuota::Slot>(std::move(admitted)),
                                  context_, router_)
        ->run();
  }
  do_accept();
}

// Answered at once, before any request is read, and closed: a connection over
// a limit costs one write.
void Listener::refuse(tcp::socket& socket, core::ConnectionQuota::Refusal refusal) {
  static const std::string kPerAddress = canned_error("429 Too Many Requests", "rate_limited",
                                                      "too many connections from this address");
  static const std::string kTotal = canned_error("429 Too Many Requests", "rate_limited",
                                                 "the server is at its connection limit");
  obs::count(obs::counters().connections_refused);
  obs::count_error(obs::Transport::http, core::ErrorCode::rate_limited);
  const std::string& answer =
      refusal == core::ConnectionQuota::Refusal::per_address ? kPerAddress : kTotal;
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(answer), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace parley::transport
