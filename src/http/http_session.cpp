#include "http/http_session.hpp"

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <utility>

#include "auth/origin_policy.hpp"
#include "http/access_target.hpp"
#include "http/http_request.hpp"
#include "obs/log.hpp"
#include "ws/ws_framing.hpp"
#include "ws/ws_session.hpp"

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
      client_address_(address_),
      client_transport_(context.identity.transport),
      slot_(std::move(slot)),
      deadline_timer_(stream_.socket().get_executor()) {
  boost::system::error_code error;
  peer_ = unmapped(stream_.socket().remote_endpoint(error).address());
}

void HttpSession::run() {
  do_read();
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_bytes));
  parser_->body_limit(context_.limits.http_body_bytes);
  // One deadline for the whole request: a slow client cannot hold it open.
  start_deadline();
  // The header first: it is checked before any byte of the body is read.
  http::async_read_header(stream_.socket(), buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code error, std::size_t bytes) {
  if (error) return on_read(error, bytes);
  note_client(parser_->get());
  const HeaderCheck check = check_header(*parser_);
  if (check.refusal) return refuse(*check.refusal);
  // Most requests have no body: the header was all of them.
  if (parser_->is_done()) return on_read(error, bytes);
  // A client that has sent some of its body already is not waiting for a 100.
  if (check.expects_continue && buffer_.size() == 0) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    boost::asio::async_write(stream_.socket(), boost::asio::buffer(kContinue),
                             [self = shared_from_this()](beast::error_code failed, std::size_t) {
                               if (!failed) self->read_body();
                             });
    return;
  }
  read_body();
}

void HttpSession::read_body() {
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
  if (error == http::error::end_of_stream || error == boost::asio::error::operation_aborted ||
      error == boost::asio::error::eof || error == boost::asio::error::connection_reset) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  if (error) return refuse(refusal_of(error, *parser_));
  Request request = parser_->release();
  answering_head_ = request.method() == http::verb::head;
  if (beast::websocket::is_upgrade(request)) {
    upgrade_to_websocket(std::move(request));
    return;
  }
  awaiting_answer_ = true;
  auto call = router_.route(
      std::move(request), client_address_, client_transport_,
      [self = shared_from_this()](Answer answer) {
        std::visit([&self](auto& alike) { self->answer(std::move(alike)); }, answer);
      },
      // (The call holds the answer's function, and that holds this session.)
      [this] { watch_client(); });
  // Answered later (a long poll, a store round trip): nothing reads the
  // connection meanwhile, so the tick looks for a client that went away.
  if (awaiting_answer_) {
    pending_call_ = std::move(call);
    context_.awaiting_answers.add(this);
  }
}

void HttpSession::note_client(const Request& request) {
  if (!context_.trusted_proxies.empty()) {
    // Each request says again: a proxy's connection carries many clients.
    std::string forwarded_for;
    for (const auto& field : request) {
      if (!beast::iequals(field.name_string(), "X-Forwarded-For")) continue;
      if (!forwarded_for.empty()) forwarded_for.push_back(',');
      forwarded_for.append(field.value());
    }
    const auto proto = request.find("X-Forwarded-Proto");
    const ForwardedClient client = context_.trusted_proxies.resolve(
        peer_, forwarded_for,
        proto == request.end() ? std::string_view{} : std::string_view(proto->value()));
    client_address_ = client.address.to_string();
    client_transport_ = client.is_https ? auth::Transport::tls : context_.identity.transport;
  }
  if (obs::is_access_logged()) {
    access_method_ = request.method_string();
    access_target_ = access_target(request.target());
    access_started_ = Clock::now();
  }
}

void HttpSession::write_access_line(std::size_t bytes) {
  const std::chrono::duration<double, std::milli> took = Clock::now() - access_started_;
  const bool known = !access_method_.empty();
  obs::write_access("http", {{"method", known ? std::string_view(access_method_) : "-"},
                             {"path", known ? std::string_view(access_target_) : "-"},
                             {"status", access_status_},
                             {"bytes", bytes},
                             {"ms", known ? took.count() : 0.0},
                             {"client", client_address_}});
  access_method_.clear();
}

HttpSession::~HttpSession() {
  context_.awaiting_answers.remove(this);
}

// A request refused on its header (or unreadable) gets one answer, and the
// connection closes: whatever follows it cannot be told apart from a body.
void HttpSession::refuse(const HeaderRefusal& refusal) {
  deadline_ = Clock::time_point::max();
  answering_head_ = false;  // the refusal has its body
  Request bad;
  bad.version(11);
  bad.keep_alive(false);
  Response response = error_response(bad, refusal.code, refusal.message);
  response.result(refusal.status);
  answer(std::move(response));
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
  auto pending = std::make_shared<Request>(std::move(request));
  context_.accounts.hold_guest_name(
      *name, [self = shared_from_this(), pending, name = *name](service::Outcome<bool> free) {
        const bool is_free = std::holds_alternative<bool>(free) && std::get<bool>(free);
        if (!is_free) {
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
  WsAccessNote note;
  if (obs::is_access_logged()) note = {client_address_, std::move(access_target_)};
  std::make_shared<WsSession>(stream_.release_socket(), std::move(slot_), context_,
                              std::move(identity), claim, std::move(note), std::move(credential))
      ->run(std::move(handshake), early);
}

void HttpSession::answer(Response response) {
  if (answering_head_ && !response.body().empty()) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  if (has_client_finished_) response.keep_alive(false);
  access_status_ = response.result_int();
  // Written by hand rather than by Beast's serializer, which cost 40 % of a
  // poll's instructions: the head, then the body as it is.
  response_ = std::move(response);
  // A large body held for a slow reader counts in the server's budget, which
  // refuses new pages while it is full.
  constexpr std::size_t kLargeBody = 64 * 1024;
  if (response_.body().size() >= kLargeBody) {
    answer_lease_ = context_.memory.take_unchecked(response_.body().size());
  }
  head_.clear();
  append_head(response_, head_);
  write({boost::asio::buffer(head_), boost::asio::buffer(response_.body())},
        response_.keep_alive());
}

// Only GETs over HTTP/1.1 kept alive get these (ApiCall::can_share_answer).
void HttpSession::answer(SharedAnswer answer) {
  shared_answer_ = std::move(answer);
  // "HTTP/1.1 200 ...": the status is at 9.
  const std::string_view head(*shared_answer_);
  access_status_ = 0;
  for (std::size_t i = 9; i < 12 && i < head.size(); ++i) {
    access_status_ = access_status_ * 10 + static_cast<unsigned>(head[i] - '0');
  }
  write({boost::asio::buffer(*shared_answer_), boost::asio::const_buffer()}, true);
}

void HttpSession::write(std::array<boost::asio::const_buffer, 2> buffers, bool keep_alive) {
  if (awaiting_answer_) {
    awaiting_answer_ = false;
    context_.awaiting_answers.remove(this);
    pending_call_.reset();
    if (is_watching_client_) {
      is_watching_client_ = false;
      beast::error_code ignored;
      stream_.socket().cancel(ignored);  // the watch is all that is under way
    }
  }
  start_deadline();
  boost::asio::async_write(
      stream_.socket(), buffers,
      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code error, std::size_t bytes) {
  deadline_ = Clock::time_point::max();
  if (obs::is_access_logged()) write_access_line(bytes);
  response_ = {};
  answer_lease_.release();
  shared_answer_.reset();
  if (error) return;
  if (!keep_alive || has_client_finished_) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, error);
    return;
  }
  do_read();
}

}  // namespace parley::transport
