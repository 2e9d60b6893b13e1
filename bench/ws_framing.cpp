#include "ws_framing.hpp"

namespace parley::bench {

std::optional<FrameHeader> parse_frame_header(std::string_view data) {
  if (data.size() < 2) return std::nullopt;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(data[i]); };
  FrameHeader header;
  header.fin = (byte(0) & 0x80) != 0;
  header.opcode = static_cast<Opcode>(byte(0) & 0x0f);
  header.masked = (byte(1) & 0x80) != 0;
  std::uint64_t length = byte(1) & 0x7f;
  std::size_t at = 2;
  // 126 and 127 announce a 16-bit and a 64-bit length, big-endian.
  const std::size_t extended = length == 126 ? 2 : length == 127 ? 8 : 0;
  if (extended > 0) {
    if (data.size() < at + extended) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < extended; ++i) length = (length << 8) | byte(at + i);
    at += extended;
  }
  if (header.masked) at += 4;
  if (data.size() < at) return std::nullopt;
  header.header_bytes = at;
  header.payload_bytes = length;
  return header;
}

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
  out += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  const std::uint64_t size = payload.size();
  if (size < 126) {
    out += static_cast<char>(0x80 | size);
  } else if (size <= 0xffff) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(size >> 8);
    out += static_cast<char>(size & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((size >> shift) & 0xff);
  }
  const char mask[4] = {static_cast<char>(mask_key >> 24), static_cast<char>(mask_key >> 16),
                        static_cast<char>(mask_key >> 8), static_cast<char>(mask_key)};
  out.append(mask, 4);
  const std::size_t start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < payload.size(); ++i) out[start + i] ^= mask[i % 4];
}

}  // namespace parley::bench
