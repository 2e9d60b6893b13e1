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

// A seq that names a message (target, reply_to): a non-negative integer;
// nullopt when absent and not required. Seq 0 is no message (not_found),
// which the caller says once the rest of the frame is checked.
std::variant<std::optional<std::uint64_t>, FrameError> seq_field(
    const json::object& frame, std::string_view name, bool required,
    const std::optional<std::string>& id) {
  const json::value* value = frame.if_contains(name);
  if (value == nullptr) {
    if (!required) return std::optional<std::uint64_t>{};
    return error(ErrorCode::bad_request, "missing field: " + std::string(name), id);
  }
  if (value->is_uint64()) return std::optional<std::uint64_t>{value->get_uint64()};
  if (value->is_int64() && value->get_int64() >= 0) {
    return std::optional<std::uint64_t>{static_cast<std::uint64_t>(value->get_int64())};
  }
  return error(ErrorCode::bad_request, std::string(name) + " must be a non-negative integer", id);
}

FrameError no_such_message(const std::optional<std::string>& id) {
  return error(ErrorCode::not_found, "no such message", id);
}

// The seq of a read frame or body: how far the user has read.
std::variant<std::uint64_t, FrameError> read_seq_of(const json::object& frame,
                                                    const std::optional<std::string>& id) {
  auto seq = seq_field(frame, "seq", true, id);
  if (auto* failed = std::get_if<FrameError>(&seq)) {
    failed->message = "seq must be a non-negative integer";
    return std::move(*failed);
  }
  return *std::get<std::optional<std::uint64_t>>(seq);
}

// The client id every stored event needs; `id` is nullopt when it is not valid.
std::optional<FrameError> check_id(const json::object& frame,
                                   const std::optional<std::string>& id) {
  const json::value* client_id = frame.if_contains("id");
  if (client_id == nullptr) return error(ErrorCode::bad_request, "missing field: id", id);
  if (!id) return error(ErrorCode::bad_request, "id must be 1-64 printable ASCII characters", id);
  return std::nullopt;
}

// The text field of a send or an edit, checked as message text.
std::variant<std::string, FrameError> text_field(const json::object& frame,
                                                 const std::optional<std::string>& id) {
  const json::value* text = frame.if_contains("text");
  if (text == nullptr) return error(ErrorCode::bad_request, "missing field: text", id);
  if (!text->is_string()) return error(ErrorCode::bad_request, "text must be a string", id);
  const json::string& body = text->get_string();
  if (auto refused = core::check_message_text(body)) {
    return error(refused->code, std::string(refused->message), id);
  }
  return std::string(body);
}

ParsedFrame parse_send(const json::object& frame, core::RoomName room,
                       const std::optional<std::string>& id) {
  if (auto refused = check_id(frame, id)) return *std::move(refused);
  auto text = text_field(frame, id);
  if (auto* failed = std::get_if<FrameError>(&text)) return std::move(*failed);
  auto reply_to = seq_field(frame, "reply_to", false, id);
  if (auto* failed = std::get_if<FrameError>(&reply_to)) return std::move(*failed);
  const auto answered = std::get<std::optional<std::uint64_t>>(reply_to);
  if (answered == 0u) return no_such_message(id);
  return ClientCommand{SendCommand{std::move(room), std::move(std::get<std::string>(text)), *id,
                                   answered.value_or(0)}};
}

// An edit, delete or react frame (type `kind`), or the body of the same.
std::variant<EventCommand, FrameError> parse_event(const json::object& frame, std::string_view kind,
                                                   core::RoomName room,
                                                   const std::optional<std::string>& id) {
  if (auto refused = check_id(frame, id)) return *std::move(refused);
  auto target = seq_field(frame, "target", true, id);
  if (auto* failed = std::get_if<FrameError>(&target)) return std::move(*failed);
  EventCommand command{std::move(room),
                       *id,
                       core::EventKind::edit,
                       *std::get<std::optional<std::uint64_t>>(target),
                       {},
                       {},
                       false};
  if (kind == "edit") {
    auto text = text_field(frame, id);
    if (auto* failed = std::get_if<FrameError>(&text)) return std::move(*failed);
    command.kind = core::EventKind::edit;
    command.text = std::move(std::get<std::string>(text));
  } else if (kind == "delete") {
    command.kind = core::EventKind::deletion;
  } else {
    const json::value* emoji = frame.if_contains("emoji");
    if (emoji == nullptr) return error(ErrorCode::bad_request, "missing field: emoji", id);
    if (!emoji->is_string()) return error(ErrorCode::bad_request, "emoji must be a string", id);
    if (auto refused = core::check_emoji(emoji->get_string())) {
      return error(refused->code, std::string(refused->message), id);
    }
    const json::value* on = frame.if_contains("on");
    if (on == nullptr) return error(ErrorCode::bad_request, "missing field: on", id);
    if (!on->is_bool()) return error(ErrorCode::bad_request, "on must be true or false", id);
    command.kind = core::EventKind::reaction;
    command.emoji = std::string(emoji->get_string());
    command.on = on->get_bool();
  }
  if (command.target == 0) return no_such_message(id);
  return command;
}

