#include "store/postgres/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "core/mentions.hpp"
#include "store/postgres/pg_array.hpp"
#include "store/postgres/postgres_schema.hpp"

namespace parley::store {
namespace {

constexpr PgStatement kCreateRoom{
    "create_room",
    "INSERT INTO rooms (key, name, created_ms, last_active_ms) "
    "VALUES ($1::text, $2::text, $3::bigint, 0) ON CONFLICT (key) DO NOTHING"};
constexpr PgStatement kFindRoom{
    "find_room", "SELECT name, last_seq, kind, owner_name FROM rooms WHERE key = $1::text"};
// The room and whether the account with the access key $2 may enter it.
constexpr PgStatement kEnterRoom{
    "enter_room",
    "SELECT name, last_seq, kind, owner_name, kind = 0 OR EXISTS (SELECT 1 FROM room_access a "
    "WHERE a.room_id = rooms.id AND a.user_key = $2::text) FROM rooms WHERE key = $1::text"};
// A room of a kind and owner (none: ''), never written in yet; no row when
// the name is taken (also by a node that inserted it meanwhile).
constexpr PgStatement kInsertRoom{
    "insert_room",
    "INSERT INTO rooms (key, name, created_ms, last_active_ms, kind, owner_key, owner_name) "
    "VALUES ($1::text, $2::text, $3::bigint, 0, $4::smallint, NULLIF($5::text, ''), "
    "NULLIF($6::text, '')) ON CONFLICT (key) DO NOTHING RETURNING id"};
// The first holders of access to a new room, in order.
constexpr PgStatement kInsertHolders{
    "insert_holders",
    "INSERT INTO room_access (room_id, user_key, user_name, grant_order, granted_ms) "
    "SELECT $1::bigint, k, n, o, $4::bigint "
    "FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS h(k, n, o) "
    "ON CONFLICT (room_id, user_key) DO NOTHING"};
constexpr PgStatement kLockRoom{
    "lock_room",
    "SELECT id, name, kind, COALESCE(owner_key, '') FROM rooms WHERE key = $1::text FOR UPDATE"};
constexpr PgStatement kHasAccess{
    "has_access",
    "SELECT EXISTS (SELECT 1 FROM room_access WHERE room_id = $1::bigint AND user_key = $2::text)"};
constexpr PgStatement kAccountName{"account_name",
                                   "SELECT name FROM accounts WHERE key = $1::text"};
// Last in the room's order (the room's row is locked); nothing when it
// already has access.
constexpr PgStatement kGrantAccess{
    "grant_access",
    "INSERT INTO room_access (room_id, user_key, user_name, grant_order, granted_ms) "
    "SELECT $1::bigint, $2::text, $3::text, COALESCE(MAX(grant_order), 0) + 1, $4::bigint "
    "FROM room_access WHERE room_id = $1::bigint ON CONFLICT (room_id, user_key) DO NOTHING"};
constexpr PgStatement kRevokeAccess{
    "revoke_access", "DELETE FROM room_access WHERE room_id = $1::bigint AND user_key = $2::text"};
constexpr PgStatement kListAccess{
    "list_access",
    "SELECT a.user_name FROM room_access a JOIN rooms r ON r.id = a.room_id "
    "WHERE r.key = $1::text ORDER BY a.grant_order"};
// The requests (by index) whose author may enter their restricted room; run
// after the rooms are locked, so a removal committed before is seen.
constexpr PgStatement kAllowedAuthors{
    "allowed_authors",
    "SELECT i.n FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS i(n, room_id, user_key) "
    "WHERE EXISTS (SELECT 1 FROM room_access a WHERE a.room_id = i.room_id "
    "AND a.user_key = i.user_key)"};
// Sorted by key, so that two nodes locking the same rooms lock them in the
// same order and never deadlock.
constexpr PgStatement kCreateRooms{
    "create_rooms",
    "INSERT INTO rooms (key, name, created_ms, last_active_ms) "
    "SELECT k, n, $3::bigint, 0 FROM unnest($1::text[], $2::text[]) AS r(k, n) ORDER BY k "
    "ON CONFLICT (key) DO NOTHING"};
constexpr PgStatement kLockRooms{
    "lock_rooms",
    "SELECT id, key, name, last_seq, kind, COALESCE(owner_key, '') FROM rooms "
    "WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE"};
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
constexpr PgStatement kFindTarget{"find_target",
                                  "SELECT kind, author_id, deleted FROM messages WHERE room_id = "
                                  "$1::bigint AND seq = $2::bigint"};
constexpr PgStatement kFindReaction{
    "find_reaction",
    "SELECT is_on, set_by FROM reactions WHERE room_id = $1::bigint AND target = $2::bigint "
    "AND author_id = $3::text AND emoji = $4::text"};
constexpr PgStatement kInsertEvent{
    "insert_event",
    "INSERT INTO messages (room_id, seq, ts, user_key, user_name, text, client_id, author_id, "
    "guest, kind, target, reply_to, emoji, reaction_on) VALUES ($1::bigint, $2::bigint, "
    "$3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text, $9::boolean, $10::smallint, "
    "$11::bigint, $12::bigint, $13::text, $14::boolean)"};
constexpr PgStatement kEditMessage{"edit_message",
                                   "UPDATE messages SET text = $3::text, edited_ts = $4::bigint "
                                   "WHERE room_id = $1::bigint AND seq = $2::bigint"};
// The text goes for good: from the message and from every edit of it.
constexpr PgStatement kDeleteMessage{
    "delete_message",
    "UPDATE messages SET text = '', deleted = true WHERE room_id = $1::bigint "
    "AND (seq = $2::bigint OR (target = $2::bigint AND kind = 1))"};
constexpr PgStatement kDeleteReactions{
    "delete_reactions", "DELETE FROM reactions WHERE room_id = $1::bigint AND target = $2::bigint"};
constexpr PgStatement kSetReaction{
    "set_reaction",
    "INSERT INTO reactions (room_id, target, author_id, emoji, user_name, is_on, set_by) "
    "VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::boolean, $7::bigint) "
    "ON CONFLICT (room_id, target, author_id, emoji) DO UPDATE SET "
    "user_name = excluded.user_name, is_on = excluded.is_on, set_by = excluded.set_by"};
constexpr PgStatement kAdvanceRooms{
    "advance_rooms",
    "UPDATE rooms SET last_seq = u.last_seq, "
    "last_active_ms = GREATEST(rooms.last_active_ms, u.active) "
    "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, last_seq, active) "
    "WHERE rooms.id = u.id"};
#define PARLEY_READ_EVENTS                                                                 \
  "SELECT seq, ts, user_name, text, client_id, author_id, guest, kind, target, reply_to, " \
  "emoji, reaction_on, edited_ts, deleted FROM messages "                                  \
  "WHERE room_id = (SELECT id FROM rooms WHERE key = $1::text) AND seq > $2::bigint "      \
  "AND seq <= $3::bigint "
constexpr PgStatement kReadNewest{"read_newest",
                                  PARLEY_READ_EVENTS "ORDER BY seq DESC LIMIT $4::bigint"};
constexpr PgStatement kReadOldest{"read_oldest",
                                  PARLEY_READ_EVENTS "ORDER BY seq ASC LIMIT $4::bigint"};
constexpr PgStatement kReadNewestMessages{
    "read_newest_messages", PARLEY_READ_EVENTS "AND kind = 0 ORDER BY seq DESC LIMIT $4::bigint"};
constexpr PgStatement kReadOldestMessages{
    "read_oldest_messages", PARLEY_READ_EVENTS "AND kind = 0 ORDER BY seq ASC LIMIT $4::bigint"};
#undef PARLEY_READ_EVENTS
constexpr PgStatement kReadReactions{
    "read_reactions",
    "SELECT target, emoji, user_name FROM reactions "
    "WHERE room_id = (SELECT id FROM rooms WHERE key = $1::text) AND target >= $2::bigint "
    "AND target <= $3::bigint AND is_on ORDER BY set_by"};
constexpr PgStatement kListRooms{"list_rooms",
                                 "SELECT name, last_seq, last_active_ms FROM rooms WHERE kind = 0 "
                                 "ORDER BY last_active_ms DESC, id DESC LIMIT $1::bigint"};
constexpr PgStatement kLatestActivity{"latest_activity",
                                      "SELECT COALESCE(MAX(last_active_ms), 0) FROM rooms"};
// A new marker starts at the seq given or, when the reader only came in, at
// the room's end; an existing one only moves forward. The room's last seq,
// read in the statement, caps it. No row when the room does not exist or is
// restricted and the reader (access key $4, $3) has no access to it.
constexpr PgStatement kMarkRead{
    "mark_read",
    "INSERT INTO read_markers (reader, room_id, read_seq) "
    "SELECT $1, id, LEAST($3::bigint, last_seq) FROM rooms WHERE key = $2 AND (kind = 0 OR "
    "EXISTS (SELECT 1 FROM room_access a WHERE a.room_id = rooms.id AND a.user_key = $4::text)) "
    "ON CONFLICT (reader, room_id) DO UPDATE SET "
    "read_seq = GREATEST(read_markers.read_seq, excluded.read_seq) "
    "RETURNING read_seq, (SELECT name FROM rooms WHERE id = read_markers.room_id)"};
constexpr PgStatement kNoteReader{
    "note_reader",
    "INSERT INTO read_markers (reader, room_id, read_seq) "
    "SELECT $1, id, last_seq FROM rooms WHERE key = $2 AND (kind = 0 OR "
    "EXISTS (SELECT 1 FROM room_access a WHERE a.room_id = rooms.id AND a.user_key = $3::text)) "
    "ON CONFLICT (reader, room_id) DO UPDATE SET read_seq = read_markers.read_seq "
    "RETURNING read_seq, (SELECT name FROM rooms WHERE id = read_markers.room_id)"};
// The reader's rooms: those it has a marker in (through the markers' key)
// and those it has access to (through room_access_by_user); of them, the
// public rooms with a marker and the restricted ones with access (a
// restricted room counts from its start without a marker). $1: the reader's
// identity id, $2: its access key ('' for a guest: nobody's).
constexpr PgStatement kListReading{
    "list_reading",
    "WITH mine (room_id) AS (SELECT room_id FROM read_markers WHERE reader = $1::text "
    "UNION SELECT room_id FROM room_access WHERE user_key = $2::text) "
    "SELECT r.id, r.name, r.last_seq, COALESCE(m.read_seq, 0), "
    "(SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id "
    "AND x.seq > COALESCE(m.read_seq, 0) AND x.kind = 0 AND NOT x.deleted "
    "AND x.author_id <> $1::text), r.kind, "
    "CASE WHEN r.kind = 2 THEN (SELECT w.user_name FROM room_access w WHERE w.room_id = r.id "
    "AND w.user_key <> $2::text ORDER BY w.grant_order DESC LIMIT 1) END "
    "FROM mine JOIN rooms r ON r.id = mine.room_id "
    "LEFT JOIN read_markers m ON m.reader = $1::text AND m.room_id = r.id "
    "WHERE (r.kind = 0 AND m.read_seq IS NOT NULL) OR (r.kind <> 0 AND EXISTS "
    "(SELECT 1 FROM room_access a WHERE a.room_id = r.id AND a.user_key = $2::text)) "
    "ORDER BY r.last_active_ms DESC, r.id DESC LIMIT $3::bigint"};
// The candidates for a mention (ILIKE); core::mentions decides on whole words.
constexpr PgStatement kMentionCandidates{
    "mention_candidates",
    "SELECT text FROM messages WHERE room_id = $1::bigint AND seq > $2::bigint AND kind = 0 "
    "AND NOT deleted AND author_id <> $3 AND text ILIKE $4"};
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
  core::RoomKind kind = core::RoomKind::public_room;
  std::string owner_key = {};  // empty: no owner
};

RoomRecord record_of(const PgResult& rows) {
  // Columns: name, last_seq, kind, owner_name (NULL: none).
  RoomRecord record{std::string(rows.text(0, 0)), static_cast<std::uint64_t>(rows.integer(0, 1))};
  record.kind = static_cast<core::RoomKind>(rows.integer(0, 2));
  if (!rows.is_null(0, 3)) record.owner = std::string(rows.text(0, 3));
  return record;
}

template <class T>
Result<T> error_of(boost::system::error_code error) {
  return Result<T>(boost::system::in_place_error, error);
}

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
  if (found->rows() != 1 && known_rooms_.erase(room.key()) > 0) {
    return open_room(room);  // deleted meanwhile (parley admin): made again
  }
  if (found->rows() != 1) return failed(make_error(PgError::statement_failed));
  if (known_rooms_.size() >= max_known_rooms_) known_rooms_.clear();
  known_rooms_.insert(room.key());
  return record_of(*found);
}

