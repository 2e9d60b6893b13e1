#include "protocol/server_frame.hpp"

#include <boost/json.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

Frame finish(const json::object& frame) {
  return std::make_shared<const std::string>(json::serialize(frame));
}

// The common case, a flat frame: its object lives on the stack while it is
// serialized, so a broadcast allocates only the bytes every receiver shares.
Frame finish(std::initializer_list<std::pair<json::string_view, json::value_ref>> fields) {
  unsigned char nodes[2048];
  json::monotonic_resource memory(nodes, sizeof nodes);
  return finish(json::object(fields, &memory));
}

}  // namespace

Frame encode_hello(std::string_view user, bool guest) {
  return finish({{"type", "hello"}, {"user", user}, {"guest", guest}});
}

Frame encode_joined(std::string_view room, std::uint64_t seq,
                    const std::vector<std::string>& members, bool truncated) {
  json::array names;
  names.reserve(members.size());
  for (const std::string& member : members) names.emplace_back(member);
  json::object frame{
      {"type", "joined"}, {"room", room}, {"seq", seq}, {"members", std::move(names)}};
  if (truncated) frame["truncated"] = true;
  return finish(frame);
}

Frame encode_message(const MessageView& message) {
  unsigned char nodes[2048];
  json::monotonic_resource memory(nodes, sizeof nodes);
  json::object frame({{"type", "message"},
                      {"room", message.room},
                      {"seq", message.seq},
                      {"ts", message.ts},
                      {"user", message.user},
                      {"text", message.text},
                      {"id", message.id}},
                     &memory);
  // Only a guest's message says so: an account's stays as it always was.
  if (message.guest) frame["guest"] = true;
  return finish(frame);
}

Frame encode_ack(std::string_view room, std::string_view id, std::uint64_t seq) {
  return finish({{"type", "ack"}, {"room", room}, {"id", id}, {"seq", seq}});
}

Frame encode_presence(std::string_view room, std::string_view user, PresenceEvent event) {
  return finish({{"type", "presence"},
                 {"room", room},
                 {"user", user},
                 {"event", event == PresenceEvent::join ? "join" : "leave"}});
}

Frame encode_typing(std::string_view room, std::string_view user) {
  return finish({{"type", "typing"}, {"room", room}, {"user", user}});
}

Frame encode_left(std::string_view room) {
  return finish({{"type", "left"}, {"room", room}});
}

Frame encode_error(core::ErrorCode code, std::string_view message,
                   const std::optional<std::string>& id) {
  json::object frame{{"type", "error"}, {"code", core::name_of(code)}, {"message", message}};
  if (id) frame["id"] = *id;
  return finish(frame);
}

Frame encode_pong() {
  static const Frame pong = std::make_shared<const std::string>(R"({"type":"pong"})");
  return pong;
}

std::string encode_message_page(std::string_view room, const std::vector<Frame>& messages,
                                std::uint64_t last_seq, bool truncated) {
  std::size_t size = 64 + room.size();
  for (const Frame& message : messages) size += message->size() + 1;
  std::string body;
  body.reserve(size);
  body.append(R"({"room":)").append(json::serialize(json::string_view(room.data(), room.size())));
  body.append(R"(,"messages":[)");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) body += ',';
    body += *messages[i];
  }
  body.append(R"(],"last_seq":)").append(std::to_string(last_seq));
  if (truncated) body.append(R"(,"truncated":true)");
  body.append("}");
  return body;
}

}  // namespace parley::protocol
