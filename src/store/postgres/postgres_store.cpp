#include "store/postgres/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "store/postgres/pg_array.hpp"
#include "store/postgres/postgres_schema.hpp"

namespace parley::store {
namespace {

constexpr PgStatement kCreateRoom{
    "create_room",
    "INSERT INTO rooms (key, name, created_ms, last_active_ms) "
    "VALUES ($1::text, $2::text, $3::bigint, 0) ON CONFLICT (key) DO NOTHING"};
constexpr PgStatement kFindRoom{"find_room",
                                "SELECT name, last_seq FROM rooms WHERE key = $1::text"};
// Sorted by key, so that two nodes locking the same rooms lock them in the
// same order and never deadlock.
constexpr PgStatement kCreateRooms{
    "create_rooms",
    "INSERT INTO rooms (key, name, created_ms, last_active_ms) "
    "SELECT k, n, $3::bigint, 0 FROM unnest($1::text[], $2::text[]) AS r(k, n) ORDER BY k "
    "ON CONFLICT (key) DO NOTHING"};
constexpr PgStatement kLockRooms{
    "lock_rooms",
    "SELECT id, key, name, last_seq FROM rooms WHERE key = ANY($1::text[]) ORDER BY key "
    "FOR UPDATE"};
// Run after the rooms are locked: READ COMMITTED takes a new snapshot per
// statement, so this sees every message another node committed before.
constexpr PgStatement kFindStored{
    "find_stored",
    "SELECT i.n, m.seq, m.ts FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) "
    "AS i(n, room_id, author_id, client_id) JOIN messages m ON m.room_id = i.room_id "
    "AND m.author_id = i.author_id AND m.client_id = i.client_id"};
constexpr PgStatement kInsertMessages{
    "insert_messages",
    "INSERT INTO messages (room_id, seq, ts, user_key, user_name, text, client_id, author_id, "
    "guest) SELECT r, s, $3::bigint, uk, un, t, c, a, g FROM unnest($1::bigint[], "
    "$2::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[]) "
    "AS m(r, s, uk, un, t, c, a, g)"};
constexpr PgStatement kAdvanceRooms{
    "advance_rooms",
    "UPDATE rooms SET last_seq = u.last_seq, "
    "last_active_ms = GREATEST(rooms.last_active_ms, u.active) "
    "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, last_seq, active) "
    "WHERE rooms.id = u.id"};
constexpr PgStatement kReadNewest{
    "read_newest",
    "SELECT seq, ts, user_name, text, client_id, author_id, guest FROM messages "
    "WHERE room_id = (SELECT id FROM rooms WHERE key = $1::text) AND seq > $2::bigint "
    "AND seq <= $3::bigint ORDER BY seq DESC LIMIT $4::bigint"};
constexpr PgStatement kReadOldest{
    "read_oldest",
    "SELECT seq, ts, user_name, text, client_id, author_id, guest FROM messages "
    "WHERE room_id = (SELECT id FROM rooms WHERE key = $1::text) AND seq > $2::bigint "
    "AND seq <= $3::bigint ORDER BY seq ASC LIMIT $4::bigint"};
constexpr PgStatement kListRooms{
    "list_rooms",
    "SELECT name, last_seq FROM rooms ORDER BY last_active_ms DESC, id DESC LIMIT $1::bigint"};
constexpr PgStatement kLatestActivity{"latest_activity",
                                      "SELECT COALESCE(MAX(last_active_ms), 0) FROM rooms"};
constexpr PgStatement kCheck{"check", "SELECT 1"};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A conflict with a transaction of another node: this one rolled back whole.
bool is_conflict(const std::string& sqlstate) {
  return sqlstate == "23505" || sqlstate == "40001" || sqlstate == "40P01";
}

struct LockedRoom {
  std::int64_t id = 0;
  std::string name;
  std::uint64_t last_seq = 0;
  std::int64_t activity = 0;  // this batch's stamp, if it stores a message
};

}  // namespace

PostgresStore::PostgresStore(PostgresOptions options)
    : connection_(std::move(options.connection)),
      append_attempts_(std::max(1, options.append_attempts)),
      max_known_rooms_(options.known_rooms) {
  if (auto connected = connection_.connect(); !connected) {
    throw std::runtime_error("cannot connect to PostgreSQL (see the line above)");
  }
  migrate_postgres(connection_);
  auto latest = connection_.execute(kLatestActivity, {});
  if (!latest) throw std::runtime_error("cannot read the rooms: " + latest.error().message());
  latest_activity_ = latest->integer(0, 0);
}

PostgresStore::~PostgresStore() = default;

std::int64_t PostgresStore::next_activity(std::int64_t now) {
  // Strictly increasing here, so rooms active in the same millisecond still
  // sort in the order of their last message.
  latest_activity_ = std::max(latest_activity_ + 1, now);
  return latest_activity_;
}

boost::system::error_code PostgresStore::failed(boost::system::error_code error) {
  last_failure_transient_ = !connection_.last_sqlstate().starts_with("XX");
  return error;
}

Result<RoomRecord> PostgresStore::open_room(const core::RoomName& room) {
  // Two statements: after an insert that lost a race, the second one's new
  // snapshot sees the row the winner committed.
  if (!known_rooms_.contains(room.key())) {
    const std::string created = std::to_string(now_ms());
    auto inserted = connection_.execute(kCreateRoom, {room.key(), room.text(), created});
    if (!inserted) return failed(inserted.error());
  }
  auto found = connection_.execute(kFindRoom, {room.key()});
  if (!found) return failed(found.error());
  if (found->rows() != 1) return failed(make_error(PgError::statement_failed));
  if (known_rooms_.size() >= max_known_rooms_) known_rooms_.clear();
  known_rooms_.insert(room.key());
  return RoomRecord{std::string(found->text(0, 0)),
                    static_cast<std::uint64_t>(found->integer(0, 1))};
}

Result<std::vector<Appended>> PostgresStore::append_batch(std::span<const AppendRequest> requests,
                                                          std::int64_t now) {
  if (requests.empty()) return std::vector<Appended>{};
  for (int attempt = 1;; ++attempt) {
    auto appended = append_once(requests, now);
    if (appended) return appended;
    connection_.rollback();
    // Another node stored one of these ids meanwhile (or the two deadlocked):
    // nothing of this batch was written, and the next attempt reads theirs.
    if (attempt >= append_attempts_ || !is_conflict(connection_.last_sqlstate())) {
      return failed(appended.error());
    }
  }
}

Result<void> PostgresStore::create_rooms(std::span<const AppendRequest> requests,
                                         std::int64_t now) {
  PgArray keys;
  PgArray names;
  std::unordered_set<std::string_view> added;
  for (const AppendRequest& request : requests) {
    if (known_rooms_.contains(request.room.key()) || !added.insert(request.room.key()).second) {
      continue;
    }
    keys.add(request.room.key());
    names.add(request.room.text());
  }
  if (keys.is_empty()) return {};
  const std::string created = std::to_string(now);
  auto inserted = connection_.execute(kCreateRooms, {keys.literal(), names.literal(), created});
  if (!inserted) return inserted.error();
  return {};
}

Result<std::vector<Appended>> PostgresStore::append_once(std::span<const AppendRequest> requests,
                                                         std::int64_t now) {
  if (auto begun = connection_.begin(); !begun) return begun.error();
  if (auto created = create_rooms(requests, now); !created) return created.error();

  // Lock every room of the batch: writers of one room, on any node, queue here.
  std::map<std::string_view, LockedRoom> rooms;
  for (const AppendRequest& request : requests) rooms[request.room.key()];
  PgArray room_keys;
  for (const auto& [key, room] : rooms) room_keys.add(key);
  auto locked = connection_.execute(kLockRooms, {room_keys.literal()});
  if (!locked) return locked.error();
  if (static_cast<std::size_t>(locked->rows()) != rooms.size()) {
    return make_error(PgError::statement_failed);
  }
  for (int row = 0; row < locked->rows(); ++row) {
    LockedRoom& room = rooms.at(locked->text(row, 1));
    room = {locked->integer(row, 0), std::string(locked->text(row, 2)),
            static_cast<std::uint64_t>(locked->integer(row, 3)), 0};
  }

  // Ids stored before: their original seq and ts.
  PgArray indexes, room_ids, author_ids, client_ids;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    indexes.add(static_cast<std::int64_t>(i));
    room_ids.add(rooms.at(requests[i].room.key()).id);
    author_ids.add(requests[i].author.id);
    client_ids.add(requests[i].client_id);
  }
  auto stored = connection_.execute(kFindStored, {indexes.literal(), room_ids.literal(),
                                                  author_ids.literal(), client_ids.literal()});
  if (!stored) return stored.error();
  std::vector<Appended> results(requests.size());
  std::vector<bool> is_stored(requests.size(), false);
  for (int row = 0; row < stored->rows(); ++row) {
    const auto i = static_cast<std::size_t>(stored->integer(row, 0));
    const LockedRoom& room = rooms.at(requests[i].room.key());
    results[i] = {room.name, static_cast<std::uint64_t>(stored->integer(row, 1)),
                  stored->integer(row, 2), true};
    is_stored[i] = true;
  }