Result<std::optional<RoomRecord>> PostgresStore::enter_room(const core::RoomName& room,
                                                            const core::Identity& viewer,
                                                            bool create) {
  const bool creates = create && !core::is_reserved_room_name(room);
  if (creates && !known_rooms_.contains(room.key())) {
    const std::string created = std::to_string(now_ms());
    auto inserted = connection_.execute(kCreateRoom, {room.key(), room.text(), created});
    if (!inserted) return failed(inserted.error());
  }
  const std::string access_key = core::access_key_of(viewer);
  auto found = connection_.execute(kEnterRoom, {room.key(), access_key});
  if (!found) return failed(found.error());
  if (found->rows() == 0) {
    if (creates && known_rooms_.erase(room.key()) > 0) {
      return enter_room(room, viewer, create);  // deleted meanwhile (parley admin): made again
    }
    if (creates) return failed(make_error(PgError::statement_failed));
    return std::optional<RoomRecord>{};
  }
  if (known_rooms_.size() >= max_known_rooms_) known_rooms_.clear();
  known_rooms_.insert(room.key());
  if (!found->boolean(0, 4)) return std::optional<RoomRecord>{};
  return std::optional<RoomRecord>{record_of(*found)};
}

Result<bool> PostgresStore::create_room(const core::RoomName& room, core::RoomKind kind,
                                        const core::Identity& owner, std::int64_t now) {
  return in_transaction<bool>([&]() -> Result<bool> {
    const std::string created = std::to_string(now);
    const std::string kind_number = std::to_string(static_cast<int>(kind));
    const std::string owner_key = owner.user.key();
    // A guest's name may pass to someone else: its rooms have no owner.
    const std::string owner_name = owner.is_guest() ? "" : owner.user.text();
    auto inserted =
        connection_.execute(kInsertRoom, {room.key(), room.text(), created, kind_number,
                                          owner.is_guest() ? "" : owner_key, owner_name});
    if (!inserted) return error_of<bool>(inserted.error());
    if (inserted->rows() == 0) return false;  // the name is taken
    // A public room is open to everyone: nobody holds access to it.
    if (core::is_restricted(kind)) {
      PgArray keys, names;
      keys.add(owner_key);
      names.add(owner.user.text());
      const std::string id(inserted->text(0, 0));
      auto granted =
          connection_.execute(kInsertHolders, {id, keys.literal(), names.literal(), created});
      if (!granted) return error_of<bool>(granted.error());
    }
    return true;
  });
}

