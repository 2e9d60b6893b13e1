// One WebSocket connection: reads client frames and hands them to the chat
// service; writes server frames from a bounded queue, one write in flight.
// Owned by its own asynchronous chain (shared_from_this); I/O thread only.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "auth/identity.hpp"
#include "service/connection.hpp"
#include "transport/server_context.hpp"

namespace parley::transport {

// Whether the session holds its guest name in GuestNames (a `?name=` guest),
// to release when it ends.
enum class NameClaim { none, held };

class WsSession final : public service::Connection, public std::enable_shared_from_this<WsSession> {
 public:
  // `session_secret`: the cookie the socket authenticated with, if any; an
  // open socket keeps its session (and a guest's name) from expiring.
  WsSession(boost::beast::tcp_stream&& stream, ServerContext& context, auth::Identity identity,
            NameClaim claim, std::optional<std::string> session_secret = std::nullopt);
  ~WsSession();

  // Completes the upgrade that `request` asked for, then runs until closed.
  void run(boost::beast::http::request<boost::beast::http::string_body> request);

  // Closes with 1001 (going away) once what is queued has been written.
  void shut_down();

  const core::UserName& user() const override { return identity_.user; }
  bool is_guest() const override { return identity_.is_guest(); }
  bool is_open() const override { return state_ == State::open; }
  void send(const core::Frame& frame) override;
  void fall_behind() override;

 private:
  enum class State { accepting, open, closing, closed };

  void on_accept(boost::beast::error_code error);
  void keep_session_alive();
  void read_if_ready();
  void on_read(boost::beast::error_code error, std::size_t bytes);
  void dispatch(std::string_view text);
  void do_write();
  void on_write(boost::beast::error_code error, std::size_t bytes);
  // Starts the closing handshake with `code` after the write in flight.
  void close_with(boost::beast::websocket::close_code code, bool drop_queue);
  void do_close();
  void on_close(boost::beast::error_code error);
  // Leaves every room and releases the guest name; idempotent.
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  ServerContext& context_;
  auth::Identity identity_;
  NameClaim claim_;
  std::optional<std::string> session_secret_;
  boost::asio::steady_timer session_refresh_;
  State state_ = State::accepting;

  boost::beast::flat_buffer read_buffer_;
  bool reading_ = false;
  bool dispatching_ = false;  // a frame in read_buffer_ is being handled
  bool join_pending_ = false;
  std::size_t in_flight_sends_ = 0;

  std::deque<core::Frame> queue_;  // front is being written while writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool overflowed_ = false;  // the queue hit its bound: closing with 1008
  boost::beast::websocket::close_code close_code_ = boost::beast::websocket::close_code::normal;
  bool close_started_ = false;
  boost::asio::steady_timer close_deadline_;
  bool finished_ = false;
};

}  // namespace parley::transport
