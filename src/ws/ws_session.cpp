#include "ws/ws_session.hpp"

#include <array>
#include <boost/asio/post.hpp>

#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "protocol/server_frame.hpp"

namespace parley::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using ws::CloseCode;

namespace {

core::Frame shared_bytes(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace

WsSession::WsSession(tcp::socket&& socket, core::ConnectionQuota::Slot slot, ServerContext& context,
                     auth::Identity identity, NameClaim claim, WsAccessNote note,
                     std::optional<SocketCredential> credential)
    : socket_(std::move(socket)),
      context_(context),
      slot_(std::move(slot)),
      identity_(std::move(identity)),
      claim_(claim),
      credential_(std::move(credential)),
      decoder_(context.limits.ws_max_frame_bytes),
      gate_({.max_in_flight_sends = context.limits.ws_max_in_flight_sends,
             .frame_rate = context.limits.ws_frame_rate,
             .frame_burst = context.limits.ws_frame_burst}),
      queue_(context.limits.ws_max_queued_bytes),
      note_(std::move(note)) {}

WsSession::~WsSession() {
  finish();
}

void WsSession::run(std::string handshake, std::string_view received) {
  boost::system::error_code error;
  socket_.non_blocking(true, error);
  socket_.set_option(tcp::no_delay(true), error);
  context_.ws_sessions.add(this);
  context_.chat.connect(*this);
  if (credential_) {
    // Posted: a logout may come from anywhere on the I/O thread, and a
    // close must not happen in the middle of someone else's fan-out or read.
    held_ = context_.credential_holders.hold(credential_->key, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        asio::post(self->socket_.get_executor(), [self] { self->end_session(); });
      }
    });
  }
  obs::count(obs::counters().ws_connections_opened);
  // The 101 answer and the hello leave in one write.
  enqueue(shared_bytes(std::move(handshake)), ws::Framing::prebuilt);
  send(protocol::encode_hello(identity_.user.text(), identity_.is_guest()));
  unread_.assign(received);
  read_available();
}

asio::any_io_executor WsSession::get_executor() {
  return socket_.get_executor();
}

// ---- Reading ----

bool WsSession::may_dispatch() {
  if (state_ == State::closing) return true;  // only its close frame matters now
  if (state_ != State::open) return false;
  const ws::ReadGate::Verdict verdict = gate_.check();
  if (verdict == ws::ReadGate::Verdict::wait_for_allowance) {
    obs::count(obs::counters().ws_reads_throttled);
    // The tick tries again. Nothing else waits for this session meanwhile (no
    // read, no store answer): it keeps itself alive until then.
    gate_.hold_while_paused(shared_from_this());
  }
  return verdict == ws::ReadGate::Verdict::read;
}

void WsSession::read_available() {
  if (reading_ || read_waiting_ || state_ == State::closed || close_received_) return;
  reading_ = true;
  gate_.note_reading();
  const auto self = shared_from_this();  // a handler may end the session
  // Frames held from an earlier read come first.
  if (!unread_.empty()) {
    std::span<char> input(unread_);
    const bool go_on = decode(input);
    unread_.erase(0, unread_.size() - input.size());
    if (!go_on) {
      reading_ = false;
      return;
    }
  }
  bool turn_used_up = true;
  const std::span<char> buffer = context_.ws_sessions.read_buffer();
  for (int reads = 0; reads < kReadsPerTurn; ++reads) {
    boost::system::error_code error;
    const std::size_t got = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), error);
    bytes_in_ += got;
    if (error == asio::error::would_block) {
      reading_ = false;
      wait_readable();
      return;
    }
    if (error) {
      if (error != asio::error::eof && error != asio::error::connection_reset) {
        obs::log_debug("ws read ended: " + error.message());
      }
      reading_ = false;
      finish();
      return;
    }
    // A frame cut short by an earlier read is completed from its start.
    const bool joined_to_unread = !unread_.empty();
    if (joined_to_unread) unread_.append(buffer.data(), got);
    std::span<char> input = joined_to_unread ? std::span<char>(unread_) : buffer.first(got);
    const bool go_on = decode(input);
    // Whatever is left (part of a frame, or frames held by a pause) is kept.
    if (joined_to_unread) {
      unread_.erase(0, unread_.size() - input.size());
    } else {
      unread_.assign(input.data(), input.size());
    }
    if (!go_on) {
      turn_used_up = false;
      break;
    }
  }
  reading_ = false;
  if (unread_.empty() && unread_.capacity() > 4096) std::string().swap(unread_);
  // More may be waiting: come back after the other connections' turns.
  if (turn_used_up) asio::post(socket_.get_executor(), [self] { self->read_available(); });
}

