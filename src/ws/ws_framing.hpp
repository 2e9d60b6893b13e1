// WebSocket framing (RFC 6455) as a server speaks it: headers for the frames
// it sends, and a decoder for the masked frames clients send. Pure: no I/O,
// no allocation on the path of an unfragmented frame. Any thread; a Decoder
// belongs to one connection.
//
// Parley frames its own sockets instead of using Beast's websocket::stream:
// a server frame is the same bytes for every receiver (no mask), so a
// broadcast is serialized once and each socket writes whatever is queued in
// one gathered write; an idle connection then holds no read buffer at all.
#pragma once

#include <array>
#include <boost/beast/websocket/detail/utf8_checker.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ws/ws_opcode.hpp"

namespace parley::transport::ws {

// The close codes Parley sends (RFC 6455, section 7.4.1).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  unsupported_data = 1003,
  no_status = 1005,  // received only: a close frame without a code
  invalid_payload = 1007,
  policy = 1008,
  too_big = 1009,
  // Application code (RFC 6455 allows 4000-4999): the session or token the
  // socket authenticated with has ended (logout, revocation, expiry).
  session_ended = 4401,
};

// The opening handshake (section 4.2): a client's Sec-WebSocket-Key is the
// base64 of 16 bytes; the 101 answer proves the server read it.
bool is_valid_key(std::string_view key);
std::string handshake_answer(std::string_view key);

// The header of an unmasked, final frame of `payload_size` bytes.
struct FrameHeader {
  std::array<std::uint8_t, 10> bytes;
  std::uint8_t size;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};
FrameHeader header_for(Opcode opcode, std::size_t payload_size);

// A whole control frame (at most 125 bytes of payload; longer is cut).
std::string control_frame(Opcode opcode, std::string_view payload);
// A close frame with `code` and an optional short reason (cut to fit).
std::string close_frame(CloseCode code, std::string_view reason = {});

// What the decoder found at the front of the input.
struct Event {
  enum class Kind { text, ping, pong, close, violation };
  Kind kind;
  // text: the whole message; ping/pong: the payload; close: the reason;
  // violation: what was wrong. Valid until the next call to next().
  std::string_view payload;
  // close: the peer's code (no_status if none); violation: the code to close
  // the connection with.
  CloseCode code = CloseCode::normal;
};

class Decoder {
 public:
  explicit Decoder(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Decodes the frame at the front of `input`, unmasking it in place, and
  // drops its bytes from `input`. Empty when `input` holds no whole frame
  // (nor any header already known to break a rule): keep those bytes and
  // offer them again with more. Fragments of a text message are gathered
  // until its last one; binary messages are refused (Parley speaks JSON).
  // After a violation the connection must close: call no more.
  std::optional<Event> next(std::span<char>& input);

 private:
  std::optional<Event> next_fragment(Opcode opcode, bool final, std::string_view payload);

  std::size_t max_message_bytes_;
  bool in_message_ = false;  // a text message's first fragment came, not its last
  std::string message_;      // the fragments so far
  boost::beast::websocket::detail::utf8_checker utf8_;
};

}  // namespace parley::transport::ws
