// The one interface to message history. A Store is used by one thread only:
// the StoreWorker's. Implementations: MemoryStore (tests), SqliteStore.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.hpp"
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

struct Account {
  std::string name;  // as registered
  std::string password_hash;
};

struct SessionRecord {
  std::string id_digest;  // digest of the cookie's secret, never the secret
  std::string user_name;
  bool guest = false;
  std::string csrf_token;
  std::int64_t expires_ms = 0;
  // The identity id of whoever the session acts as: "a:" + user key for an
  // account, "g:" + a random public id for a guest (never from the secret).
  std::string owner;
};

struct TokenRecord {
  std::string id;      // public handle, for listing and revoking
  std::string digest;  // digest of the bearer secret
  std::string user_name;
  std::int64_t created_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // The room, created if it does not exist.
  virtual Result<RoomRecord> open_room(const core::RoomName& room) = 0;

  // Stores every request in one transaction, in order: per request the
  // idempotency check by (room, author id, client id), then seq = last seq + 1. Either all
  // are durable when this returns, or none is and an error is returned.
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

  // Rooms by most recent activity, at most `limit`.
  virtual Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) = 0;

  // --- Identity ---

  // Creates the account unless the name is taken by an account or by a guest
  // session that has not expired; answers whether it was created.
  virtual Result<bool> create_account(const core::UserName& user, const std::string& password_hash,
                                      std::int64_t now_ms) = 0;
  virtual Result<std::optional<Account>> find_account(const core::UserName& user) = 0;

  // True when an account, or a guest session unexpired at `now_ms`, has the name.
  virtual Result<bool> is_name_taken(const core::UserName& user, std::int64_t now_ms) = 0;

  // Stores a session. A guest session is refused (false) when its name is
  // taken, checked in the same step.
  virtual Result<bool> create_session(const SessionRecord& session, std::int64_t now_ms) = 0;
  // The session, if it exists and has not expired at `now_ms`.
  virtual Result<std::optional<SessionRecord>> find_session(const std::string& id_digest,
                                                            std::int64_t now_ms) = 0;
  virtual Result<void> extend_session(const std::string& id_digest, std::int64_t expires_ms) = 0;
  virtual Result<void> delete_session(const std::string& id_digest) = 0;
  // Deletes every session expired at `now_ms` (expires_ms <= now_ms, as
  // find_session sees them); answers how many went.
  virtual Result<std::size_t> delete_expired_sessions(std::int64_t now_ms) = 0;

  virtual Result<void> create_token(const TokenRecord& token) = 0;
  // The token with this digest, unless it was revoked.
  virtual Result<std::optional<TokenRecord>> find_token(const std::string& digest) = 0;
  virtual Result<std::vector<TokenRecord>> list_tokens(const core::UserName& user) = 0;
  // How many unrevoked tokens `user` has.
  virtual Result<std::size_t> count_live_tokens(const core::UserName& user) = 0;
  // Answers whether a token of `user` with this id was there to revoke.
  virtual Result<bool> revoke_token(const core::UserName& user, const std::string& id) = 0;

  // Answers without error when the store can serve.
  virtual Result<void> check() = 0;

  // After append_batch failed: true when nothing of the batch reached the
  // database and the next batch may simply be tried (another process held
  // the lock, the disk was full); false when the outcome is not known (a
  // failed write or sync), after which nothing more should be written.
  virtual bool last_failure_is_transient() const { return false; }
};

}  // namespace parley::store