bool is_event_type(std::string_view kind) {
  return kind == "edit" || kind == "delete" || kind == "react";
}

// Parses a client's JSON object: nullopt and `failed` set when it is not one.
std::optional<json::value> parse_object(std::string_view text, json::storage_ptr memory,
                                        FrameError& failed) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec, std::move(memory), options);
  if (ec) {
    failed = error(ErrorCode::bad_request, "frame is not valid JSON", std::nullopt);
    return std::nullopt;
  }
  if (!parsed.is_object()) {
    failed = error(ErrorCode::bad_request, "frame must be a JSON object", std::nullopt);
    return std::nullopt;
  }
  return parsed;
}

}  // namespace

ParsedFrame parse_client_frame(std::string_view text) {
  // A frame is parsed, read and dropped at once: its nodes go on the stack
  // (the heap only for a frame larger than the buffer), none freed one by one.
  unsigned char nodes[4096];
  json::monotonic_resource memory(nodes, sizeof nodes);
  FrameError failed;
  auto parsed = parse_object(text, &memory, failed);
  if (!parsed) return failed;
  const json::object& frame = parsed->get_object();
  const std::optional<std::string> id = id_of(frame);

  const json::value* type = frame.if_contains("type");
  if (type == nullptr) return error(ErrorCode::bad_request, "missing field: type", id);
  if (!type->is_string()) return error(ErrorCode::bad_request, "type must be a string", id);
  const json::string& kind = type->get_string();

  if (kind == "ping") return ClientCommand{PingCommand{}};
  if (kind != "join" && kind != "leave" && kind != "send" && kind != "typing" && kind != "read" &&
      !is_event_type(kind)) {
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
  if (kind == "read") {
    auto seq = read_seq_of(frame, id);
    if (auto* failed = std::get_if<FrameError>(&seq)) return std::move(*failed);
    return ClientCommand{ReadCommand{std::move(room_name), std::get<std::uint64_t>(seq), id}};
  }
  if (is_event_type(kind)) {
    auto event = parse_event(frame, kind, std::move(room_name), id);
    if (auto* refused = std::get_if<FrameError>(&event)) return std::move(*refused);
    return ClientCommand{std::move(std::get<EventCommand>(event))};
  }
  return parse_send(frame, std::move(room_name), id);
}

std::variant<EventCommand, FrameError> parse_event_body(const json::object& body,
                                                        core::RoomName room) {
  const std::optional<std::string> id = id_of(body);
  const json::value* type = body.if_contains("type");
  if (type == nullptr) return error(ErrorCode::bad_request, "missing field: type", id);
  if (!type->is_string() || !is_event_type(type->get_string())) {
    return error(ErrorCode::bad_request, "type must be edit, delete or react", id);
  }
  return parse_event(body, type->get_string(), std::move(room), id);
}

std::variant<std::uint64_t, FrameError> parse_read_body(const json::object& body) {
  return read_seq_of(body, std::nullopt);
}

std::variant<std::uint64_t, FrameError> parse_reply_to(const json::object& body) {
  const auto id = id_of(body);
  auto reply_to = seq_field(body, "reply_to", false, id);
  if (auto* failed = std::get_if<FrameError>(&reply_to)) return std::move(*failed);
  const auto answered = std::get<std::optional<std::uint64_t>>(reply_to);
  if (answered == 0u) return no_such_message(id);
  return answered.value_or(0);
}

}  // namespace parley::protocol