Result<std::optional<DirectRoom>> PostgresStore::open_direct(const core::Identity& caller,
                                                             const core::UserName& other,
                                                             std::int64_t now) {
  const core::RoomName name = core::direct_room_name(caller.user.key(), other.key());
  std::string with;
  bool made = false;
  auto opened = in_transaction<bool>([&]() -> Result<bool> {
    auto account = connection_.execute(kAccountName, {other.key()});
    if (!account) return error_of<bool>(account.error());
    if (account->rows() == 0) return false;
    with = std::string(account->text(0, 0));
    const std::string created = std::to_string(now);
    const std::string kind = std::to_string(static_cast<int>(core::RoomKind::direct));
    // Two nodes may open the same conversation at once: the one whose insert
    // comes second waits for the first's commit and inserts nothing.
    auto inserted =
        connection_.execute(kInsertRoom, {name.key(), name.text(), created, kind, "", ""});
    if (!inserted) return error_of<bool>(inserted.error());
    made = inserted->rows() == 1;
    if (made) {
      PgArray keys, names;
      keys.add(caller.user.key());
      names.add(caller.user.text());
      // With oneself: one account, so one holder of access.
      if (other.key() != caller.user.key()) {
        keys.add(other.key());
        names.add(with);
      }
      const std::string id(inserted->text(0, 0));
      auto granted =
          connection_.execute(kInsertHolders, {id, keys.literal(), names.literal(), created});
      if (!granted) return error_of<bool>(granted.error());
    }
    return true;
  });
  if (!opened) return opened.error();
  if (!*opened) return std::optional<DirectRoom>{};
  // A statement of its own: it sees the room whichever node committed it.
  auto found = connection_.execute(kFindRoom, {name.key()});
  if (!found) return failed(found.error());
  if (found->rows() != 1) return failed(make_error(PgError::statement_failed));
  return std::optional<DirectRoom>{DirectRoom{record_of(*found), std::move(with), made}};
}

