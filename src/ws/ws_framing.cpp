#include "ws/ws_framing.hpp"

#include <algorithm>
#include <boost/beast/websocket/detail/hybi13.hpp>

namespace parley::transport::ws {

namespace {

constexpr std::uint8_t kFinal = 0x80;
constexpr std::uint8_t kReserved = 0x70;  // RSV1-3: no extension is negotiated
constexpr std::uint8_t kMasked = 0x80;
constexpr std::size_t kMaxControlPayload = 125;

Event violation(CloseCode code, std::string_view why) {
  return Event{Event::Kind::violation, why, code};
}

bool is_control(Opcode opcode) {
  return (static_cast<std::uint8_t>(opcode) & 0x8) != 0;
}

bool is_known(std::uint8_t opcode) {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

// Codes a peer may put in a close frame (RFC 6455 7.4; 1012-1014 since).
bool is_sendable_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

bool is_utf8(std::string_view text) {
  return boost::beast::websocket::detail::check_utf8(text.data(), text.size());
}

}  // namespace

bool is_valid_key(std::string_view key) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return key.size() == 24 && key.substr(22) == "==" &&
         key.substr(0, 22).find_first_not_of(kAlphabet) == std::string_view::npos;
}

std::string handshake_answer(std::string_view key) {
  // Beast's helper: SHA-1 of the key and the RFC's GUID, in base64.
  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
  std::string answer =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: parley\r\n"
      "Sec-WebSocket-Accept: ";
  answer.append(accept.data(), accept.size());
  answer.append("\r\n\r\n");
  return answer;
}

FrameHeader header_for(Opcode opcode, std::size_t payload_size) {
  FrameHeader header{};
  header.bytes[0] = kFinal | static_cast<std::uint8_t>(opcode);
  if (payload_size < 126) {
    header.bytes[1] = static_cast<std::uint8_t>(payload_size);
    header.size = 2;
  } else if (payload_size <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<std::uint8_t>(payload_size >> 8);
    header.bytes[3] = static_cast<std::uint8_t>(payload_size);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      header.bytes[2 + i] = static_cast<std::uint8_t>(std::uint64_t{payload_size} >> (56 - 8 * i));
    }
    header.size = 10;
  }
  return header;
}

std::string control_frame(Opcode opcode, std::string_view payload) {
  payload = payload.substr(0, kMaxControlPayload);
  std::string frame(header_for(opcode, payload.size()).view());
  frame.append(payload);
  return frame;
}

std::string close_frame(CloseCode code, std::string_view reason) {
  const auto value = static_cast<std::uint16_t>(code);
  std::string payload{static_cast<char>(value >> 8), static_cast<char>(value & 0xFF)};
  payload.append(reason.substr(0, 123));
  return control_frame(Opcode::close, payload);
}

std::optional<Event> Decoder::next(std::span<char>& input) {
  // A gathered message was handed out by the last call; its memory can go.
  if (!in_message_ && message_.capacity() > 0) std::string().swap(message_);
  for (;;) {
    if (input.size() < 2) return std::nullopt;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(input.data());
    const bool final = (bytes[0] & kFinal) != 0;
    const std::uint8_t opcode_bits = bytes[0] & 0x0F;
    if ((bytes[0] & kReserved) != 0)
      return violation(CloseCode::protocol_error, "reserved bits set");
    if (!is_known(opcode_bits)) return violation(CloseCode::protocol_error, "unknown opcode");
    if ((bytes[1] & kMasked) == 0) return violation(CloseCode::protocol_error, "unmasked frame");
    const auto opcode = static_cast<Opcode>(opcode_bits);

    std::uint64_t length = bytes[1] & 0x7F;
    std::size_t header_size = 2;
    if (length == 126) {
      if (input.size() < 4) return std::nullopt;
      length = (std::uint64_t{bytes[2]} << 8) | bytes[3];
      header_size = 4;
      if (length < 126) return violation(CloseCode::protocol_error, "length not minimally encoded");
    } else if (length == 127) {
      if (input.size() < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | bytes[2 + i];
      header_size = 10;
      if (length <= 0xFFFF || (length >> 63) != 0) {
        return violation(CloseCode::protocol_error, "invalid length");
      }
    }
    if (is_control(opcode) && (!final || length > kMaxControlPayload)) {
      return violation(CloseCode::protocol_error, "control frames are short and whole");
    }
    // Known too big from its header: refused before any of it is buffered.
    if (!is_control(opcode) && length + (in_message_ ? message_.size() : 0) > max_message_bytes_) {
      return violation(CloseCode::too_big, "message too big");
    }
    const std::size_t mask_at = header_size;
    const std::size_t payload_at = header_size + 4;
    if (input.size() < payload_at || input.size() - payload_at < length) return std::nullopt;

    char* payload = input.data() + payload_at;
    const char* mask = input.data() + mask_at;
    for (std::size_t i = 0; i < length; ++i) payload[i] ^= mask[i % 4];
    const std::string_view view(payload, static_cast<std::size_t>(length));
    input = input.subspan(payload_at + static_cast<std::size_t>(length));
    if (auto event = next_fragment(opcode, final, view)) return event;
  }  // a fragment was gathered: on to the next frame
}

std::optional<Event> Decoder::next_fragment(Opcode opcode, bool final, std::string_view payload) {
  switch (opcode) {
    case Opcode::ping:
      return Event{Event::Kind::ping, payload};
    case Opcode::pong:
      return Event{Event::Kind::pong, payload};
    case Opcode::close: {
      if (payload.empty()) return Event{Event::Kind::close, {}, CloseCode::no_status};
      if (payload.size() < 2) return violation(CloseCode::protocol_error, "invalid close frame");
      const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                                   static_cast<std::uint8_t>(payload[1]));
      if (!is_sendable_close_code(code)) {
        return violation(CloseCode::protocol_error, "invalid close code");
      }
      const std::string_view reason = payload.substr(2);
      if (!is_utf8(reason)) return violation(CloseCode::invalid_payload, "close reason not UTF-8");
      return Event{Event::Kind::close, reason, static_cast<CloseCode>(code)};
    }
    case Opcode::binary:
      return violation(CloseCode::unsupported_data, "binary frames are not accepted");
    case Opcode::text:
      if (in_message_) return violation(CloseCode::protocol_error, "expected a continuation");
      if (final) {
        // The common case: a whole message in one frame, decoded in place.
        if (!is_utf8(payload)) return violation(CloseCode::invalid_payload, "text not UTF-8");
        return Event{Event::Kind::text, payload};
      }
      in_message_ = true;
      message_.clear();
      utf8_.reset();
      break;
    case Opcode::continuation:
      if (!in_message_) return violation(CloseCode::protocol_error, "unexpected continuation");
      break;
  }
  // Checked as it arrives, so a bad byte fails the message at once.
  if (!utf8_.write(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size())) {
    return violation(CloseCode::invalid_payload, "text not UTF-8");
  }
  message_.append(payload);
  if (!final) return std::nullopt;
  in_message_ = false;
  if (!utf8_.finish()) return violation(CloseCode::invalid_payload, "text not UTF-8");
  return Event{Event::Kind::text, message_};
}

}  // namespace parley::transport::ws
