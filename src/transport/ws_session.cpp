#include "transport/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "protocol/server_frame.hpp"

namespace parley::transport {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using websocket::close_code;

WsSession::WsSession(beast::tcp_stream&& stream, ServerContext& context, auth::Identity identity,
                     NameClaim claim, std::optional<std::string> session_secret)
    : ws_(std::move(stream)),
      context_(context),
      identity_(std::move(identity)),
      claim_(claim),
      session_secret_(std::move(session_secret)),
      session_refresh_(ws_.get_executor()),
      close_deadline_(ws_.get_executor()) {}

WsSession::~WsSession() {
  finish();
}

void WsSession::run(beast::http::request<beast::http::string_body> request) {
  // The WebSocket layer keeps its own time from here on.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = context_.limits.ws_close_timeout;
  timeout.idle_timeout = context_.limits.ws_idle_timeout;
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "parley");
  }));
  ws_.read_message_max(context_.limits.ws_max_frame_bytes);
  ws_.auto_fragment(false);
  ws_.text(true);
  context_.ws_sessions.insert(this);
  ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code error) {
  if (error) {
    finish();
    return;
  }
  state_ = State::open;
  obs::count(obs::counters().ws_connections_opened);
  send(protocol::encode_hello(identity_.user.text(), identity_.is_guest()));
  read_if_ready();
  keep_session_alive();
}

void WsSession::keep_session_alive() {
  if (!session_secret_) return;
  // Using the session is what extends it; a socket uses it all along.
  session_refresh_.expires_after(context_.identity.session_refresh);
  session_refresh_.async_wait([self = shared_from_this()](beast::error_code error) {
    if (error || self->state_ != State::open) return;
    self->context_.authenticator.authenticate(
        auth::Credentials{std::nullopt, self->session_secret_},
        [](const std::variant<auth::Caller, core::Error>&) {});
    self->keep_session_alive();
  });
}

void WsSession::read_if_ready() {
  // Backpressure: a client that waits on a join, or has too many sends
  // awaiting their commit, is not read until that settles.
  if (state_ != State::open || reading_ || dispatching_ || join_pending_ ||
      in_flight_sends_ >= context_.limits.ws_max_in_flight_sends) {
    return;
  }
  reading_ = true;
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code error, std::size_t) {
  reading_ = false;
  if (error) {
    // Beast has already failed the connection with the right close code
    // (1002, 1007, 1009) where the peer broke the protocol.
    if (error != websocket::error::closed && error != boost::asio::error::operation_aborted &&
        error != boost::asio::error::eof) {
      obs::log_debug("ws read ended: " + error.message());
    }
    finish();
    return;
  }
  if (!ws_.got_text()) {
    read_buffer_.consume(read_buffer_.size());
    close_with(close_code::unknown_data, false);
    return;
  }
  // No read may start while the frame is still in the buffer: a join that
  // completes at once would otherwise read into it.
  dispatching_ = true;
  const auto data = read_buffer_.cdata();
  dispatch(std::string_view(static_cast<const char*>(data.data()), data.size()));
  read_buffer_.consume(read_buffer_.size());
  dispatching_ = false;
  read_if_ready();
}

void WsSession::dispatch(std::string_view text) {
  obs::count(obs::counters().ws_frames_received);
  auto parsed = protocol::parse_client_frame(text);
  if (auto* refused = std::get_if<protocol::FrameError>(&parsed)) {
    obs::count(obs::counters().ws_frames_refused);
    send(protocol::encode_error(refused->code, refused->message, refused->id));
    return;
  }
  auto& command = std::get<protocol::ClientCommand>(parsed);
  auto self = shared_from_this();
  service::ChatService& chat = context_.chat;
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, protocol::JoinCommand>) {
          join_pending_ = true;
          chat.join(self, std::move(typed), [self] {
            self->join_pending_ = false;
            self->read_if_ready();
          });
        } else if constexpr (std::is_same_v<T, protocol::SendCommand>) {
          ++in_flight_sends_;
          chat.send(self, std::move(typed), [self] {
            --self->in_flight_sends_;
            self->read_if_ready();
          });
        } else if constexpr (std::is_same_v<T, protocol::LeaveCommand>) {
          chat.leave(*self, typed);
        } else if constexpr (std::is_same_v<T, protocol::TypingCommand>) {
          chat.typing(*self, typed);
        } else {
          send(protocol::encode_pong());
        }
      },
      command);
}

void WsSession::send(const core::Frame& frame) {
  if (state_ != State::open || overflowed_) return;
  if (queued_bytes_ + frame->size() > context_.limits.ws_max_queued_bytes) {
    fall_behind();
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(frame);
  if (!writing_) do_write();
}

void WsSession::fall_behind() {
  if (overflowed_) return;
  overflowed_ = true;
  // Never close in the middle of a fan-out: the room is still iterating.
  boost::asio::post(ws_.get_executor(), [self = shared_from_this()] {
    obs::count(obs::counters().ws_slow_clients_closed);
    obs::log_info("closing a client that fell too far behind (user " + self->user().text() + ")");
    self->close_with(close_code::policy_error, true);
  });
}

void WsSession::do_write() {
  writing_ = true;
  ws_.async_write(boost::asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code error, std::size_t) {
  writing_ = false;
  if (error) {
    finish();
    return;
  }
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (state_ == State::closing) {
    // What was queued before the close still goes out (acks at shutdown),
    // unless the queue was dropped.
    if (!queue_.empty()) {
      do_write();
    } else {
      do_close();
    }
    return;
  }
  if (!queue_.empty()) do_write();
}

void WsSession::shut_down() {
  close_with(close_code::going_away, false);
}

void WsSession::close_with(close_code code, bool drop_queue) {
  if (state_ != State::open) return;
  state_ = State::closing;
  close_code_ = code;
  // No room may deliver to a closing connection.
  context_.chat.disconnect(*this);
  if (drop_queue) {
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= queue_.back()->size();
      queue_.pop_back();
    }
  }
  // A peer that does not read cannot finish the handshake: cut it off.
  close_deadline_.expires_after(context_.limits.ws_close_timeout);
  close_deadline_.async_wait([self = shared_from_this()](beast::error_code error) {
    if (!error) beast::get_lowest_layer(self->ws_).close();
  });
  if (!writing_) {
    if (queue_.empty()) {
      do_close();
    } else {
      do_write();
    }
  }
}

void WsSession::do_close() {
  if (close_started_) return;
  close_started_ = true;
  ws_.async_close(close_code_, beast::bind_front_handler(&WsSession::on_close, shared_from_this()));
}

void WsSession::on_close(beast::error_code) {
  close_deadline_.cancel();
  finish();
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  state_ = State::closed;
  session_refresh_.cancel();
  context_.chat.disconnect(*this);
  if (claim_ == NameClaim::held) context_.guests.release(identity_.user);
  context_.ws_sessions.erase(this);
}

}  // namespace parley::transport
