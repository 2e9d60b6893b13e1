// Message history: rooms, and the messages of each in seq order. One half of
// a Store (the other is IdentityStore); used by one thread only, the
// StoreWorker's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error_code.hpp"
#include "core/event_kind.hpp"
#include "core/identity.hpp"
#include "core/names.hpp"
#include "core/room_access.hpp"
#include "store/result.hpp"

namespace parley::store {

struct RoomRecord {
  std::string name;  // as first written
  std::uint64_t last_seq = 0;
  // list_rooms only: when its last event was stored (ms since the epoch; 0:
  // never written in).
  std::int64_t last_active_ms = 0;
  core::RoomKind kind = core::RoomKind::public_room;
  std::string owner = {};  // the owner's name as registered; empty: no owner
};

using core::Reaction;

// One event of a room: a message, or an edit, delete or reaction of one.
struct StoredMessage {
  StoredMessage() = default;
  // A message as v1 knew it; the other fields are set by name.
  StoredMessage(std::uint64_t seq, std::int64_t ts, std::string user, std::string text,
                std::string client_id, std::string author_id, bool guest)
      : seq(seq),
        ts(ts),
        user(std::move(user)),
        text(std::move(text)),
        client_id(std::move(client_id)),
        author_id(std::move(author_id)),
        guest(guest) {}

  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string user;  // the author's name, as it was then
  // A message's text as it is now (edits replace it), an edit's new text;
  // empty once deleted, and for deletes and reactions.
  std::string text;
  std::string client_id;
  std::string author_id;  // the author's identity id (core::Identity::id)
  bool guest = false;     // the author was a guest
  core::EventKind kind = core::EventKind::message;
  std::uint64_t target = 0;    // edit, delete, reaction: the message's seq
  std::uint64_t reply_to = 0;  // message: the seq it answers (0: none)
  std::string emoji;           // reaction
  bool on = false;             // reaction: set (true) or taken back
  std::int64_t edited_ts = 0;  // message: the last edit's ts (0: never edited)
  bool deleted = false;        // message, edit: its text was removed for good
  // Message, in a View::final_messages read only: the reactions that are on,
  // emoji by emoji in the order each was first set.
  std::vector<Reaction> reactions;
};

// The length of `text` as a JSON string's content: quotes and backslashes
// take two bytes, control characters two or six (\n, \u0001).
inline std::size_t json_escaped_size(std::string_view text) {
  std::size_t size = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      size += 2;
    } else if (byte < 0x20) {
      size += 6;
    } else {
      size += 1;
    }
  }
  return size;
}

// What a stored message costs once encoded as a frame: its text and names as
// JSON writes them, and about the rest of the frame around them. How reads
// are capped in bytes.
inline std::size_t message_bytes(const StoredMessage& message) {
  constexpr std::size_t kFrameOverhead = 200;  // a 64-character room, large numbers, guest
  std::size_t size = json_escaped_size(message.text) + json_escaped_size(message.user) +
                     json_escaped_size(message.client_id) + message.emoji.size() + kFrameOverhead;
  for (const Reaction& reaction : message.reactions) {
    size += reaction.emoji.size() + 8;
    for (const std::string& user : reaction.users) size += json_escaped_size(user) + 3;
  }
  return size;
}

// Which messages a read capped by count or bytes keeps when there are more.
enum class Keep { newest, oldest };

// What a read returns: every event as it is stored (a replay, a poll), or
// the message events only, each in its final state with its reactions (a
// page of history).
enum class View { events, final_messages };

// Messages with after < seq <= up_to, returned oldest first: at most `limit`,
// and no more than `max_bytes` (message_bytes) unless one message alone is
// more. When the range holds more, Keep::newest keeps the most recent (a page
// of history, a capped replay), Keep::oldest the first after `after` (reading
// forward: a poll, a replay's next piece).
struct RangeQuery {
  core::RoomName room;
  std::uint64_t after = 0;
  std::uint64_t up_to = 0;
  std::size_t limit = 0;
  std::size_t max_bytes = SIZE_MAX;
  Keep keep = Keep::newest;
  View view = View::events;  // with final_messages, `limit` counts messages
  // Set to true when given and the read stopped at max_bytes with more to
  // read (in the final view, seqs do not tell: events are skipped).
  bool* stopped_by_bytes = nullptr;
};

