#include "transport/http_session.hpp"

#include <sys/socket.h>
#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <utility>

#include "auth/origin_policy.hpp"
#include "obs/log.hpp"
#include "transport/http_request.hpp"
#include "transport/ws_framing.hpp"
#include "transport/ws_session.hpp"

namespace parley::transport {

namespace beast = boost::beast;
namespace http = beast::http;
using core::ErrorCode;

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, std::string address,
                         core::ConnectionQuota::Slot slot, ServerContext& context, Router& router)
    : stream_(std::move(socket)),
      buffer_(context.limits.http_header_bytes + context.limits.http_body_bytes + 8192),
      context_(context),
      router_(router),
      address_(std::move(address)),
      slot_(std::move(slot)),
      deadline_timer_(stream_.socket().get_executor()) {}

void HttpSession::run() {
  do_read();
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_bytes));
  parser_->body_limit(context_.limits.http_body_bytes);
  // One deadline for the whole request: a slow client cannot hold it open.
  start_deadline();
  http::async_read(stream_.socket(), buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

// The deadline is checked lazily: a request or answer only moves it, and the
// one timer, when it fires, sleeps again until the current deadline or closes
// the socket once it has passed. (tcp_stream's timeouts start and cancel a
// timer for every read and write: as many instructions as parsing the request.)
void HttpSession::start_deadline() {
  deadline_ = Clock::now() + context_.limits.http_timeout;
  if (!is_deadline_timer_armed_) arm_deadline_timer();
}

void HttpSession::arm_deadline_timer() {
  is_deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadline_);
  // Weak: the timer alone does not keep a connection alive.
  deadline_timer_.async_wait([weak = weak_from_this()](beast::error_code error) {
    if (auto self = weak.lock()) self->on_deadline_timer(error);
  });
}

void HttpSession::on_deadline_timer(beast::error_code error) {
  is_deadline_timer_armed_ = false;
  if (error || deadline_ == Clock::time_point::max()) return;
  if (deadline_ > Clock::now()) return arm_deadline_timer();
  // The read or write under way ends with operation_aborted.
  stream_.socket().close(error);
}

void HttpSession::on_read(beast::error_code error, std::size_t) {
  deadline_ = Clock::time_point::max();
  answering_head_ = false;  // an error answer below has its body
  if (error == http::error::end_of_stream || error == boost::asio::error::operation_aborted ||
      error == boost::asio::error::eof || error == boost::asio::error::connection_reset) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  if (error) {
    // A request we cannot parse gets one answer, then the connection closes.
    Request bad;
    bad.version(11);
    bad.keep_alive(false);
    if (error == http::error::body_limit || error == http::error::buffer_overflow) {
      answer(error_response(bad, ErrorCode::too_large, "request body too large"));
    } else if (error == http::error::header_limit) {
      Response response = error_response(bad, ErrorCode::bad_request, "request header too large");
      response.result(http::status::request_header_fields_too_large);
      answer(std::move(response));
    } else {
      answer(error_response(bad, ErrorCode::bad_request, "malformed HTTP request"));
    }
    return;
  }
  Request request = parser_->release();
  answering_head_ = request.method() == http::verb::head;
  if (beast::websocket::is_upgrade(request)) {
    upgrade_to_websocket(std::move(request));
    return;
  }
  awaiting_answer_ = true;
  auto call =
      router_.route(std::move(request), address_, [self = shared_from_this()](Answer answer) {
        std::visit([&self](auto& alike) { self->answer(std::move(alike)); }, answer);
      });
  // Answered later (a long poll, a store round trip): nothing reads the
  // connection meanwhile, so the tick looks for a client that went away.
  if (awaiting_answer_) {
    pending_call_ = std::move(call);
    context_.awaiting_answers.add(this);
  }
}

HttpSession::~HttpSession() {
  context_.awaiting_answers.remove(this);
}

