// The PostgreSQL Store: one libpq connection, owned by the store worker's
// thread (its blocking calls never run on the event loop). Several nodes may
// share the database: per-room seqs stay gap-free because appends take the
// room's row lock, and an append is acked only after its COMMIT. When the
// server goes away every call answers an error and a later call reconnects.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_set>

#include "store/event_rules.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace parley::store {

struct PostgresOptions {
  PgOptions connection;
  // Attempts of one batch that meets a conflict with another node (the same
  // idempotency key stored meanwhile, a deadlock): each rolls back entirely,
  // and the next finds what the other node committed.
  int append_attempts = 3;
  // Room keys known to exist, so their INSERT is skipped; past it the set
  // starts again empty.
  std::size_t known_rooms = 10000;
};

class PostgresStore : public Store {
 public:
  // Connects and migrates the schema; throws std::runtime_error when it
  // cannot, which is a start-up failure.
  explicit PostgresStore(PostgresOptions options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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
  // HistoryArchive (postgres_store_archive.cpp)
  Result<std::vector<ArchivedRoom>> list_archived_rooms(const std::string& after_key,
                                                        std::size_t limit) override;
  Result<bool> import_room(const ArchivedRoom& room) override;
  Result<void> import_events(const core::RoomName& room,
                             std::span<const StoredMessage> events) override;
  Result<RetentionBatch> trim_history(const RetentionPolicy& policy, const RetentionCursor& from,
                                      std::int64_t now_ms) override;
  Result<std::uint64_t> trimmed_seq(const core::RoomName& room) override;
  Result<void> check() override;
  // True unless the server reported itself broken (SQLSTATE class XX): every
  // other failure left the database as it was or, for a commit cut off, in a
  // state a retry reads back (appends are idempotent by client id).
  bool last_failure_is_transient() const override { return last_failure_transient_; }

 private:
  Result<std::vector<Appended>> append_once(std::span<const AppendRequest> requests,
                                            std::int64_t now_ms);
  // Inserts the rooms not known to exist that messages create (none exist
  // twice: ON CONFLICT; none of a reserved name).
  Result<void> create_rooms(std::span<const AppendRequest> requests, std::int64_t now_ms);
  // The rules of events (event_rules.hpp) against what is committed, in a
  // room owned by `owner_key` (empty: none): the refusal, or nullopt; with
  // *unchanged set when a reaction is as asked.
  Result<std::optional<core::Error>> check_event(std::int64_t room_id, std::string_view owner_key,
                                                 const AppendRequest& request,
                                                 std::optional<ReactionState>& unchanged);
  // Inside a transaction: locks the row of `room` (so that a change of
  // access and the appends to the room take turns), and answers its id (0:
  // no such room), name and the facts of the access rules for `actor`.
  struct AccessTarget {
    std::int64_t id = 0;
    std::string name;
    core::RoomAccessFacts facts;
  };
  Result<AccessTarget> lock_for_access(const core::RoomName& room, const core::Identity& actor);
  // Runs `body` in one transaction: commits when it answers a value, rolls
  // back otherwise.
  template <class T, class Body>
  Result<T> in_transaction(Body&& body);
  // Stores one event (or a reply) as `seq` and applies it to its message.
  Result<void> insert_event(std::int64_t room_id, std::uint64_t seq, std::int64_t now,
                            const AppendRequest& request);
  // The name check and the insert of an account or guest session, in one
  // transaction under a lock on the name, so that two nodes cannot both take it.
  Result<bool> insert_claiming_name(const core::UserName& user, const PgStatement& insert,
                                    std::initializer_list<std::string_view> parameters);
  std::int64_t next_activity(std::int64_t now_ms);
  // Forgets the rooms of `requests` that are known to exist but were not
  // locked (`locked`: kLockRooms' rows): deleted by the operator. True when
  // it forgot any.
  bool forget_vanished_rooms(std::span<const AppendRequest> requests, const PgResult& locked);
  // The role of the account behind `author` (member for a guest, or when it
  // has no account).
  Result<ServerRole> server_role_of(const core::Identity& author);
  // Inside a transaction: deletes the room with this id and all of it.
  Result<void> delete_room_rows(const std::string& room_id);
  // One transaction of the archive's (postgres_store_archive.cpp): commits
  // when `body` answers no error, rolls back otherwise.
  Result<void> in_archive_transaction(const std::function<Result<void>()>& body);
  // Notes how a failure may be retried; answers `error`.
  boost::system::error_code failed(boost::system::error_code error);

  PgConnection connection_;
  int append_attempts_;
  std::size_t max_known_rooms_;
  std::unordered_set<std::string> known_rooms_;  // room keys committed to exist
  std::int64_t latest_activity_ = 0;             // the highest activity stamp given here
  bool last_failure_transient_ = false;
};

template <class T, class Body>
Result<T> PostgresStore::in_transaction(Body&& body) {
  if (auto begun = connection_.begin(); !begun) {
    connection_.rollback();
    return Result<T>(boost::system::in_place_error, failed(begun.error()));
  }
  Result<T> done = body();
  if (!done) {
    connection_.rollback();
    return Result<T>(boost::system::in_place_error, failed(done.error()));
  }
  if (auto committed = connection_.commit(); !committed) {
    connection_.rollback();
    return Result<T>(boost::system::in_place_error, failed(committed.error()));
  }
  return done;
}

}  // namespace parley::store
