#include "support/frames.hpp"

#include <stdexcept>

namespace parley::test {
namespace frames {

Frame join(std::string_view room) {
  return {{"type", "join"}, {"room", room}};
}

Frame join_since(std::string_view room, std::uint64_t since) {
  return {{"type", "join"}, {"room", room}, {"since", since}};
}

Frame leave(std::string_view room) {
  return {{"type", "leave"}, {"room", room}};
}

Frame send(std::string_view room, std::string_view text, std::string_view id) {
  return {{"type", "send"}, {"room", room}, {"text", text}, {"id", id}};
}

Frame send_reply(std::string_view room, std::string_view text, std::string_view id,
                 std::uint64_t reply_to) {
  Frame frame = send(room, text, id);
  frame["reply_to"] = reply_to;
  return frame;
}

Frame edit(std::string_view room, std::uint64_t target, std::string_view text,
           std::string_view id) {
  return {{"type", "edit"}, {"room", room}, {"target", target}, {"text", text}, {"id", id}};
}

Frame delete_message(std::string_view room, std::uint64_t target, std::string_view id) {
  return {{"type", "delete"}, {"room", room}, {"target", target}, {"id", id}};
}

Frame react(std::string_view room, std::uint64_t target, std::string_view emoji, bool on,
            std::string_view id) {
  return {{"type", "react"}, {"room", room}, {"target", target},
          {"emoji", emoji},  {"on", on},     {"id", id}};
}

Frame typing(std::string_view room) {
  return {{"type", "typing"}, {"room", room}};
}

Frame ping() {
  return {{"type", "ping"}};
}

}  // namespace frames

std::string type_of(const Frame& frame) {
  return string_field(frame, "type");
}

bool has_type(const Frame& frame, std::string_view type) {
  return type_of(frame) == type;
}

std::string string_field(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

std::uint64_t seq_of(const Frame& frame) {
  return number_of(frame, "seq");
}

std::uint64_t number_of(const Frame& frame, std::string_view key) {
  const auto* value = frame.if_contains(key);
  if (value != nullptr) {
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0)
      return static_cast<std::uint64_t>(value->get_int64());
  }
  throw std::runtime_error("frame has no valid " + std::string(key) + ": " + to_text(frame));
}

std::string to_text(const Frame& frame) {
  return boost::json::serialize(frame);
}

}  // namespace parley::test