Result<PostgresStore::AccessTarget> PostgresStore::lock_for_access(const core::RoomName& room,
                                                                   const core::Identity& actor) {
  AccessTarget target;
  // A room that does not exist is refused like one the actor cannot see.
  target.facts = {core::RoomKind::private_room, "", false};
  auto locked = connection_.execute(kLockRoom, {room.key()});
  if (!locked) return locked.error();
  if (locked->rows() == 0) return target;
  target.id = locked->integer(0, 0);
  target.name = std::string(locked->text(0, 1));
  target.facts = {static_cast<core::RoomKind>(locked->integer(0, 2)),
                  std::string(locked->text(0, 3)), true};
  const std::string access_key = core::access_key_of(actor);
  if (core::is_restricted(target.facts.kind)) {
    target.facts.actor_has_access = false;
    if (!access_key.empty()) {
      // After the lock, in a statement of its own: sees every change of
      // access committed before.
      const std::string id = std::to_string(target.id);
      auto allowed = connection_.execute(kHasAccess, {id, access_key});
      if (!allowed) return allowed.error();
      target.facts.actor_has_access = allowed->boolean(0, 0);
    }
  }
  return target;
}

Result<AccessChange> PostgresStore::grant_access(const core::RoomName& room,
                                                 const core::Identity& actor,
                                                 const core::UserName& user, std::int64_t now) {
  return in_transaction<AccessChange>([&]() -> Result<AccessChange> {
    AccessChange change;
    auto target = lock_for_access(room, actor);
    if (!target) return target.error();
    if ((change.refused = core::refusal_of_invite(target->facts, actor))) return change;
    change.room_name = target->name;
    auto account = connection_.execute(kAccountName, {user.key()});
    if (!account) return account.error();
    if (account->rows() == 0) {
      change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
      return change;
    }
    change.user_name = std::string(account->text(0, 0));
    const std::string id = std::to_string(target->id);
    const std::string granted = std::to_string(now);
    auto inserted = connection_.execute(kGrantAccess, {id, user.key(), change.user_name, granted});
    if (!inserted) return inserted.error();
    change.changed = inserted->affected() > 0;
    return change;
  });
}

