// A Store in memory, with the same semantics as the SQL stores; for tests and
// for runs that need no history. One thread at a time, like every Store.
#pragma once

#include <map>
#include <tuple>
#include <unordered_map>

#include "store/event_rules.hpp"
#include "store/store.hpp"

namespace parley::store {

class MemoryStore : public Store {
 public:
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
  // HistoryArchive (memory_store_archive.cpp)
  Result<std::vector<ArchivedRoom>> list_archived_rooms(const std::string& after_key,
                                                        std::size_t limit) override;
  Result<bool> import_room(const ArchivedRoom& room) override;
  Result<void> import_events(const core::RoomName& room,
                             std::span<const StoredMessage> events) override;
  Result<RetentionBatch> trim_history(const RetentionPolicy& policy, const RetentionCursor& from,
                                      std::int64_t now_ms) override;
  Result<std::uint64_t> trimmed_seq(const core::RoomName& room) override;

  // Store
  Result<void> check() override { return {}; }

 private:
  struct RoomData {
    RoomRecord record;
    std::int64_t last_active = 0;
    std::vector<StoredMessage> messages;  // messages[i].seq == trimmed + i + 1
    std::uint64_t trimmed = 0;            // events up to this seq were removed by retention
    std::int64_t created_ms = 0;          // import and export only
    // By (author identity id, client id): a name that changes hands does not.
    std::map<std::pair<std::string, std::string>, std::uint64_t> seq_by_author_and_id;
    struct Reacted {
      ReactionState state;
      std::string user;
    };
    // By (message seq, author identity id, emoji).
    std::map<std::tuple<std::uint64_t, std::string, std::string>, Reacted> reactions;
    std::unordered_map<std::string, std::uint64_t> read_seq_by_reader;
    std::string owner_key;
    // Restricted rooms: the accounts with access, (user key, name) in the
    // order they got it.
    std::vector<std::pair<std::string, std::string>> access;
    bool may_enter(const std::string& access_key) const;
    // The event of `seq`, when it is stored (nullptr: never, or removed).
    StoredMessage* event_at(std::uint64_t seq);
  };
  // The room of this key, if it exists and `viewer` may see it.
  RoomData* visible_room(const std::string& room_key, const core::Identity& viewer);
  RoomData* visible_room(const std::string& room_key, const std::string& identity_id);
  // What the access rules need to know of a room (null: none) and an actor.
  static core::RoomAccessFacts facts_of(const RoomData* data, const core::Identity& actor);
  RoomData& room_data(const core::RoomName& room);
  // Applies a stored edit, delete or reaction to the message it names.
  static void apply(RoomData& data, const StoredMessage& event);
  static std::vector<Reaction> reactions_of(const RoomData& data, std::uint64_t seq);
  ServerRole server_role_of(const core::Identity& author) const;
  // Ends the account's sessions and its tokens.
  void end_sessions_and_tokens(const core::UserName& user);

  std::unordered_map<std::string, RoomData> rooms_;          // by room key
  std::int64_t latest_activity_ = 0;                         // strictly increasing activity stamps
  std::unordered_map<std::string, Account> accounts_;        // by user key
  std::unordered_map<std::string, SessionRecord> sessions_;  // by id digest
  std::unordered_map<std::string, TokenRecord> tokens_;      // by digest, unrevoked only
};

}  // namespace parley::store