void WsSession::wait_readable() {
  read_waiting_ = true;
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code error) {
                       self->read_waiting_ = false;
                       if (error) {
                         self->finish();
                         return;
                       }
                       self->read_available();
                     });
}

void WsSession::resume_reading() {
  if (!gate_.is_paused() || !may_dispatch()) return;
  const std::shared_ptr<void> held = gate_.resume();
  // Not from here: the caller may be inside another session's dispatch,
  // and the read buffer is shared. (The read holds the session now.)
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->read_available(); });
}

bool WsSession::decode(std::span<char>& input) {
  for (;;) {
    if (state_ == State::closed) return false;
    if (!may_dispatch()) {
      gate_.pause();
      return false;
    }
    const std::optional<ws::Event> event = decoder_.next(input);
    if (!event) return true;
    if (!handle(*event)) return false;
  }
}

bool WsSession::handle(const ws::Event& event) {
  // Only whole frames count: a client cannot stay alive by trickling bytes
  // of a frame it never finishes (its unread bytes are held meanwhile).
  heard_since_tick_ = true;
  ++frames_in_;
  switch (event.kind) {
    case ws::Event::Kind::text:
      if (state_ == State::open) dispatch(event.payload);
      return true;
    case ws::Event::Kind::ping:
      gate_.spend_frame_allowance();
      // Bounded like any answer: a ping flood from a client that does not
      // read is a slow reader.
      if (event.payload.empty()) {
        static const core::Frame empty_pong = shared_bytes(ws::control_frame(ws::Opcode::pong, {}));
        enqueue_bounded(empty_pong, ws::Framing::prebuilt);
      } else {
        enqueue_bounded(shared_bytes(ws::control_frame(ws::Opcode::pong, event.payload)),
                        ws::Framing::prebuilt);
      }
      return true;
    case ws::Event::Kind::pong:
      gate_.spend_frame_allowance();
      return true;
    case ws::Event::Kind::close:
      close_received_ = true;
      // Answered with the same code, after what was queued before it (the
      // acks of its last sends, say: bounded by the queue's limit).
      close_with(event.code == CloseCode::no_status ? CloseCode::normal : event.code, false);
      linger_if_closed();
      return false;
    case ws::Event::Kind::violation:
      obs::log_debug("closing a client that broke the WebSocket protocol: " +
                     std::string(event.payload));
      close_received_ = true;  // nothing more is read from it
      close_with(event.code, true);
      linger_if_closed();
      return false;
  }
  return false;
}

void WsSession::dispatch(std::string_view text) {
  obs::count(obs::counters().ws_frames_received);
  const auto received = std::chrono::steady_clock::now();
  auto parsed = protocol::parse_client_frame(text);
  // Sends (and edits, deletes, reactions) are bounded by their own limit (in
  // flight, awaiting the commit); every other frame comes out of the allowance.
  const auto* command = std::get_if<protocol::ClientCommand>(&parsed);
  if (command == nullptr || (!std::holds_alternative<protocol::SendCommand>(*command) &&
                             !std::holds_alternative<protocol::EventCommand>(*command))) {
    gate_.spend_frame_allowance();
  }
  if (auto* refused = std::get_if<protocol::FrameError>(&parsed)) {
    obs::count(obs::counters().ws_frames_refused);
    send(protocol::encode_error(refused->code, refused->message, refused->id));
    return;
  }
  auto self = shared_from_this();
  service::ChatService& chat = context_.chat;
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, protocol::JoinCommand>) {
          if (auto join = gate_.admit_join(std::move(typed))) start_join(std::move(*join));
        } else if constexpr (std::is_same_v<T, protocol::SendCommand> ||
                             std::is_same_v<T, protocol::EventCommand>) {
          gate_.start_send();
          chat.send(self, std::move(typed), received, [self] {
            if (auto join = self->gate_.finish_send()) {
              self->start_join(std::move(*join));
              return;
            }
            self->resume_reading();
          });
        } else if constexpr (std::is_same_v<T, protocol::LeaveCommand>) {
          chat.leave(self, typed);
        } else if constexpr (std::is_same_v<T, protocol::TypingCommand>) {
          chat.typing(self, typed);
        } else if constexpr (std::is_same_v<T, protocol::ReadCommand>) {
          chat.mark_read(self, typed);
        } else {
          send(protocol::encode_pong());
        }
      },
      std::get<protocol::ClientCommand>(parsed));
}

