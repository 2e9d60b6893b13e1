// A WebSocket client on a plain POSIX socket, for what a well-behaved client
// library refuses to send: frames with invalid UTF-8, unmasked frames, bad
// opcodes. It does the upgrade by hand and then writes frame bytes built
// here. One thread; every read is bounded by poll().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::test {

enum class Opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8 };
enum class Masking { masked, unmasked };

// The bytes of one client frame with FIN set (RFC 6455 5.2), masked with a
// fixed key unless `masking` says otherwise.
std::string encode_client_frame(std::uint8_t opcode, std::string_view payload,
                                Masking masking = Masking::masked);

class RawWsClient {
 public:
  RawWsClient() = default;
  ~RawWsClient();
  RawWsClient(const RawWsClient&) = delete;
  RawWsClient& operator=(const RawWsClient&) = delete;

  // Connects to 127.0.0.1:`port` and upgrades `target`; returns the HTTP
  // status of the answer (101 on success), or 0 when none came.
  int connect(std::uint16_t port, std::string_view target);
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

 private:
  // Reads more bytes into buffer_; false at end of stream, error or timeout
  // (`timed_out` tells which).
  bool read_more(std::chrono::steady_clock::time_point deadline, bool& timed_out);

  int fd_ = -1;
  std::string buffer_;  // bytes read and not yet parsed
};

}  // namespace parley::test
