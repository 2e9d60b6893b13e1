// How an HTTP session notices a client that went away while its answer was
// awaited: the server's tick peeks at every such session once in a while,
// and a call that may wait long has its socket watched (ApiCall::when_abandoned).
#include <sys/socket.h>

#include <cerrno>
#include <functional>
#include <utility>

#include "http/http_session.hpp"

namespace parley::transport {

namespace beast = boost::beast;

void HttpSession::close_if_abandoned() {
  const ClientSign sign = peek_client();
  if (sign == ClientSign::finished || sign == ClientSign::failed) abandon(sign);
}

// Only calls that ask for it pay for this wait (a long poll does; a poll
// answered at once does not).
void HttpSession::watch_client() {
  if (!awaiting_answer_ || is_watching_client_) return;
  is_watching_client_ = true;
  stream_.socket().async_wait(
      boost::asio::ip::tcp::socket::wait_read,
      beast::bind_front_handler(&HttpSession::on_client_readable, shared_from_this()));
}

void HttpSession::on_client_readable(beast::error_code error) {
  // Cancelled by the answer, or the socket was closed.
  if (error == boost::asio::error::operation_aborted || !is_watching_client_) return;
  is_watching_client_ = false;
  if (!awaiting_answer_) return;
  const ClientSign sign = error ? ClientSign::failed : peek_client();
  if (sign == ClientSign::nothing) return watch_client();
  // A pipelined request is left for its turn (the tick still looks for an
  // end behind it); an end or an error ends the wait.
  if (sign != ClientSign::next_request) abandon(sign);
}

// A peek that does not wait: the next request (pipelined), nothing yet, or
// the end of the connection.
HttpSession::ClientSign HttpSession::peek_client() {
  char next = 0;
  const ssize_t peeked =
      ::recv(stream_.socket().native_handle(), &next, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked > 0) return ClientSign::next_request;
  if (peeked == 0) return ClientSign::finished;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? ClientSign::nothing
                                                                   : ClientSign::failed;
}

void HttpSession::abandon(ClientSign sign) {
  const auto self = shared_from_this();  // the call may hold the last reference
  std::function<void()> handler;
  if (const auto call = pending_call_.lock()) handler = std::exchange(call->on_abandoned, nullptr);
  if (sign == ClientSign::finished && handler) {
    // Half-closed, it can still read: the handler drops the work held for
    // it and may answer at once; that answer is written, then the
    // connection closes (a half-closed client counts as gone, as with most
    // proxies).
    has_client_finished_ = true;
    std::exchange(handler, nullptr)();
    if (!awaiting_answer_) return;
  }
  // Gone: its descriptor is freed now. A handler that holds something while
  // it waits lets go of it; any answer, when it comes, fails to write and
  // ends the session.
  context_.awaiting_answers.remove(this);
  beast::error_code ignored;
  stream_.socket().close(ignored);
  if (handler) handler();
}

}  // namespace parley::transport
