// A WebSocket client on a plain POSIX socket, for what a well-behaved client
// library refuses to send: frames with invalid UTF-8, unmasked frames, bad
// opcodes, fragments, bytes pipelined behind the upgrade request. It does the
// upgrade by hand, writes frame bytes built here and reads the server's
// frames as they are (pings included, never answered for it). One thread;
// every read is bounded by poll().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ws/ws_opcode.hpp"

namespace parley::test {

using Opcode = transport::ws::Opcode;
enum class Masking { masked, unmasked };
// FIN (RFC 6455 5.4): the last frame of a message, or more fragments follow.
enum class Fin { final, more_follow };

// The bytes of one client frame (RFC 6455 5.2), masked with a fixed key
// unless `masking` says otherwise, with FIN set unless `fin` says otherwise.
std::string encode_client_frame(std::uint8_t opcode, std::string_view payload,
                                Masking masking = Masking::masked, Fin fin = Fin::final);
std::string encode_client_frame(Opcode opcode, std::string_view payload, Fin fin = Fin::final);
// A close frame's payload: `code` in network byte order, then `reason`.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

// One frame as the server sent it (servers never mask).
struct ServerFrame {
  std::uint8_t opcode = 0;
  bool final = true;
  std::string payload;

  bool is(Opcode wanted) const { return opcode == static_cast<std::uint8_t>(wanted); }
  // A close frame's code (1005 when it has none).
  int close_code() const;
};

class RawWsClient {
 public:
  RawWsClient() = default;
  ~RawWsClient();
  RawWsClient(const RawWsClient&) = delete;
  RawWsClient& operator=(const RawWsClient&) = delete;

  // Connects to 127.0.0.1:`port` and upgrades `target`; returns the HTTP
  // status of the answer (101 on success), or 0 when none came.
  // `sent_with_request`: bytes written in the same write as the request
  // (frames pipelined behind it, before the answer has come).
  int connect(std::uint16_t port, std::string_view target, std::string_view sent_with_request = {});
  // Writes `bytes` as they are; false if the connection is gone.
  bool send_bytes(std::string_view bytes);
  bool send_frame(std::uint8_t opcode, std::string_view payload,
                  Masking masking = Masking::masked) {
    return send_bytes(encode_client_frame(opcode, payload, masking));
  }

  // Reads server frames, skipping data frames, until a close frame: returns
  // its code, 1006 when the connection ended without one, or nullopt if it
  // is still open after `timeout`.
  std::optional<int> wait_for_close(std::chrono::milliseconds timeout);

  // The next server frame, whatever its opcode; nullopt when none came
  // within `timeout` or the connection ended first (ended() tells which).
  std::optional<ServerFrame> next_frame(std::chrono::milliseconds timeout);
  // True once the server has ended the connection (end of file or reset).
  bool ended() const { return ended_; }
  // Reads and drops whatever comes until the server ends the connection;
  // true when it does within `timeout`.
  bool wait_for_end(std::chrono::milliseconds timeout);

 private:
  // The first whole frame in buffer_, taken out of it.
  std::optional<ServerFrame> take_buffered_frame();
  // Reads more bytes into buffer_; false at end of stream, error or timeout
  // (`timed_out` tells which).
  bool read_more(std::chrono::steady_clock::time_point deadline, bool& timed_out);

  int fd_ = -1;
  std::string buffer_;  // bytes read and not yet parsed
  bool ended_ = false;
};

}  // namespace parley::test
