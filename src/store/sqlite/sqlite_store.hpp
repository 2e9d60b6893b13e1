// The SQLite Store: one connection in WAL mode, owned by the store worker's
// thread. Every statement is prepared once; every batch is one transaction.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/event_rules.hpp"
#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store {

enum class Durability {
  full,    // fsync on every commit: acked messages survive power loss
  normal,  // WAL without fsync per commit: acked messages survive a process crash
};

struct SqliteOptions {
  std::filesystem::path path;
  Durability durability = Durability::full;
  // Rooms whose id and last seq are kept in memory between transactions;
  // past it the cache starts again empty (a room is read back in one lookup).
  std::size_t cached_rooms = 10000;
  // How long a write waits for a lock held by another process (a backup).
  int busy_timeout_ms = 5000;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating when absent) the database; throws std::runtime_error when
  // it cannot, which is a start-up failure.
  explicit SqliteStore(const SqliteOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // MessageStore
  Result<RoomRecord> open_room(const core::RoomName& room) override;
  Result<std::optional<RoomRecord>> enter_room(const core::RoomName& room,
                                               const core::Identity& viewer, bool create) override;
  Result<bool> create_room(const core::RoomName& room, core::RoomKind kind,
                           const core::Identity& owner, std::int64_t now_ms) override;
  Result<std::optional<DirectRoom>> open_direct(const core::Identity& caller,
                                                const core::UserName& other,
                                                std::int64_t now_ms) override;
  Result<AccessChange> grant_access(const core::RoomName& room, const core::Identity& actor,
                                    const core::UserName& user, std::int64_t now_ms) override;
  Result<AccessChange> revoke_access(const core::RoomName& room, const core::Identity& actor,
                                     const core::UserName& user) override;
  Result<std::vector<std::string>> list_access(const core::RoomName& room) override;
  Result<std::vector<Appended>> append_batch(std::span<const AppendRequest> requests,
                                             std::int64_t now_ms) override;
  Result<std::vector<StoredMessage>> read_messages(const RangeQuery& query) override;
  Result<std::vector<RoomRecord>> list_rooms(std::size_t limit) override;
  Result<std::optional<ReadMarker>> mark_read(const std::string& reader, const core::RoomName& room,
                                              std::optional<std::uint64_t> seq) override;
  Result<std::vector<RoomReading>> list_reading(const core::Identity& reader,
                                                std::size_t limit) override;

  // IdentityStore
  Result<bool> create_account(const core::UserName& user, const std::string& password_hash,
                              std::int64_t now_ms) override;
  Result<std::optional<Account>> find_account(const core::UserName& user) override;
  Result<bool> is_name_taken(const core::UserName& user, std::int64_t now_ms) override;
  Result<bool> create_session(const SessionRecord& session, std::int64_t now_ms) override;
  Result<std::optional<SessionRecord>> find_session(const std::string& id_digest,
                                                    std::int64_t now_ms) override;
  Result<void> extend_session(const std::string& id_digest, std::int64_t expires_ms) override;
  Result<std::size_t> extend_live_sessions(const std::vector<std::string>& id_digests,
                                           std::int64_t expires_ms, std::int64_t now_ms) override;
  Result<void> delete_session(const std::string& id_digest) override;
  Result<std::size_t> delete_expired_sessions(std::int64_t now_ms) override;
  Result<void> create_token(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> find_token(const std::string& digest) override;
  Result<std::vector<TokenRecord>> list_tokens(const core::UserName& user) override;
  Result<std::size_t> count_live_tokens(const core::UserName& user) override;
  Result<bool> revoke_token(const core::UserName& user, const std::string& id) override;

  Result<bool> set_password(const core::UserName& user, const std::string& password_hash) override;
  Result<bool> set_server_role(const core::UserName& user, ServerRole role) override;
  Result<bool> delete_account(const core::UserName& user, std::int64_t now_ms) override;
  Result<std::vector<RoomSummary>> list_all_rooms() override;
  Result<bool> delete_room(const core::RoomName& room) override;
  // HistoryArchive (sqlite_store_archive.cpp)
  Result<std::vector<ArchivedRoom>> list_archived_rooms(const std::string& after_key,
                                                        std::size_t limit) override;
  Result<bool> import_room(const ArchivedRoom& room) override;
  Result<void> import_events(const core::RoomName& room,
                             std::span<const StoredMessage> events) override;
  Result<RetentionBatch> trim_history(const RetentionPolicy& policy, const RetentionCursor& from,
                                      std::int64_t now_ms) override;
  Result<std::uint64_t> trimmed_seq(const core::RoomName& room) override;

  // Store
  Result<void> check() override;
  bool last_failure_is_transient() const override { return last_failure_transient_; }

  std::size_t cached_room_count() const { return rooms_.size(); }

 private:
  class Statement;
  // A room's kind and owner never change once it exists, so they are cached
  // with it; who has access to a restricted room is read each time.
  struct CachedRoom {
    std::int64_t id;
    std::string name;
    std::uint64_t last_seq;
    core::RoomKind kind = core::RoomKind::public_room;
    std::string owner_key = {};   // empty: no owner
    std::string owner_name = {};  // as registered
  };

  static RoomRecord record_of(const CachedRoom& room);
  Statement& statement(const char* sql);
  // Creates a public room when absent (the caller guards reserved names).
  Result<CachedRoom*> find_or_create_room(const core::RoomName& room, std::int64_t now_ms,
                                          std::int64_t active_ms);
  Result<CachedRoom*> find_room(const core::RoomName& room);
  // Inserts a room of `kind` (nothing else may hold its name) with access
  // rows for `holders` (user key, name) in that order, and caches it.
  Result<CachedRoom*> insert_room(const core::RoomName& room, core::RoomKind kind,
                                  const core::UserName* owner,
                                  std::span<const std::pair<std::string, std::string>> holders,
                                  std::int64_t now_ms);
  // Whether the account with `access_key` may enter the restricted room
  // `room_id` (false for an empty key: a guest).
  Result<bool> has_access(std::int64_t room_id, std::string_view access_key);
  // The name of the account with this user's key, when it has one.
  Result<std::optional<std::string>> account_name(const core::UserName& user);
  // The facts of the access rules for `actor` in `room` (nullptr: absent).
  Result<core::RoomAccessFacts> access_facts(const CachedRoom* room, const core::Identity& actor);
  // Runs `body` in one write transaction: commits what it did when it
  // answers a value, rolls back (and forgets the cached rooms) otherwise.
  template <class T, class Body>
  Result<T> in_transaction(Body&& body);
  Result<void> execute(const char* sql);
  // The event of `seq` in the room, as the rules of events need it.
  Result<std::optional<TargetMessage>> find_target(std::int64_t room_id, std::uint64_t seq);
  Result<ReactionState> find_reaction(std::int64_t room_id, const AppendRequest& request);
  // Applies a stored edit, delete or reaction (as `seq`) to its message.
  Result<void> apply_event(std::int64_t room_id, std::uint64_t seq, std::int64_t now_ms,
                           const AppendRequest& request);
  // Fills in the reactions of messages read in the final view.
  Result<void> add_reactions(std::int64_t room_id, std::vector<StoredMessage>& messages);
  // One statement, prepared once (BEGIN, COMMIT: once per transaction).
  Result<void> run(const char* sql);
  std::int64_t next_activity(std::int64_t now_ms);
  // One write transaction of the archive's (sqlite_store_archive.cpp):
  // commits when `body` answers no error, rolls back (and forgets the
  // cached rooms) otherwise.
  Result<void> in_archive_transaction(const std::function<Result<void>()>& body);
  // Between transactions: keeps the room cache within its bound, and
  // forgets it when another connection wrote.
  void trim_room_cache();
  // Empties the room cache when another connection (parley admin) committed
  // since the last call: run after each BEGIN IMMEDIATE too, when nothing
  // can commit any more until this transaction ends.
  void forget_rooms_if_changed();
  // The role of the account behind `author` (member for a guest, or when it
  // has no account).
  Result<ServerRole> server_role_of(const core::Identity& author);
  // Inside a transaction: deletes the room with this id and all of it.
  Result<void> delete_room_rows(std::int64_t room_id);

  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
  std::unordered_map<std::string, CachedRoom> rooms_;  // by room key; dropped on rollback
  std::size_t max_cached_rooms_;
  bool last_failure_transient_ = false;
  std::int64_t latest_activity_ = 0;  // the highest activity stamp given to a room
  std::int64_t data_version_ = -1;    // PRAGMA data_version when last looked at
};

// The category of SQLite's result codes, so failures travel as error_codes.
const boost::system::error_category& sqlite_category();

}  // namespace parley::store