// Who stands behind an append request: a user of the protocol (the rules of
// events and of access apply; a server admin's role is read from the store
// when it matters), or the operator (parley admin), who may delete any
// message in any room.
enum class Origin { user, operator_tool };

// An event to store: a message (text, reply_to), an edit (target, text), a
// delete (target) or a reaction (target, emoji, on).
struct AppendRequest {
  // A message; the fields of other kinds are set by name.
  AppendRequest(core::RoomName room, core::Identity author, std::string text, std::string client_id)
      : room(std::move(room)),
        author(std::move(author)),
        text(std::move(text)),
        client_id(std::move(client_id)) {}

  core::RoomName room;
  core::Identity author;
  std::string text;
  std::string client_id;
  core::EventKind kind = core::EventKind::message;
  std::uint64_t target = 0;
  std::uint64_t reply_to = 0;
  std::string emoji;
  bool on = false;
  Origin origin = Origin::user;
};

struct Appended {
  Appended() = default;
  Appended(std::string room_name, std::uint64_t seq, std::int64_t ts, bool duplicate,
           std::optional<core::Error> refused = std::nullopt)
      : room_name(std::move(room_name)), seq(seq), ts(ts), duplicate(duplicate), refused(refused) {}

  std::string room_name;  // the room as first written
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  // Nothing new was stored: the id was used before (seq and ts are the
  // first event's), or a reaction was already as asked (seq is the event
  // that set it; 0 when it was never on).
  bool duplicate = false;
  // The request was refused and stored nothing (not_found, forbidden); the
  // other requests of its batch are unaffected.
  std::optional<core::Error> refused;
};

// One room as the operator sees it (parley admin rooms).
struct RoomSummary {
  std::string name;  // as first written
  core::RoomKind kind = core::RoomKind::public_room;
  std::uint64_t messages = 0;      // message events not deleted
  std::int64_t last_event_ms = 0;  // the ts of its last event (0: none)
};

// How far one reader has read one room.
struct ReadMarker {
  std::string room_name;  // the room as first written
  std::uint64_t read_seq = 0;
};

// What a grant or a removal of access did.
struct AccessChange {
  // Refused and changed nothing (core::refusal_of_invite, refusal_of_removal;
  // not_found for an unknown user).
  std::optional<core::Error> refused;
  std::string room_name;  // the room as first written
  std::string user_name;  // the account's name as registered
  bool changed = false;   // false: it already was as asked
};

// A direct conversation as open_direct found or made it.
struct DirectRoom {
  RoomRecord room;
  std::string with;      // the other account's name as registered
  bool created = false;  // this call made it: the other account just got access
};

// One room as one reader sees it. `unread`: message events of other users
// after the marker that are not deleted; `mentions`: those of them that
// mention the reader (core::mentions).
struct RoomReading {
  std::string name;  // the room as first written
  std::uint64_t last_seq = 0;
  std::uint64_t read_seq = 0;
  std::uint64_t unread = 0;
  std::uint64_t mentions = 0;
  core::RoomKind kind = core::RoomKind::public_room;
  std::string with = {};  // direct: the other account's name as registered
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // The room, created public if it does not exist. Rooms are keyed
  // case-insensitively and keep the name they were first written with. No
  // access check: for rooms the caller was admitted to (enter_room), or that
  // it may create.
  virtual Result<RoomRecord> open_room(const core::RoomName& room) = 0;

