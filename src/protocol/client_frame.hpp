// Client WebSocket frames parsed into commands, or into the error frame that
// answers them. Every field is checked here, at the edge, so the service sees
// only valid values. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/error_code.hpp"
#include "core/names.hpp"

namespace parley::protocol {

struct JoinCommand {
  core::RoomName room;
  std::optional<std::uint64_t> since;
  std::optional<std::string> id;  // echoed in an error, if the frame had one
};
struct LeaveCommand {
  core::RoomName room;
  std::optional<std::string> id;
};
struct SendCommand {
  core::RoomName room;
  std::string text;
  std::string id;
};
struct TypingCommand {
  core::RoomName room;
  std::optional<std::string> id;
};
struct PingCommand {};

using ClientCommand =
    std::variant<JoinCommand, LeaveCommand, SendCommand, TypingCommand, PingCommand>;

struct FrameError {
  core::ErrorCode code;
  std::string message;
  std::optional<std::string> id;  // the frame's id, echoed when it had one
};

using ParsedFrame = std::variant<ClientCommand, FrameError>;

ParsedFrame parse_client_frame(std::string_view json);

}  // namespace parley::protocol
