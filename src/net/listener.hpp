// Accepts TCP connections and starts an HttpSession for each, within the
// connection limits (ServerContext::connections). I/O thread only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>

#include "http/router.hpp"
#include "net/server_context.hpp"

namespace parley::transport {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; throws on failure (a start-up error).
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
           ServerContext& context);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run();
  void stop();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code error, boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket& socket, core::ConnectionQuota::Refusal refusal);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  ServerContext& context_;
  Router router_;
};

}  // namespace parley::transport