Result<AccessChange> PostgresStore::revoke_access(const core::RoomName& room,
                                                  const core::Identity& actor,
                                                  const core::UserName& user) {
  return in_transaction<AccessChange>([&]() -> Result<AccessChange> {
    AccessChange change;
    auto target = lock_for_access(room, actor);
    if (!target) return target.error();
    if ((change.refused = core::refusal_of_removal(target->facts, actor, user.key()))) {
      return change;
    }
    change.room_name = target->name;
    auto account = connection_.execute(kAccountName, {user.key()});
    if (!account) return account.error();
    if (account->rows() == 0) {
      change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
      return change;
    }
    change.user_name = std::string(account->text(0, 0));
    const std::string id = std::to_string(target->id);
    auto removed = connection_.execute(kRevokeAccess, {id, user.key()});
    if (!removed) return removed.error();
    change.changed = removed->affected() > 0;
    return change;
  });
}

Result<std::vector<std::string>> PostgresStore::list_access(const core::RoomName& room) {
  auto rows = connection_.execute(kListAccess, {room.key()});
  if (!rows) return failed(rows.error());
  std::vector<std::string> names;
  for (int row = 0; row < rows->rows(); ++row) names.emplace_back(rows->text(row, 0));
  return names;
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
    // An edit, delete or reaction names a message: it never creates its
    // room; nor does a message to a reserved name (open_direct does).
    if (request.kind != core::EventKind::message || core::is_reserved_room_name(request.room)) {
      continue;
    }
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
  if (locked->rows() < static_cast<int>(rooms.size()) && forget_vanished_rooms(requests, *locked)) {
    // A room known to exist was deleted meanwhile (parley admin): its
    // messages make it again, and the rooms are locked anew.
    if (auto created = create_rooms(requests, now); !created) return created.error();
    locked = connection_.execute(kLockRooms, {room_keys.literal()});
    if (!locked) return locked.error();
  }
  // Rooms named only by events (or messages to reserved names) may not
  // exist (their id stays 0).
  bool any_restricted = false;
  for (int row = 0; row < locked->rows(); ++row) {
    LockedRoom& room = rooms.at(locked->text(row, 1));
    room = {locked->integer(row, 0),
            std::string(locked->text(row, 2)),
            static_cast<std::uint64_t>(locked->integer(row, 3)),
            0,
            static_cast<core::RoomKind>(locked->integer(row, 4)),
            std::string(locked->text(row, 5))};
    any_restricted = any_restricted || core::is_restricted(room.kind);
  }

  // The authors without access to their restricted room, refused before the
  // idempotency check: nobody learns anything of a room it cannot see. A
  // batch of public rooms only asks nothing more.
  std::vector<bool> denied(requests.size(), false);
  if (any_restricted) {
    PgArray asked, asked_rooms, asked_keys;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const LockedRoom& room = rooms.at(requests[i].room.key());
      if (room.id == 0 || !core::is_restricted(room.kind)) continue;
      if (requests[i].origin != Origin::user) continue;  // the operator enters any room
      denied[i] = true;                                  // unless found below
      const std::string access_key = core::access_key_of(requests[i].author);
      if (access_key.empty()) continue;  // a guest
      asked.add(static_cast<std::int64_t>(i));
      asked_rooms.add(room.id);
      asked_keys.add(access_key);
    }
    if (!asked.is_empty()) {
      auto allowed = connection_.execute(
          kAllowedAuthors, {asked.literal(), asked_rooms.literal(), asked_keys.literal()});
      if (!allowed) return allowed.error();
      for (int row = 0; row < allowed->rows(); ++row) {
        denied[static_cast<std::size_t>(allowed->integer(row, 0))] = false;
      }
    }
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
    if (denied[i]) continue;
    const LockedRoom& room = rooms.at(requests[i].room.key());
    results[i] = {room.name, static_cast<std::uint64_t>(stored->integer(row, 1)),
                  stored->integer(row, 2), true};
    is_stored[i] = true;
  }

  // The rest in order: a repeat within the batch answers the first's seq.
  // Plain messages are inserted together, in one statement; an event (or a
  // reply) is checked against what is stored, so what comes before it is
  // inserted first.
  std::map<std::tuple<std::int64_t, std::string_view, std::string_view>, std::size_t> first;
  PgArray seq_rooms, seqs, user_keys, user_names, texts, clients, authors, guests;
  bool pending = false;
  bool advanced = false;
  const std::string ts = std::to_string(now);
  const auto insert_pending = [&]() -> Result<void> {
    if (!pending) return {};
    auto inserted = connection_.execute(
        kInsertMessages,
        {seq_rooms.literal(), seqs.literal(), ts, user_keys.literal(), user_names.literal(),
         texts.literal(), clients.literal(), authors.literal(), guests.literal()});
    if (!inserted) return inserted.error();
    seq_rooms = {}, seqs = {}, user_keys = {}, user_names = {}, texts = {}, clients = {},
    authors = {}, guests = {};
    pending = false;
    return {};
  };
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (is_stored[i]) continue;
    const AppendRequest& request = requests[i];
    LockedRoom& room = rooms.at(request.room.key());
    if (room.id == 0) {
      results[i] = {request.room.text(), 0, 0, false, refusal_without_room(request)};
      continue;
    }
    if (denied[i]) {
      results[i] = {request.room.text(), 0, 0, false,
                    core::Error{core::ErrorCode::not_found, "no such room"}};
      continue;
    }
    const auto [earlier, is_new] =
        first.try_emplace({room.id, request.author.id, request.client_id}, i);
    if (!is_new) {
      results[i] = results[earlier->second];
      if (!results[i].refused) results[i].duplicate = true;
      continue;
    }
    if (named_seq(request) != 0) {
      if (auto inserted = insert_pending(); !inserted) return inserted.error();
      std::optional<ReactionState> unchanged;
      auto refused = check_event(room.id, room.owner_key, request, unchanged);
      if (!refused) return refused.error();
      if (*refused) {
        results[i] = {room.name, 0, 0, false, *refused};
        first.erase(earlier);  // a refusal stores nothing: the id is still free
        continue;
      }
      if (unchanged) {
        results[i] = {room.name, unchanged->set_by, 0, true};
        first.erase(earlier);
        continue;
      }
      room.last_seq += 1;
      room.activity = next_activity(now);
      advanced = true;
      results[i] = {room.name, room.last_seq, now, false};
      if (auto inserted = insert_event(room.id, room.last_seq, now, request); !inserted) {
        return inserted.error();
      }
      continue;
    }
    room.last_seq += 1;
    room.activity = next_activity(now);
    advanced = true;
    results[i] = {room.name, room.last_seq, now, false};
    seq_rooms.add(room.id);
    seqs.add(room.last_seq);
    user_keys.add(request.author.user.key());
    user_names.add(request.author.user.text());
    texts.add(request.text);
    clients.add(request.client_id);
    authors.add(request.author.id);
    guests.add_boolean(request.author.is_guest());
    pending = true;
  }
  if (auto inserted = insert_pending(); !inserted) return inserted.error();
  if (advanced) {
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
  // Only rooms that exist: a room named only by a refused request may be
  // created later, and its INSERT must not be skipped then.
  for (const auto& [key, room] : rooms) {
    if (room.id != 0) known_rooms_.emplace(key);
  }
  return results;
}

