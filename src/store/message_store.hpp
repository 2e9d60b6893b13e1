// Message history: rooms, and the messages of each in seq order. One half of
// a Store (the other is IdentityStore); used by one thread only, the
// StoreWorker's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.hpp"
#include "core/names.hpp"
#include "store/result.hpp"

namespace parley::store {

struct RoomRecord {
  std::string name;  // as first written
  std::uint64_t last_seq = 0;
};

struct StoredMessage {
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string user;  // the author's name, as it was then
  std::string text;
  std::string client_id;
  std::string author_id;  // the author's identity id (core::Identity::id)
  bool guest = false;     // the author was a guest
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
  return json_escaped_size(message.text) + json_escaped_size(message.user) +
         json_escaped_size(message.client_id) + kFrameOverhead;
}

// Which messages a read capped by count or bytes keeps when there are more.
enum class Keep { newest, oldest };

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
};

struct AppendRequest {
  core::RoomName room;
  core::Identity author;
  std::string text;
  std::string client_id;
};

struct Appended {
  std::string room_name;  // the room as first written
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  bool duplicate = false;  // the id was used before: nothing new was stored
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // The room, created if it does not exist. Rooms are keyed case-insensitively
  // and keep the name they were first written with.
  virtual Result<RoomRecord> open_room(const core::RoomName& room) = 0;

  // Stores every request in one transaction, in order: per request the
  // idempotency check by (room, author id, client id), then seq = last seq +
  // 1. Either all are durable when this returns, or none is and an error is
  // returned. A duplicate stores nothing and answers the first message's seq
  // and ts.
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

  // Rooms by most recent message, at most `limit`; rooms opened but never
  // written in come last.
  virtual Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) = 0;
};

}  // namespace parley::store
