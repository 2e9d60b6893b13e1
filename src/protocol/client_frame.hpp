// Client WebSocket frames parsed into commands, or into the error frame that
// answers them. Every field is checked here, at the edge, so the service sees
// only valid values. Pure functions; any thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/error_code.hpp"
#include "core/event_kind.hpp"
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
  std::uint64_t reply_to = 0;  // the seq of the message it answers (0: none)
};
// An edit, delete or reaction of the message `target`.
struct EventCommand {
  core::RoomName room;
  std::string id;
  core::EventKind kind = core::EventKind::edit;
  std::uint64_t target = 0;
  std::string text;   // edit
  std::string emoji;  // reaction
  bool on = false;    // reaction
};
struct TypingCommand {
  core::RoomName room;
  std::optional<std::string> id;
};
// How far the user has read a room: `seq` (the marker only moves forward).
struct ReadCommand {
  core::RoomName room;
  std::uint64_t seq = 0;
  std::optional<std::string> id;
};
struct PingCommand {};

using ClientCommand = std::variant<JoinCommand, LeaveCommand, SendCommand, EventCommand,
                                   TypingCommand, ReadCommand, PingCommand>;

struct FrameError {
  core::ErrorCode code;
  std::string message;
  std::optional<std::string> id;  // the frame's id, echoed when it had one
};

using ParsedFrame = std::variant<ClientCommand, FrameError>;

ParsedFrame parse_client_frame(std::string_view json);

// The body of POST /api/rooms/R/events ({"type":"edit"|"delete"|"react",
// the fields of that frame without room}) for the room of the path.
std::variant<EventCommand, FrameError> parse_event_body(const boost::json::object& body,
                                                        core::RoomName room);
// The seq of POST /api/rooms/R/read ({"seq":N}), checked as a read frame's.
std::variant<std::uint64_t, FrameError> parse_read_body(const boost::json::object& body);
// The optional reply_to of a message posted over HTTP: 0 when absent.
std::variant<std::uint64_t, FrameError> parse_reply_to(const boost::json::object& body);

}  // namespace parley::protocol
