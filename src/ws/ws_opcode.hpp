// WebSocket frame opcodes (RFC 6455, section 5.2): facts of the wire, shared
// by the server's codec and the independent ones of the tests and the load
// tool, which otherwise trust none of the server's code.
#pragma once

#include <cstdint>

namespace parley::transport::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

}  // namespace parley::transport::ws
