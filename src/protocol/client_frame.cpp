#include "protocol/client_frame.hpp"

#include <boost/json.hpp>

#include "core/message_text.hpp"

namespace parley::protocol {
namespace json = boost::json;
namespace {

using core::ErrorCode;

// Client frames are small, flat objects; deeper nesting is hostile.
constexpr std::size_t kMaxJsonDepth = 8;

FrameError error(ErrorCode code, std::string message, const std::optional<std::string>& id) {
  return FrameError{code, std::move(message), id};
}

std::optional<std::string> id_of(const json::object& frame) {
  const json::value* id = frame.if_contains("id");
  if (id == nullptr || !id->is_string()) return std::nullopt;
  const json::string& text = id->get_string();
  // Echo only what could be a valid id, so the error stays small and printable.
  if (!core::is_valid_client_message_id(text)) return std::nullopt;
  return std::string(text);
}

// The room field, or the error for it.
std::variant<core::RoomName, FrameError> room_of(const json::object& frame,
                                                 const std::optional<std::string>& id) {
  const json::value* room = frame.if_contains("room");
  if (room == nullptr) return error(ErrorCode::bad_request, "missing field: room", id);
  if (!room->is_string()) return error(ErrorCode::bad_request, "room must be a string", id);
  auto name = core::RoomName::parse(room->get_string());
  if (!name) return error(ErrorCode::bad_request, "invalid room name", id);
  return *std::move(name);
}

std::variant<std::optional<std::uint64_t>, FrameError> since_of(const json::object& frame) {
  const json::value* since = frame.if_contains("since");
  if (since == nullptr) return std::optional<std::uint64_t>{};
  if (since->is_uint64()) return std::optional<std::uint64_t>{since->get_uint64()};
  if (since->is_int64() && since->get_int64() >= 0) {
    return std::optional<std::uint64_t>{static_cast<std::uint64_t>(since->get_int64())};
  }
  return error(ErrorCode::bad_request, "since must be a non-negative integer", std::nullopt);
}

ParsedFrame parse_send(const json::object& frame, core::RoomName room,
                       const std::optional<std::string>& id) {
  const json::value* client_id = frame.if_contains("id");
  if (client_id == nullptr) return error(ErrorCode::bad_request, "missing field: id", id);
  if (!client_id->is_string() || !core::is_valid_client_message_id(client_id->get_string())) {
    return error(ErrorCode::bad_request, "id must be 1-64 printable ASCII characters", id);
  }
  const json::value* text = frame.if_contains("text");
  if (text == nullptr) return error(ErrorCode::bad_request, "missing field: text", id);
  if (!text->is_string()) return error(ErrorCode::bad_request, "text must be a string", id);
  const json::string& body = text->get_string();
  if (auto refused = core::check_message_text(body)) {
    return error(refused->code, std::string(refused->message), id);
  }
  return ClientCommand{SendCommand{std::move(room), std::string(body), *id}};
}

}  // namespace

ParsedFrame parse_client_frame(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  // A frame is parsed, read and dropped at once: its nodes go on the stack
  // (the heap only for a frame larger than the buffer), none freed one by one.
  unsigned char nodes[4096];
  json::monotonic_resource memory(nodes, sizeof nodes);
  json::value parsed = json::parse(text, ec, &memory, options);
  if (ec) return error(ErrorCode::bad_request, "frame is not valid JSON", std::nullopt);
  if (!parsed.is_object()) {
    return error(ErrorCode::bad_request, "frame must be a JSON object", std::nullopt);
  }
  const json::object& frame = parsed.get_object();
  const std::optional<std::string> id = id_of(frame);

  const json::value* type = frame.if_contains("type");
  if (type == nullptr) return error(ErrorCode::bad_request, "missing field: type", id);
  if (!type->is_string()) return error(ErrorCode::bad_request, "type must be a string", id);
  const json::string& kind = type->get_string();

  if (kind == "ping") return ClientCommand{PingCommand{}};
  if (kind != "join" && kind != "leave" && kind != "send" && kind != "typing") {
    return error(ErrorCode::bad_request, "unknown frame type", id);
  }

  auto room = room_of(frame, id);
  if (auto* failed = std::get_if<FrameError>(&room)) return std::move(*failed);
  core::RoomName& room_name = std::get<core::RoomName>(room);

  if (kind == "join") {
    auto since = since_of(frame);
    if (auto* failed = std::get_if<FrameError>(&since)) {
      failed->id = id;
      return std::move(*failed);
    }
    return ClientCommand{
        JoinCommand{std::move(room_name), std::get<std::optional<std::uint64_t>>(since), id}};
  }
  if (kind == "leave") return ClientCommand{LeaveCommand{std::move(room_name), id}};
  if (kind == "typing") return ClientCommand{TypingCommand{std::move(room_name), id}};
  return parse_send(frame, std::move(room_name), id);
}

}  // namespace parley::protocol