  // The rest in order: a repeat within the batch answers the first's seq.
  std::map<std::tuple<std::int64_t, std::string_view, std::string_view>, std::size_t> first;
  PgArray seq_rooms, seqs, user_keys, user_names, texts, clients, authors, guests;
  bool inserts = false;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (is_stored[i]) continue;
    const AppendRequest& request = requests[i];
    LockedRoom& room = rooms.at(request.room.key());
    const auto [earlier, is_new] =
        first.try_emplace({room.id, request.author.id, request.client_id}, i);
    if (!is_new) {
      results[i] = results[earlier->second];
      results[i].duplicate = true;
      continue;
    }
    room.last_seq += 1;
    room.activity = next_activity(now);
    results[i] = {room.name, room.last_seq, now, false};
    seq_rooms.add(room.id);
    seqs.add(room.last_seq);
    user_keys.add(request.author.user.key());
    user_names.add(request.author.user.text());
    texts.add(request.text);
    clients.add(request.client_id);
    authors.add(request.author.id);
    guests.add_boolean(request.author.is_guest());
    inserts = true;
  }
  if (inserts) {
    const std::string ts = std::to_string(now);
    auto inserted = connection_.execute(
        kInsertMessages,
        {seq_rooms.literal(), seqs.literal(), ts, user_keys.literal(), user_names.literal(),
         texts.literal(), clients.literal(), authors.literal(), guests.literal()});
    if (!inserted) return inserted.error();
    PgArray advanced_ids, last_seqs, activities;
    for (const auto& [key, room] : rooms) {
      if (room.activity == 0) continue;
      advanced_ids.add(room.id);
      last_seqs.add(room.last_seq);
      activities.add(room.activity);
    }
    auto advanced = connection_.execute(
        kAdvanceRooms, {advanced_ids.literal(), last_seqs.literal(), activities.literal()});
    if (!advanced) return advanced.error();
  }
  if (auto committed = connection_.commit(); !committed) return committed.error();
  if (known_rooms_.size() + rooms.size() > max_known_rooms_) known_rooms_.clear();
  for (const auto& [key, room] : rooms) known_rooms_.emplace(key);
  return results;
}

