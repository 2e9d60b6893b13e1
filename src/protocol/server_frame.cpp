#include "protocol/server_frame.hpp"

#include <boost/json.hpp>

#include "obs/metrics.hpp"

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

std::uint64_t changed_message_of(const Frame& frame) {
  // Frames are encoded here, type first: a message is told by its prefix,
  // and only the rare others are parsed.
  const std::string_view text = *frame;
  if (!text.starts_with(R"({"type":"edit")") && !text.starts_with(R"({"type":"delete")") &&
      !text.starts_with(R"({"type":"reaction")")) {
    return 0;
  }
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return 0;
  const json::value* target = parsed.get_object().if_contains("target");
  return target != nullptr && target->is_uint64() ? target->get_uint64()
         : target != nullptr && target->is_int64() && target->get_int64() > 0
             ? static_cast<std::uint64_t>(target->get_int64())
             : 0;
}

bool is_delete_frame(const Frame& frame) {
  return std::string_view(*frame).starts_with(R"({"type":"delete")");
}

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
  json::object frame({{"type", core::wire_type(message.kind)},
                      {"room", message.room},
                      {"seq", message.seq},
                      {"ts", message.ts},
                      {"user", message.user}},
                     &memory);
  const bool has_text =
      message.kind == core::EventKind::message || message.kind == core::EventKind::edit;
  if (message.kind != core::EventKind::message) frame["target"] = message.target;
  if (has_text && !message.deleted) frame["text"] = message.text;
  if (message.kind == core::EventKind::reaction) {
    frame["emoji"] = message.emoji;
    frame["on"] = message.on;
  }
  frame["id"] = message.id;
  // Only a guest's message says so: an account's stays as it always was.
  if (message.guest) frame["guest"] = true;
  if (message.reply_to != 0) frame["reply_to"] = message.reply_to;
  if (message.edited_ts != 0 && !message.deleted) frame["edited"] = message.edited_ts;
  if (has_text && message.deleted) frame["deleted"] = true;
  if (message.reactions != nullptr && !message.reactions->empty()) {
    json::object reactions(&memory);
    for (const core::Reaction& reaction : *message.reactions) {
      json::array users(&memory);
      for (const std::string& user : reaction.users) users.emplace_back(user);
      reactions[reaction.emoji] = std::move(users);
    }
    frame["reactions"] = std::move(reactions);
  }
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

Frame encode_read(std::string_view room, std::uint64_t seq) {
  return finish({{"type", "read"}, {"room", room}, {"seq", seq}});
}

Frame encode_invited(std::string_view room, std::string_view by) {
  return finish({{"type", "invited"}, {"room", room}, {"by", by}});
}

Frame encode_removed(std::string_view room) {
  return finish({{"type", "removed"}, {"room", room}});
}

Frame encode_error(core::ErrorCode code, std::string_view message,
                   const std::optional<std::string>& id) {
  // Error frames are built for one client each, right before they are sent.
  obs::count_error(obs::Transport::ws, code);
  json::object frame{{"type", "error"}, {"code", core::name_of(code)}, {"message", message}};
  if (id) frame["id"] = *id;
  return finish(frame);
}

Frame encode_pong() {
  static const Frame pong = std::make_shared<const std::string>(R"({"type":"pong"})");
  return pong;
}

std::string encode_message_page(std::string_view room, const std::vector<Frame>& messages,
                                std::uint64_t last_seq, bool truncated, std::uint64_t trimmed_seq) {
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
  if (trimmed_seq != 0) body.append(R"(,"trimmed_seq":)").append(std::to_string(trimmed_seq));
  body.append("}");
  return body;
}

}  // namespace parley::protocol
