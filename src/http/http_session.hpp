// One HTTP/1.1 connection: reads requests one at a time (so pipelined ones are
// answered in order), answers them, and hands the socket to a WsSession on a
// WebSocket upgrade. Owned by its asynchronous chain; I/O thread only.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "http/http_response.hpp"
#include "http/request_framing.hpp"
#include "http/router.hpp"
#include "net/server_context.hpp"
#include "ws/ws_session.hpp"

namespace parley::transport {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `address`: the TCP peer's, the key of per-address limits unless a
  // trusted proxy names the client of a request (TrustedProxies); `slot`: the
  // connection's place within the connection limits, passed on to a WsSession.
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::string address,
              core::ConnectionQuota::Slot slot, ServerContext& context, Router& router);
  ~HttpSession();
  void run();
  // While its answer is awaited: closes the socket if the client has gone
  // (called once a second by the server's tick).
  void close_if_abandoned();

 private:
  // What a look at the socket of a request awaiting its answer finds.
  enum class ClientSign { nothing, next_request, finished, failed };

  void do_read();
  void on_header(boost::beast::error_code error, std::size_t bytes);
  void read_body();
  void on_read(boost::beast::error_code error, std::size_t bytes);
  void refuse(const HeaderRefusal& refusal);
  // While an API call awaits an answer that may take long (it asked through
  // ApiCall::when_abandoned): waits for the socket to become readable.
  void watch_client();
  void on_client_readable(boost::beast::error_code error);
  ClientSign peek_client();
  // The client went away (`finished`: it half-closed) while its answer was awaited.
  void abandon(ClientSign sign);
  void start_deadline();
  void arm_deadline_timer();
  void on_deadline_timer(boost::beast::error_code error);
  void answer(Response response);
  void answer(SharedAnswer answer);
  void write(std::array<boost::asio::const_buffer, 2> buffers, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code error, std::size_t bytes);
  // The client of the request whose header was just read (through a trusted
  // proxy's X-Forwarded-For), and what its access line will show.
  void note_client(const Request& request);
  void write_access_line(std::size_t bytes);
  void upgrade_to_websocket(Request request);
  void on_upgrade_authenticated(Request request, std::optional<std::string> guest_name,
                                auth::Credentials presented,
                                std::variant<auth::Caller, core::Error> resolved);
  void start_websocket(Request request, auth::Identity identity, NameClaim claim,
                       std::optional<SocketCredential> credential = std::nullopt);

  using Clock = std::chrono::steady_clock;

  boost::beast::tcp_stream stream_;  // read and written through its socket; its timers unused
  // Bounded: the parser keeps a chunk line or a trailer whole until it ends,
  // and Beast's header and body limits do not count those bytes.
  boost::beast::flat_buffer buffer_;
  ServerContext& context_;
  Router& router_;
  std::string address_;  // the TCP peer's IP address
  boost::asio::ip::address peer_;
  // The current request's client (the peer's unless a trusted proxy says),
  // and how it reached us (TLS makes cookies Secure).
  std::string client_address_;
  auth::Transport client_transport_ = auth::Transport::plain;
  // For the access line, only while access lines are written: the request
  // (its target redacted: access_target), the answer's status, and when the
  // header was read.
  std::string access_method_;
  std::string access_target_;
  unsigned access_status_ = 0;
  Clock::time_point access_started_{};
  core::ConnectionQuota::Slot slot_;
  bool answering_head_ = false;  // the request being answered is a HEAD
  std::optional<RequestParser> parser_;
  Response response_;                       // the answer being written: its body goes out as is
  core::MemoryBudget::Lease answer_lease_;  // a large body's share of the server's budget
  std::string head_;            // its status line and header fields; capacity kept for the next
  SharedAnswer shared_answer_;  // or the shared bytes being written
  // A read or write under way must end by this (http_timeout after it began);
  // between them, while a request is answered or a long poll waits, none.
  Clock::time_point deadline_ = Clock::time_point::max();
  boost::asio::steady_timer deadline_timer_;  // fires at an old deadline at the latest
  bool is_deadline_timer_armed_ = false;
  bool awaiting_answer_ = false;         // routed, not answered: in context_.awaiting_answers
  std::weak_ptr<ApiCall> pending_call_;  // while awaiting: the API call that will answer
  bool is_watching_client_ = false;      // an async_wait for readability is under way
  bool has_client_finished_ = false;     // it half-closed: the answer is its last
};

}  // namespace parley::transport
