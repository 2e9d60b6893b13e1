// The WebSocket framing the benchmark's client needs (RFC 6455): reading the
// server's unmasked frames, writing masked client frames. Plain functions, no
// I/O, so one read can be split into every frame it holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ws/ws_opcode.hpp"

namespace parley::bench {

using Opcode = transport::ws::Opcode;

struct FrameHeader {
  bool fin = true;
  Opcode opcode = Opcode::text;
  bool masked = false;  // a server must not mask: the caller treats it as an error
  std::size_t header_bytes = 0;
  std::uint64_t payload_bytes = 0;
};

// The header at the start of `data`, or nullopt until all of it has arrived.
std::optional<FrameHeader> parse_frame_header(std::string_view data);

// Appends one final client frame, masked with `mask_key`, to `out`.
void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key);

}  // namespace parley::bench