void WsSession::start_join(protocol::JoinCommand command) {
  gate_.start_join();
  context_.chat.join(shared_from_this(), std::move(command), [self = shared_from_this()] {
    self->gate_.finish_join(self->queue_.has_replay_unwritten() ? ws::ReadGate::Replay::unwritten
                                                                : ws::ReadGate::Replay::written);
    if (!self->gate_.is_waiting_for_replay()) self->resume_reading();
  });
}

// ---- Writing ----

void WsSession::send(const core::Frame& frame) {
  if (state_ != State::open) return;
  enqueue_bounded(frame, ws::Framing::text_message);
}

void WsSession::send_ephemeral(const core::Frame& frame) {
  if (state_ != State::open || queue_.has_overflowed()) return;
  // Only while the queue is well within its bound: a client that is busy
  // reading messages is not sent who is typing, and never closed for it.
  if (!queue_.has_room_for_ephemeral(*frame)) {
    obs::count(obs::counters().ws_ephemeral_dropped);
    return;
  }
  enqueue(frame, ws::Framing::text_message);
}

void WsSession::send_replay_piece(std::span<const core::Frame> frames,
                                  core::MemoryBudget::Lease lease, std::function<void()> written) {
  if (state_ != State::open || queue_.has_overflowed()) return;
  queue_.push_replay_piece(frames, std::move(lease));
  frames_out_ += frames.size();
  if (!frames.empty()) schedule_flush();
  replay_written_ = std::move(written);
  if (!queue_.has_replay_unwritten()) on_replay_piece_written();  // an empty piece
}

void WsSession::on_replay_piece_written() {
  if (auto next = std::exchange(replay_written_, nullptr)) {
    // Not from here: the caller is writing this session's queue.
    asio::post(socket_.get_executor(), std::move(next));
  }
  if (gate_.is_waiting_for_replay()) {
    gate_.finish_replay();
    resume_reading();  // posted: not from inside this write
  }
}

void WsSession::enqueue_bounded(core::Frame bytes, ws::Framing framing) {
  if (queue_.has_overflowed()) return;
  // One bound for everything queued for this client, its replay piece
  // included (what the room holds back during a replay has its own share).
  // One turn can queue a lot for a client that reads promptly (a batch of
  // commits, the frames held during a replay): what the socket takes now
  // does not count, unless it was full already. A failed write is left to the
  // next flush, which ends the session (not here, inside a fan-out).
  if (!queue_.fits(*bytes) && !write_waiting_) write_now();
  if (!queue_.fits(*bytes)) {
    fall_behind();
    return;
  }
  enqueue(std::move(bytes), framing);
}

void WsSession::enqueue(core::Frame bytes, ws::Framing framing) {
  if (state_ == State::closed || close_sent_) return;
  if (framing == ws::Framing::text_message) ++frames_out_;
  queue_.push(std::move(bytes), framing);
  schedule_flush();
}

void WsSession::schedule_flush() {
  if (flush_scheduled_ || write_waiting_) return;
  flush_scheduled_ = true;
  context_.ws_sessions.flush_later(shared_from_this());
}

void WsSession::flush() {
  flush_scheduled_ = false;
  if (state_ == State::closed || write_waiting_) return;
  if (!write_now()) finish();
}

bool WsSession::write_now() {
  switch (write_queued()) {
    case WriteResult::all_written:
      linger_if_closed();
      return true;
    case WriteResult::would_block:
      wait_writable();
      return true;
    case WriteResult::failed:
      return false;
  }
  return false;
}

WsSession::WriteResult WsSession::write_queued() {
  while (queue_.has_unsent()) {
    const ws::OutboundQueue::Batch batch = queue_.next_batch();
    std::array<asio::const_buffer, 2 * ws::OutboundQueue::kFramesPerWrite> buffers;
    for (std::size_t i = 0; i < batch.count; ++i) buffers[i] = asio::buffer(batch.parts[i]);
    boost::system::error_code error;
    const std::size_t sent =
        socket_.write_some(std::span<const asio::const_buffer>(buffers.data(), batch.count), error);
    if (error == asio::error::would_block) return WriteResult::would_block;
    if (error) return WriteResult::failed;
    bytes_out_ += sent;
    written_since_tick_ = true;
    if (queue_.mark_written(sent).finished_replay_piece) on_replay_piece_written();
  }
  return WriteResult::all_written;
}

void WsSession::wait_writable() {
  write_waiting_ = true;
  socket_.async_wait(tcp::socket::wait_write,
                     [self = shared_from_this()](boost::system::error_code error) {
                       self->write_waiting_ = false;
                       if (error) {
                         self->finish();
                         return;
                       }
                       self->flush();
                     });
}

}  // namespace parley::transport