void HttpSession::close_if_abandoned() {
  // A peek that does not wait: the next request (pipelined, left for its
  // turn), nothing yet, or the end of the connection.
  char next = 0;
  const ssize_t peeked =
      ::recv(stream_.socket().native_handle(), &next, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked > 0 || (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) return;
  // Gone: its descriptor is freed now. A handler that holds something while
  // it waits (a long poll) lets go of it and never answers; any other answer,
  // when it comes, fails to write and ends the session.
  const auto self = shared_from_this();  // the call may hold the last reference
  context_.awaiting_answers.remove(this);
  beast::error_code ignored;
  stream_.socket().close(ignored);
  if (const auto call = pending_call_.lock(); call && call->on_abandoned) {
    std::exchange(call->on_abandoned, nullptr)();
  }
}

void HttpSession::upgrade_to_websocket(Request request) {
  auto url = boost::urls::parse_origin_form(request.target());
  if (!url || url->path() != "/ws") {
    answer(error_response(request, ErrorCode::not_found, "not found"));
    return;
  }
  if (request.method() != http::verb::get) {
    answer(method_not_allowed(request, "GET"));
    return;
  }
  if (request[http::field::sec_websocket_version] != "13") {
    Response response =
        error_response(request, ErrorCode::bad_request, "only WebSocket version 13 is spoken");
    response.result(http::status::upgrade_required);
    response.set(http::field::sec_websocket_version, "13");
    answer(std::move(response));
    return;
  }
  if (!ws::is_valid_key(request[http::field::sec_websocket_key])) {
    answer(error_response(request, ErrorCode::bad_request, "invalid Sec-WebSocket-Key"));
    return;
  }
  std::optional<std::string> guest_name;
  if (auto name = url->params().find("name"); name != url->params().end()) {
    guest_name = (*name).value;
  }
  const auth::Credentials credentials = credentials_of(request, &*url);
  auto pending = std::make_shared<Request>(std::move(request));
  context_.authenticator.authenticate(
      credentials, [self = shared_from_this(), pending, guest_name,
                    credentials](std::variant<auth::Caller, core::Error> resolved) {
        self->on_upgrade_authenticated(std::move(*pending), guest_name, credentials,
                                       std::move(resolved));
      });
}

void HttpSession::on_upgrade_authenticated(Request request, std::optional<std::string> guest_name,
                                           auth::Credentials presented,
                                           std::variant<auth::Caller, core::Error> resolved) {
  if (auto* refused = std::get_if<core::Error>(&resolved)) {
    answer(error_response(request, refused->code, refused->message));
    return;
  }
  auto& caller = std::get<auth::Caller>(resolved);
  if (caller.identity) {
    if (caller.via == auth::Via::session) {
      // A cookie rides along with any page's request: only our own pages
      // (and configured origins) may use it to open a socket.
      const auto origin = request.find(http::field::origin);
      const auto host = request.find(http::field::host);
      if (origin == request.end() || host == request.end() ||
          !auth::is_origin_allowed(origin->value(), host->value(),
                                   context_.identity.allowed_origins)) {
        answer(error_response(request, ErrorCode::forbidden, "origin not allowed"));
        return;
      }
    }
    // Only what the identity rests on is kept (a token wins over a cookie).
    if (caller.via == auth::Via::session) {
      presented.bearer_token.reset();
    } else {
      presented.session_cookie.reset();
    }
    start_websocket(std::move(request), *caller.identity, NameClaim::none,
                    SocketCredential{caller.credential, std::move(presented)});
    return;
  }
  if (!guest_name) {
    answer(error_response(request, ErrorCode::unauthorized, "an identity is required"));
    return;
  }
  if (!context_.identity.allow_guests) {
    answer(error_response(request, ErrorCode::forbidden, "guests are not allowed"));
    return;
  }
  auto name = core::UserName::parse(*guest_name);
  if (!name) {
    answer(error_response(request, ErrorCode::bad_request, "invalid user name"));
    return;
  }
  // Held in memory at once, so that two upgrades cannot both pass the store
  // check; released again if the store says the name is taken.
  if (!context_.guests.claim(*name)) {
    answer(error_response(request, ErrorCode::conflict, "that name is taken"));
    return;
  }
  auto pending = std::make_shared<Request>(std::move(request));
  context_.accounts.check_guest_name(
      *name, [self = shared_from_this(), pending, name = *name](service::Outcome<bool> free) {
        const bool is_free = std::holds_alternative<bool>(free) && std::get<bool>(free);
        if (!is_free) {
          self->context_.guests.release(name);
          const bool failed = std::holds_alternative<service::Refusal>(free);
          self->answer(
              error_response(*pending, failed ? ErrorCode::internal : ErrorCode::conflict,
                             failed ? "the name cannot be checked now" : "that name is taken"));
          return;
        }
        // Nothing but the name tells one `?name=` guest from the next, and
        // the contract's idempotency holds across its reconnects: the
        // identity is the name, apart from accounts and guest sessions.
        self->start_websocket(std::move(*pending), auth::Identity::guest(name, "n:" + name.key()),
                              NameClaim::held);
      });
}

void HttpSession::start_websocket(Request request, auth::Identity identity, NameClaim claim,
                                  std::optional<SocketCredential> credential) {
  std::string handshake = ws::handshake_answer(request[http::field::sec_websocket_key]);
  // Bytes the client sent right after its request belong to the socket.
  const auto received = buffer_.cdata();
  const std::string_view early(static_cast<const char*>(received.data()), received.size());
  stream_.expires_never();
  std::make_shared<WsSession>(stream_.release_socket(), std::move(slot_), context_,
                              std::move(identity), claim, std::move(credential))
      ->run(std::move(handshake), early);
}

void HttpSession::answer(Response response) {
  if (answering_head_ && !response.body().empty()) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  // Written by hand rather than by Beast's serializer, which cost 40 % of a
  // poll's instructions: the head, then the body as it is.
  response_ = std::move(response);
  head_.clear();
  append_head(response_, head_);
  write({boost::asio::buffer(head_), boost::asio::buffer(response_.body())},
        response_.keep_alive());
}

// Only GETs over HTTP/1.1 kept alive get these (ApiCall::can_share_answer).
void HttpSession::answer(SharedAnswer answer) {
  shared_answer_ = std::move(answer);
  write({boost::asio::buffer(*shared_answer_), boost::asio::const_buffer()}, true);
}

void HttpSession::write(std::array<boost::asio::const_buffer, 2> buffers, bool keep_alive) {
  if (awaiting_answer_) {
    awaiting_answer_ = false;
    context_.awaiting_answers.remove(this);
    pending_call_.reset();
  }
  start_deadline();
  boost::asio::async_write(
      stream_.socket(), buffers,
      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code error, std::size_t) {
  deadline_ = Clock::time_point::max();
  response_ = {};
  shared_answer_.reset();
  if (error) return;
  if (!keep_alive) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  do_read();
}

}  // namespace parley::transport
