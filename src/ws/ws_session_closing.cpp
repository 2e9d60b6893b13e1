// How a WebSocket session ends: the closing handshake (our close frame after
// what is queued, the peer's answered, then a half-close and reads until the
// peer closes), the close of a client too slow for its queue, and the
// once-a-second tick with its deadlines and credential checks.
#include <boost/asio/post.hpp>

#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "ws/ws_session.hpp"

namespace parley::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using ws::CloseCode;

void WsSession::linger_if_closed() {
  // Both sides have said goodbye, and ours has been written.
  if (close_sent_ && close_received_ && !queue_.has_unsent()) linger();
}

void WsSession::fall_behind() {
  if (!queue_.mark_overflowed()) return;
  // Never close in the middle of a fan-out: the room is still iterating.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    obs::count(obs::counters().ws_slow_clients_closed);
    obs::log_info("closing a client that fell too far behind", {{"user", self->user().text()}});
    self->close_with(CloseCode::policy, true);
  });
}

void WsSession::shut_down() {
  close_with(CloseCode::going_away, false);
}

void WsSession::end_session() {
  obs::log_debug("closing a WebSocket whose session or token ended (user " + user().text() + ")");
  close_with(CloseCode::session_ended, false, "session ended");
}

void WsSession::close_with(CloseCode code, bool drop_queue, std::string_view reason) {
  if (state_ != State::open) return;
  state_ = State::closing;
  close_code_ = static_cast<std::uint16_t>(code);
  // No room may deliver to a closing connection.
  context_.chat.disconnect(*this);
  if (drop_queue) queue_.drop_unsent();
  // What was queued before the close still goes out (acks at shutdown).
  // Built when needed: at most one per connection.
  enqueue(std::make_shared<const std::string>(ws::close_frame(code, reason)),
          ws::Framing::prebuilt);
  close_sent_ = true;
  // The peer's answer is read even when reads were paused.
  read_available();
}

void WsSession::tick() {
  if (state_ == State::closed) return;
  if (state_ == State::closing) {
    // A peer that does not read or answer cannot finish the handshake.
    if (++closing_ticks_ >= context_.limits.ws_close_timeout.count()) finish();
    return;
  }
  // While its reads pause (a join or sends waiting on the store), a client
  // is not silent: it is not being listened to. One whose replay waits to be
  // written is listened to once it has read it: it is alive while that moves.
  const bool replay_pending = gate_.is_waiting_for_replay() || queue_.has_replay_unwritten();
  const bool waited_on_us = gate_.is_paused() && !replay_pending;
  silent_ticks_ = heard_since_tick_ || waited_on_us || (replay_pending && written_since_tick_)
                      ? 0
                      : silent_ticks_ + 1;
  heard_since_tick_ = false;
  written_since_tick_ = false;
  resume_reading();  // reads paused by the frame allowance go on as it refills
  const auto idle_limit = static_cast<std::uint32_t>(context_.limits.ws_idle_timeout.count());
  if (silent_ticks_ >= idle_limit) {
    obs::log_debug("closing a silent WebSocket client (user " + user().text() + ")");
    finish();
    return;
  }
  // Half-way to the limit, a ping asks the client to prove it is there.
  if (silent_ticks_ == (idle_limit + 1) / 2) {
    static const core::Frame ping =
        std::make_shared<const std::string>(ws::control_frame(ws::Opcode::ping, {}));
    enqueue(ping, ws::Framing::prebuilt);
  }
  if (credential_ && ++ticks_since_check_ >= context_.identity.session_check.count()) {
    ticks_since_check_ = 0;
    check_credential();
  }
}

void WsSession::check_credential() {
  // Using the session is also what extends it; a socket uses it all along.
  context_.authenticator.recheck(
      credential_->presented,
      [weak = weak_from_this()](const std::variant<auth::Caller, core::Error>& checked) {
        auto self = weak.lock();
        if (!self) return;
        // A store that cannot answer now proves nothing: the socket stays.
        const auto* error = std::get_if<core::Error>(&checked);
        const bool ended = error != nullptr ? error->code == core::ErrorCode::unauthorized
                                            : std::get<auth::Caller>(checked).is_anonymous();
        if (ended) self->end_session();
      });
}

void WsSession::linger() {
  if (lingering_) return;
  lingering_ = true;
  // Our side is done. Closing now, with the peer's bytes unread, would
  // answer them with a reset that can destroy our close frame before the
  // peer reads it: take what it still sends until it closes too.
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  // Posted: the caller may be decoding from the shared read buffer.
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->drain(); });
}

void WsSession::drain() {
  const std::span<char> buffer = context_.ws_sessions.read_buffer();
  for (int reads = 0;; ++reads) {
    if (reads == kReadsPerTurn) {
      // A peer that keeps sending does not hold the thread; the close
      // deadline ends it.
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->drain(); });
      return;
    }
    boost::system::error_code error;
    socket_.read_some(asio::buffer(buffer.data(), buffer.size()), error);
    if (error == asio::error::would_block) break;
    if (error) {
      finish();
      return;
    }
  }
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code error) {
                       if (error) {
                         self->finish();
                         return;
                       }
                       self->drain();
                     });
}

void WsSession::finish() {
  if (finished_) return;
  finished_ = true;
  state_ = State::closed;
  if (obs::is_access_logged()) write_access_line();
  context_.chat.disconnect(*this);
  if (claim_ == NameClaim::held) context_.accounts.let_go_guest_name(identity_.user);
  if (credential_) context_.credential_holders.release(credential_->key, held_);
  context_.ws_sessions.remove(this);
  slot_ = {};  // its place within the connection limits is free now
  // Pending waits end with operation_aborted and let go of the session.
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  queue_.clear();
  // The replay ends with the connection, and so does a pause. What they
  // hold (the session itself, maybe) goes later, so that no caller of
  // finish() outlives the session.
  std::shared_ptr<void> held = gate_.let_go();
  if (held || replay_written_) {
    asio::post(socket_.get_executor(),
               [held = std::move(held), next = std::move(replay_written_)] {});
    replay_written_ = nullptr;
  }
}

// One line per session, when it ends: no line per message.
void WsSession::write_access_line() {
  const std::chrono::duration<double, std::milli> took =
      std::chrono::steady_clock::now() - started_;
  // 1006: the connection ended without a closing handshake.
  const unsigned code = close_code_ != 0 ? close_code_ : 1006;
  obs::write_access("ws", {{"path", note_.target},
                           {"client", note_.client},
                           {"ms", took.count()},
                           {"frames_in", frames_in_},
                           {"bytes_in", bytes_in_},
                           {"frames_out", frames_out_},
                           {"bytes_out", bytes_out_},
                           {"close", code}});
}

}  // namespace parley::transport