Result<std::vector<StoredMessage>> PostgresStore::read_messages(const RangeQuery& range) {
  std::vector<StoredMessage> messages;
  if (range.up_to <= range.after || range.limit == 0) return messages;
  const bool newest = range.keep == Keep::newest;
  const std::string after = std::to_string(range.after);
  const std::string up_to = std::to_string(std::min<std::uint64_t>(range.up_to, INT64_MAX));
  const std::string limit = std::to_string(std::min<std::size_t>(range.limit, INT64_MAX));
  auto rows = connection_.execute(newest ? kReadNewest : kReadOldest,
                                  {range.room.key(), after, up_to, limit});
  if (!rows) return failed(rows.error());
  std::size_t bytes = 0;
  for (int row = 0; row < rows->rows(); ++row) {
    StoredMessage message{static_cast<std::uint64_t>(rows->integer(row, 0)),
                          rows->integer(row, 1),
                          std::string(rows->text(row, 2)),
                          std::string(rows->text(row, 3)),
                          std::string(rows->text(row, 4)),
                          std::string(rows->text(row, 5)),
                          rows->boolean(row, 6)};
    bytes += message_bytes(message);
    if (!messages.empty() && bytes > range.max_bytes) break;
    messages.push_back(std::move(message));
  }
  if (newest) std::reverse(messages.begin(), messages.end());
  return messages;
}

Result<std::vector<RoomRecord>> PostgresStore::list_rooms(std::size_t limit) {
  const std::string count = std::to_string(std::min<std::size_t>(limit, INT64_MAX));
  auto rows = connection_.execute(kListRooms, {count});
  if (!rows) return failed(rows.error());
  std::vector<RoomRecord> rooms;
  for (int row = 0; row < rows->rows(); ++row) {
    rooms.push_back(
        {std::string(rows->text(row, 0)), static_cast<std::uint64_t>(rows->integer(row, 1))});
  }
  return rooms;
}

Result<void> PostgresStore::check() {
  auto answered = connection_.execute(kCheck, {});
  if (!answered) return failed(answered.error());
  return {};
}

}  // namespace parley::store