bool PostgresStore::forget_vanished_rooms(std::span<const AppendRequest> requests,
                                          const PgResult& locked) {
  std::unordered_set<std::string_view> found;
  for (int row = 0; row < locked.rows(); ++row) found.insert(locked.text(row, 1));
  bool forgot = false;
  for (const AppendRequest& request : requests) {
    if (!found.contains(request.room.key()) && known_rooms_.erase(request.room.key()) > 0) {
      forgot = true;
    }
  }
  return forgot;
}

Result<std::optional<core::Error>> PostgresStore::check_event(
    std::int64_t room_id, std::string_view owner_key, const AppendRequest& request,
    std::optional<ReactionState>& unchanged) {
  const std::string room = std::to_string(room_id);
  const std::string seq = std::to_string(std::min<std::uint64_t>(named_seq(request), INT64_MAX));
  auto found = connection_.execute(kFindTarget, {room, seq});
  if (!found) return found.error();
  std::optional<TargetMessage> target;
  if (found->rows() == 1) {
    target = TargetMessage{static_cast<core::EventKind>(found->integer(0, 0)),
                           std::string(found->text(0, 1)), found->boolean(0, 2)};
  }
  auto refused = refusal_of(request, target, owner_key);
  if (needs_server_role(request, refused)) {
    auto role = server_role_of(request.author);
    if (!role) return role.error();
    refused = refusal_of(request, target, owner_key, *role);
  }
  if (refused) return std::optional<core::Error>{refused};
  if (request.kind == core::EventKind::reaction) {
    auto reaction =
        connection_.execute(kFindReaction, {room, seq, request.author.id, request.emoji});
    if (!reaction) return reaction.error();
    ReactionState state;
    if (reaction->rows() == 1) {
      state = {reaction->boolean(0, 0), static_cast<std::uint64_t>(reaction->integer(0, 1))};
    }
    if (changes_nothing(request, state)) unchanged = state;
  }
  return std::optional<core::Error>{};
}

