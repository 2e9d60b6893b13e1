// The one interface to message history. A Store is used by one thread only:
// the StoreWorker's. Implementations: MemoryStore (tests), SqliteStore.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/names.hpp"

namespace parley::store {

template <class T>
using Result = boost::system::result<T>;

struct RoomRecord {
  std::string name;  // as first written
  std::uint64_t last_seq = 0;
};

struct StoredMessage {
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string user;
  std::string text;
  std::string client_id;
};

struct AppendRequest {
  core::RoomName room;
  core::UserName user;
  std::string text;
  std::string client_id;
};

struct Appended {
  std::string room_name;    // the room as first written
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  bool duplicate = false;   // the id was used before: nothing new was stored
};

class Store {
 public:
  virtual ~Store() = default;

  // The room, created if it does not exist.
  virtual Result<RoomRecord> open_room(const core::RoomName& room) = 0;

  // Stores every request in one transaction, in order: per request the
  // idempotency check by (room, user, id), then seq = last seq + 1. Either all
  // are durable when this returns, or none is and an error is returned.
  virtual Result<std::vector<Appended>> append_batch(std::span<const AppendRequest> requests,
                                                     std::int64_t now_ms) = 0;

  // Messages with after < seq <= up_to, oldest first, at most `limit`, taking
  // the most recent ones when there are more.
  virtual Result<std::vector<StoredMessage>> read_range(const core::RoomName& room,
                                                        std::uint64_t after, std::uint64_t up_to,
                                                        std::size_t limit) = 0;

  // Rooms by most recent activity, at most `limit`.
  virtual Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) = 0;

  // Answers without error when the store can serve.
  virtual Result<void> check() = 0;
};

}  // namespace parley::store
