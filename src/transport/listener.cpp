#include "transport/listener.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>

#include "obs/log.hpp"
#include "transport/http_session.hpp"

namespace parley::transport {

namespace asio = boost::asio;
using asio::ip::tcp;

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
  socket.set_option(tcp::no_delay(true), error);
  std::make_shared<HttpSession>(std::move(socket), context_, router_)->run();
  do_accept();
}

}  // namespace parley::transport