Result<void> PostgresStore::insert_event(std::int64_t room_id, std::uint64_t seq, std::int64_t now,
                                         const AppendRequest& request) {
  const bool is_message = request.kind == core::EventKind::message;
  const bool has_text = is_message || request.kind == core::EventKind::edit;
  const bool is_reaction = request.kind == core::EventKind::reaction;
  const std::string room = std::to_string(room_id);
  const std::string seq_text = std::to_string(seq);
  const std::string ts = std::to_string(now);
  const std::string target = std::to_string(is_message ? 0 : request.target);
  auto inserted = connection_.execute(
      kInsertEvent,
      {room, seq_text, ts, request.author.user.key(), request.author.user.text(),
       has_text ? std::string_view(request.text) : std::string_view(), request.client_id,
       request.author.id, request.author.is_guest() ? "true" : "false",
       std::to_string(static_cast<int>(request.kind)), target,
       std::to_string(is_message ? request.reply_to : 0),
       is_reaction ? std::string_view(request.emoji) : std::string_view(),
       is_reaction && request.on ? "true" : "false"});
  if (!inserted) return inserted.error();
  Result<PgResult> applied = PgResult(nullptr);
  switch (request.kind) {
    case core::EventKind::edit:
      applied = connection_.execute(kEditMessage, {room, target, request.text, ts});
      break;
    case core::EventKind::deletion:
      applied = connection_.execute(kDeleteMessage, {room, target});
      if (applied) applied = connection_.execute(kDeleteReactions, {room, target});
      break;
    case core::EventKind::reaction:
      applied = connection_.execute(
          kSetReaction, {room, target, request.author.id, request.emoji, request.author.user.text(),
                         request.on ? "true" : "false", seq_text});
      break;
    case core::EventKind::message:
      break;
  }
  if (!applied) return applied.error();
  return {};
}

