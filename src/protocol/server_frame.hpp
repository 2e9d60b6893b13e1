// Server frames, each encoded once into an immutable shared buffer that every
// receiver queues as is. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_code.hpp"
#include "core/event_kind.hpp"
#include "core/member.hpp"

namespace parley::protocol {

using core::Frame;

// A stored event (a message, an edit, a delete, a reaction) as clients see it.
struct MessageView {
  MessageView(std::string_view room, std::uint64_t seq, std::int64_t ts, std::string_view user,
              std::string_view text, std::string_view id, bool guest = false)
      : room(room), seq(seq), ts(ts), user(user), text(text), id(id), guest(guest) {}

  std::string_view room;
  std::uint64_t seq;
  std::int64_t ts;
  std::string_view user;
  std::string_view text;
  std::string_view id;
  // The author was a guest: the frame says "guest":true. Omitted for an
  // account, so that its frames are as they always were.
  bool guest = false;
  core::EventKind kind = core::EventKind::message;
  std::uint64_t target = 0;    // edit, delete, reaction
  std::uint64_t reply_to = 0;  // message; 0: none
  std::string_view emoji;      // reaction
  bool on = false;             // reaction
  std::int64_t edited_ts = 0;  // message: "edited", when edited
  bool deleted = false;        // message, edit: "deleted":true instead of "text"
  // Message, in its final state: "reactions":{emoji:[users]} when any.
  const std::vector<core::Reaction>* reactions = nullptr;
};

// The seq of the message that an encoded edit, delete or reaction frame
// changes; 0 for a message frame (and anything else).
std::uint64_t changed_message_of(const Frame& frame);
// True for an encoded delete frame.
bool is_delete_frame(const Frame& frame);

Frame encode_hello(std::string_view user, bool guest);
Frame encode_joined(std::string_view room, std::uint64_t seq,
                    const std::vector<std::string>& members, bool truncated);
Frame encode_message(const MessageView& message);
Frame encode_ack(std::string_view room, std::string_view id, std::uint64_t seq);
enum class PresenceEvent { join, leave };
Frame encode_presence(std::string_view room, std::string_view user, PresenceEvent event);
Frame encode_typing(std::string_view room, std::string_view user);
Frame encode_left(std::string_view room);
// The user's read marker in `room` as stored, for the user's other connections.
Frame encode_read(std::string_view room, std::uint64_t seq);
// To the invitee's connections: `by` gave them access to the private room.
Frame encode_invited(std::string_view room, std::string_view by);
// To the connections of a user who lost access to a room.
Frame encode_removed(std::string_view room);
Frame encode_error(core::ErrorCode code, std::string_view message,
                   const std::optional<std::string>& id);
Frame encode_pong();

// An HTTP page of messages: {"room":R,"messages":[...],"last_seq":N}, from
// message frames already encoded (the same bytes the sockets get), with
// "truncated":true when the page was cut short to stay within its bytes;
// "trimmed_seq":T (when not 0) when retention removed every event up to T.
std::string encode_message_page(std::string_view room, const std::vector<Frame>& messages,
                                std::uint64_t last_seq, bool truncated = false,
                                std::uint64_t trimmed_seq = 0);

}  // namespace parley::protocol
