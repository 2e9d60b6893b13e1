// One WebSocket connection: decodes client frames and hands them to the chat
// service while its ws::ReadGate allows; queues server frames in its
// ws::OutboundQueue, bounded, and writes whatever is queued in one gathered
// write at the end of the I/O turn that queued it. The session does the I/O;
// those two units decide. Closing and the tick: ws_session_closing.cpp.
// Owned by its pending operations (shared_from_this); I/O thread only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/identity.hpp"
#include "net/server_context.hpp"
#include "protocol/client_frame.hpp"
#include "service/connection.hpp"
#include "ws/outbound_queue.hpp"
#include "ws/read_gate.hpp"
#include "ws/ws_framing.hpp"

namespace parley::transport {

// Whether the session holds its guest name in GuestNames (a `?name=` guest),
// to release when it ends.
enum class NameClaim { none, held };

// What a socket's identity rests on: the credential's key (Caller::credential)
// and the secret as presented, kept in memory only, to check it again.
struct SocketCredential {
  std::string key;
  auth::Credentials presented;
};

// Who a socket serves and what it asked for, for its access line (empty
// while access lines are off).
struct WsAccessNote {
  std::string client = {};  // the client's address (see TrustedProxies)
  std::string target = {};  // the upgrade's target, redacted (access_target)
};

class WsSession final : public service::Connection, public std::enable_shared_from_this<WsSession> {
 public:
  // `credential`: the session or token the socket authenticated with, if
  // any. The socket closes (4401) when it ends, and checks it every
  // `session_check`, which also keeps a session (and a guest's name) from
  // expiring while the socket is open. `slot`: the connection's place within
  // the connection limits, held until the session ends. `note`: for the
  // access line written when the session ends.
  WsSession(boost::asio::ip::tcp::socket&& socket, core::ConnectionQuota::Slot slot,
            ServerContext& context, auth::Identity identity, NameClaim claim, WsAccessNote note,
            std::optional<SocketCredential> credential = std::nullopt);
  ~WsSession();

  // Sends `handshake` (the 101 answer) and runs until closed. `received`:
  // bytes the client sent after its upgrade request, already read.
  void run(std::string handshake, std::string_view received);

  // Closes with 1001 (going away) once what is queued has been written.
  void shut_down();
  // Once a second, from WsSessions: keep-alive pings, the idle and closing
  // deadlines, and the check of the session or token.
  void tick();
  // The identity's session or token ended: closes with 4401 after what is
  // queued; nothing more is read from it or sent in its name.
  void end_session();
  // Writes what is queued; from WsSessions at the end of the turn.
  void flush();
  boost::asio::any_io_executor get_executor();
  // What waits in this socket's queue, as counted against its bound.
  std::size_t queued_bytes() const { return queue_.queued_bytes(); }

  const core::Identity& identity() const override { return identity_; }
  bool is_guest() const override { return identity_.is_guest(); }
  bool is_open() const override { return state_ == State::open; }
  void send(const core::Frame& frame) override;
  void send_ephemeral(const core::Frame& frame) override;
  void send_replay_piece(std::span<const core::Frame> frames, core::MemoryBudget::Lease lease,
                         std::function<void()> written) override;
  void fall_behind() override;

 private:
  enum class State { open, closing, closed };

  // Reads in one turn before other connections get theirs.
  static constexpr int kReadsPerTurn = 4;

  enum class WriteResult { all_written, would_block, failed };

  // Whether the next frame may be handled now (see ws::ReadGate; a closing
  // session reads only its peer's close).
  bool may_dispatch();
  void read_available();
  void wait_readable();
  void resume_reading();
  // Decodes and handles whole frames from the front of `input`; returns
  // false once the connection must stop reading (closed or violated).
  bool decode(std::span<char>& input);
  bool handle(const ws::Event& event);
  void dispatch(std::string_view text);
  void start_join(protocol::JoinCommand command);
  // Queues a frame unless the queue would pass its bound even after writing
  // what the socket takes now (then: 1008).
  void enqueue_bounded(core::Frame bytes, ws::Framing framing);
  void enqueue(core::Frame bytes, ws::Framing framing);
  // The replay piece in the queue is written: the next may come.
  void on_replay_piece_written();
  // Writes from the queue until it is empty or the socket is full.
  WriteResult write_queued();
  // write_queued, then waits for the socket if it is full; false when the
  // write failed.
  bool write_now();
  void schedule_flush();
  void wait_writable();
  void close_with(ws::CloseCode code, bool drop_queue, std::string_view reason = {});
  void check_credential();
  // After the closing handshake: half-close, and read until the peer closes.
  void linger_if_closed();
  void linger();
  void drain();
  // Leaves every room, releases the guest name and closes the socket; idempotent.
  void finish();
  void write_access_line();

  boost::asio::ip::tcp::socket socket_;
  ServerContext& context_;
  core::ConnectionQuota::Slot slot_;
  auth::Identity identity_;
  NameClaim claim_;
  std::optional<SocketCredential> credential_;
  CredentialHolders::Id held_ = 0;  // under credential_->key
  State state_ = State::open;

  // Reading. Bytes are read into the context's shared buffer; only a frame
  // cut short by the read, or frames held while reads pause, are kept here.
  ws::Decoder decoder_;
  std::string unread_;
  bool read_waiting_ = false;  // an async_wait for readability is pending
  bool reading_ = false;       // inside read_available: no nested reads
  ws::ReadGate gate_;

  // Writing.
  ws::OutboundQueue queue_;
  std::function<void()> replay_written_;  // asks for the next replay piece
  bool flush_scheduled_ = false;
  bool write_waiting_ = false;  // the socket was full: an async_wait is pending

  // Closing handshake and deadlines, in ticks (seconds).
  bool close_sent_ = false;
  bool close_received_ = false;
  bool heard_since_tick_ = true;
  bool written_since_tick_ = false;
  std::uint32_t silent_ticks_ = 0;
  std::uint32_t closing_ticks_ = 0;
  std::uint32_t ticks_since_check_ = 0;
  bool lingering_ = false;
  bool finished_ = false;

  // For the access line: counted always (a few additions), written when the
  // session ends if access lines are on.
  WsAccessNote note_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::uint64_t frames_in_ = 0;   // whole frames decoded
  std::uint64_t bytes_in_ = 0;    // read from the socket
  std::uint64_t frames_out_ = 0;  // server frames queued (not control frames)
  std::uint64_t bytes_out_ = 0;   // written to the socket, the 101 answer included
  std::uint16_t close_code_ = 0;  // the close frame's, ours or the peer's echoed; 0: none
};

}  // namespace parley::transport