Result<std::vector<StoredMessage>> PostgresStore::read_messages(const RangeQuery& range) {
  std::vector<StoredMessage> messages;
  // Seqs are stored as signed 64-bit integers: none comes after INT64_MAX.
  if (range.up_to <= range.after || range.after >= INT64_MAX || range.limit == 0) return messages;
  const bool newest = range.keep == Keep::newest;
  const bool final_view = range.view == View::final_messages;
  const std::string after = std::to_string(range.after);
  const std::string up_to = std::to_string(std::min<std::uint64_t>(range.up_to, INT64_MAX));
  const std::string limit = std::to_string(std::min<std::size_t>(range.limit, INT64_MAX));
  const PgStatement& read = final_view ? (newest ? kReadNewestMessages : kReadOldestMessages)
                                       : (newest ? kReadNewest : kReadOldest);
  auto rows = connection_.execute(read, {range.room.key(), after, up_to, limit});
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
    message.kind = static_cast<core::EventKind>(rows->integer(row, 7));
    message.target = static_cast<std::uint64_t>(rows->integer(row, 8));
    message.reply_to = static_cast<std::uint64_t>(rows->integer(row, 9));
    message.emoji = std::string(rows->text(row, 10));
    message.on = rows->boolean(row, 11);
    message.edited_ts = rows->integer(row, 12);
    message.deleted = rows->boolean(row, 13);
    bytes += message_bytes(message);
    if (!messages.empty() && bytes > range.max_bytes) {
      if (range.stopped_by_bytes != nullptr) *range.stopped_by_bytes = true;
      break;
    }
    messages.push_back(std::move(message));
  }
  if (newest) std::reverse(messages.begin(), messages.end());
  if (final_view && !messages.empty()) {
    auto reactions =
        connection_.execute(kReadReactions, {range.room.key(), std::to_string(messages.front().seq),
                                             std::to_string(messages.back().seq)});
    if (!reactions) return failed(reactions.error());
    std::unordered_map<std::uint64_t, StoredMessage*> by_seq;
    for (StoredMessage& message : messages) by_seq[message.seq] = &message;
    for (int row = 0; row < reactions->rows(); ++row) {
      auto found = by_seq.find(static_cast<std::uint64_t>(reactions->integer(row, 0)));
      if (found == by_seq.end()) continue;
      add_reaction(found->second->reactions, std::string(reactions->text(row, 1)),
                   std::string(reactions->text(row, 2)));
    }
  }
  return messages;
}

Result<std::vector<RoomRecord>> PostgresStore::list_rooms(std::size_t limit) {
  const std::string count = std::to_string(std::min<std::size_t>(limit, INT64_MAX));
  auto rows = connection_.execute(kListRooms, {count});
  if (!rows) return failed(rows.error());
  std::vector<RoomRecord> rooms;
  for (int row = 0; row < rows->rows(); ++row) {
    rooms.push_back({std::string(rows->text(row, 0)),
                     static_cast<std::uint64_t>(rows->integer(row, 1)), rows->integer(row, 2)});
  }
  return rooms;
}

Result<std::optional<ReadMarker>> PostgresStore::mark_read(const std::string& reader,
                                                           const core::RoomName& room,
                                                           std::optional<std::uint64_t> seq) {
  const std::string marker = std::to_string(std::min<std::uint64_t>(seq.value_or(0), INT64_MAX));
  const std::string access_key = core::access_key_of_id(reader);
  auto rows = seq ? connection_.execute(kMarkRead, {reader, room.key(), marker, access_key})
                  : connection_.execute(kNoteReader, {reader, room.key(), access_key});
  if (!rows) return failed(rows.error());
  if (rows->rows() == 0) return std::optional<ReadMarker>{};  // no such room, or not for it
  return std::optional<ReadMarker>{
      ReadMarker{std::string(rows->text(0, 1)), static_cast<std::uint64_t>(rows->integer(0, 0))}};
}

Result<std::vector<RoomReading>> PostgresStore::list_reading(const core::Identity& reader,
                                                             std::size_t limit) {
  const std::string count = std::to_string(std::min<std::size_t>(limit, INT64_MAX));
  const std::string access_key = core::access_key_of(reader);
  auto rows = connection_.execute(kListReading, {reader.id, access_key, count});
  if (!rows) return failed(rows.error());
  // ILIKE finds the candidates (its escape is the backslash); core::mentions
  // decides on whole words.
  const std::string pattern = core::mention_candidates_pattern(reader.user);
  std::vector<RoomReading> readings;
  for (int row = 0; row < rows->rows(); ++row) {
    RoomReading reading{std::string(rows->text(row, 1)),
                        static_cast<std::uint64_t>(rows->integer(row, 2)),
                        static_cast<std::uint64_t>(rows->integer(row, 3)),
                        static_cast<std::uint64_t>(rows->integer(row, 4))};
    reading.kind = static_cast<core::RoomKind>(rows->integer(row, 5));
    if (!rows->is_null(row, 6)) reading.with = std::string(rows->text(row, 6));
    if (reading.unread > 0) {
      const std::string room_id(rows->text(row, 0));
      const std::string read_seq = std::to_string(reading.read_seq);
      auto candidates =
          connection_.execute(kMentionCandidates, {room_id, read_seq, reader.id, pattern});
      if (!candidates) return failed(candidates.error());
      for (int candidate = 0; candidate < candidates->rows(); ++candidate) {
        if (core::mentions(candidates->text(candidate, 0), reader.user)) ++reading.mentions;
      }
    }
    readings.push_back(std::move(reading));
  }
  return readings;
}

Result<void> PostgresStore::check() {
  auto answered = connection_.execute(kCheck, {});
  if (!answered) return failed(answered.error());
  return {};
}

}  // namespace parley::store