  // The room as `viewer` may see it: nullopt when it does not exist or is
  // restricted (core::RoomKind) and `viewer` has no access to it. With
  // `create`, a room that does not exist is first created public, unless its
  // name is reserved (core::is_reserved_room_name).
  virtual Result<std::optional<RoomRecord>> enter_room(const core::RoomName& room,
                                                       const core::Identity& viewer,
                                                       bool create) = 0;
  // Creates a room of `kind` owned by `owner`, which gets access first; a
  // guest (only ever of a public room) owns nothing. false when a room of
  // that name exists (nothing changes).
  virtual Result<bool> create_room(const core::RoomName& room, core::RoomKind kind,
                                   const core::Identity& owner, std::int64_t now_ms) = 0;
  // The direct conversation of `caller` and the account `other` (under
  // core::direct_room_name), created with access for both if it does not
  // exist; nullopt when `other` has no account.
  virtual Result<std::optional<DirectRoom>> open_direct(const core::Identity& caller,
                                                        const core::UserName& other,
                                                        std::int64_t now_ms) = 0;
  // `actor` gives the account `user` access to `room`
  // (core::refusal_of_invite), or takes it away (core::refusal_of_removal).
  virtual Result<AccessChange> grant_access(const core::RoomName& room, const core::Identity& actor,
                                            const core::UserName& user, std::int64_t now_ms) = 0;
  virtual Result<AccessChange> revoke_access(const core::RoomName& room,
                                             const core::Identity& actor,
                                             const core::UserName& user) = 0;
  // The names of the accounts with access to `room`, in the order they got
  // it (empty for a public room).
  virtual Result<std::vector<std::string>> list_access(const core::RoomName& room) = 0;

  // Stores every request in one transaction, in order: per request the
  // idempotency check by (room, author id, client id), then the author's
  // access to a restricted room (not_found without), then the rules of its
  // kind (event_rules.hpp), then seq = last seq + 1. Either all are durable
  // when this returns, or none is and an error is returned. A duplicate
  // stores nothing and answers the first event's seq and ts. An event whose
  // room does not exist is refused (not_found) and creates no room.
  virtual Result<std::vector<Appended>> append_batch(std::span<const AppendRequest> requests,
                                                     std::int64_t now_ms) = 0;

  // The messages `query` asks for (see RangeQuery).
  virtual Result<std::vector<StoredMessage>> read_messages(const RangeQuery& query) = 0;
  // Messages with after < seq <= up_to, oldest first, at most `limit`, taking
  // the most recent ones when there are more.
  Result<std::vector<StoredMessage>> read_range(const core::RoomName& room, std::uint64_t after,
                                                std::uint64_t up_to, std::size_t limit) {
    return read_messages(RangeQuery{room, after, up_to, limit});
  }

  // Public rooms by most recent message, at most `limit`; rooms opened but
  // never written in come last. Restricted rooms are never listed.
  virtual Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) = 0;

  // Read markers: how far a reader (an identity id) has read a room. With
  // `seq`, the marker moves forward to it (never back; never past the room's
  // last seq); without, a reader new to the room starts at its last seq (its
  // history is not news) and an existing marker stays. Answers the marker as
  // stored; nullopt when the room does not exist or the reader (an account
  // id for a restricted room) has no access to it (nothing is created).
  virtual Result<std::optional<ReadMarker>> mark_read(const std::string& reader,
                                                      const core::RoomName& room,
                                                      std::optional<std::uint64_t> seq) = 0;
  // The rooms `reader` has a marker in or access to (a restricted room it
  // lost access to is not), most recently active first, at most `limit`,
  // each with its unread messages and mentions of the reader; a room with
  // access but no marker counts from its start.
  virtual Result<std::vector<RoomReading>> list_reading(const core::Identity& reader,
                                                        std::size_t limit) = 0;

  // Operations (parley admin).
  //
  // Every room, public, private and direct, in the order of their keys.
  virtual Result<std::vector<RoomSummary>> list_all_rooms() = 0;
  // Removes the room with its events, reactions, read markers and access, in
  // one transaction; false when there is no such room. A room of that name
  // made later starts again at seq 1.
  virtual Result<bool> delete_room(const core::RoomName& room) = 0;
};

}  // namespace parley::store
