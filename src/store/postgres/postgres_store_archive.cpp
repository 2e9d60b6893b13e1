// PostgresStore, the HistoryArchive side: export, import and retention. Rooms
// are visited in the byte order of their key (COLLATE "C"), as SQLite does,
// so both backends export the same bytes. Retention takes an advisory lock
// per transaction: of several nodes, one trims at a time and the others skip
// the pass; its deletes are idempotent besides.
#include <algorithm>

#include "store/postgres/postgres_store.hpp"

namespace parley::store {
namespace {

constexpr PgStatement kArchivedRooms{
    "archived_rooms",
    "SELECT id, name, kind, COALESCE(owner_name, ''), last_seq, trimmed_seq, created_ms, "
    "last_active_ms FROM rooms WHERE key COLLATE \"C\" > $1::text ORDER BY key COLLATE \"C\" "
    "LIMIT $2::bigint"};
constexpr PgStatement kArchivedAccess{
    "archived_access",
    "SELECT user_name, granted_ms FROM room_access WHERE room_id = $1::bigint "
    "ORDER BY grant_order"};
constexpr PgStatement kImportRoom{
    "import_room",
    "INSERT INTO rooms (key, name, last_seq, trimmed_seq, created_ms, last_active_ms, kind, "
    "owner_key, owner_name) VALUES ($1::text, $2::text, $3::bigint, $3::bigint, $4::bigint, "
    "$5::bigint, $6::smallint, NULLIF($7::text, ''), NULLIF($8::text, '')) "
    "ON CONFLICT (key) DO NOTHING RETURNING id"};
constexpr PgStatement kImportHolder{
    "import_holder",
    "INSERT INTO room_access (room_id, user_key, user_name, grant_order, granted_ms) "
    "VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::bigint)"};
constexpr PgStatement kLockImported{
    "lock_imported", "SELECT id, last_seq FROM rooms WHERE key = $1::text FOR UPDATE"};
constexpr PgStatement kImportEvent{
    "import_event",
    "INSERT INTO messages (room_id, seq, ts, user_key, user_name, text, client_id, author_id, "
    "guest, kind, target, reply_to, emoji, reaction_on, edited_ts, deleted) VALUES ($1::bigint, "
    "$2::bigint, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::text, $9::boolean, "
    "$10::smallint, $11::bigint, $12::bigint, $13::text, $14::boolean, $15::bigint, "
    "$16::boolean)"};
constexpr PgStatement kImportReaction{
    "import_reaction",
    "INSERT INTO reactions (room_id, target, author_id, emoji, user_name, is_on, set_by) "
    "VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::boolean, $7::bigint) "
    "ON CONFLICT (room_id, target, author_id, emoji) DO UPDATE SET "
    "user_name = excluded.user_name, is_on = excluded.is_on, set_by = excluded.set_by"};
constexpr PgStatement kImportDeletion{
    "import_deletion", "DELETE FROM reactions WHERE room_id = $1::bigint AND target = $2::bigint"};
constexpr PgStatement kImportedUpTo{"imported_up_to",
                                    "UPDATE rooms SET last_seq = $2::bigint WHERE id = $1::bigint"};
// "parley-retention" in spirit: any constant apart from the schema's lock.
constexpr PgStatement kTryRetentionLock{"try_retention_lock",
                                        "SELECT pg_try_advisory_xact_lock(111546413966202)"};
constexpr PgStatement kRetentionRooms{
    "retention_rooms",
    "SELECT id, key, last_seq, trimmed_seq FROM rooms WHERE key COLLATE \"C\" > $1::text "
    "ORDER BY key COLLATE \"C\" LIMIT $2::bigint"};
// The last of the oldest kept events older than $5 (seqs have no gaps after
// trimmed_seq), never the newest of the room.
constexpr PgStatement kAgedUpTo{
    "aged_up_to",
    "SELECT COALESCE(MAX(seq), 0) FROM (SELECT seq, ts FROM messages WHERE room_id = $1::bigint "
    "AND seq > $2::bigint AND seq < $3::bigint ORDER BY seq LIMIT $4::bigint) AS oldest "
    "WHERE ts < $5::bigint"};
constexpr PgStatement kTrimEvents{
    "trim_events", "DELETE FROM messages WHERE room_id = $1::bigint AND seq <= $2::bigint"};
constexpr PgStatement kTrimReactions{
    "trim_reactions", "DELETE FROM reactions WHERE room_id = $1::bigint AND target <= $2::bigint"};
constexpr PgStatement kRaiseTrimmed{
    "raise_trimmed",
    "UPDATE rooms SET trimmed_seq = GREATEST(trimmed_seq, $2::bigint) WHERE id = $1::bigint"};
constexpr PgStatement kTrimmedSeq{"trimmed_seq",
                                  "SELECT trimmed_seq FROM rooms WHERE key = $1::text"};

boost::system::error_code invalid_argument() {
  return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
}

const char* boolean(bool value) {
  return value ? "true" : "false";
}

}  // namespace

Result<void> PostgresStore::in_archive_transaction(const std::function<Result<void>()>& body) {
  if (auto begun = connection_.begin(); !begun) {
    connection_.rollback();
    return failed(begun.error());
  }
  Result<void> done = body();
  if (done) done = connection_.commit();
  if (!done) {
    connection_.rollback();
    return failed(done.error());
  }
  return done;
}

Result<std::vector<ArchivedRoom>> PostgresStore::list_archived_rooms(const std::string& after_key,
                                                                     std::size_t limit) {
  auto rows = connection_.execute(
      kArchivedRooms, {after_key, std::to_string(std::min<std::size_t>(limit, INT64_MAX))});
  if (!rows) return failed(rows.error());
  std::vector<ArchivedRoom> rooms;
  rooms.reserve(static_cast<std::size_t>(rows->rows()));
  for (int row = 0; row < rows->rows(); ++row) {
    ArchivedRoom room{std::string(rows->text(row, 1)),
                      static_cast<core::RoomKind>(rows->integer(row, 2)),
                      std::string(rows->text(row, 3)),
                      static_cast<std::uint64_t>(rows->integer(row, 4)),
                      static_cast<std::uint64_t>(rows->integer(row, 5)),
                      rows->integer(row, 6),
                      rows->integer(row, 7)};
    auto access = connection_.execute(kArchivedAccess, {rows->text(row, 0)});
    if (!access) return failed(access.error());
    for (int holder = 0; holder < access->rows(); ++holder) {
      room.access.push_back({std::string(access->text(holder, 0)), access->integer(holder, 1)});
    }
    rooms.push_back(std::move(room));
  }
  return rooms;
}

Result<bool> PostgresStore::import_room(const ArchivedRoom& room) {
  auto name = core::RoomName::parse(room.name);
  std::optional<core::UserName> owner;
  if (!room.owner.empty()) owner = core::UserName::parse(room.owner);
  if (!name || (!room.owner.empty() && !owner)) {
    return Result<bool>(boost::system::in_place_error, invalid_argument());
  }
  bool created = false;
  auto done = in_archive_transaction([&]() -> Result<void> {
    auto inserted = connection_.execute(
        kImportRoom, {name->key(), name->text(), std::to_string(room.trimmed_seq),
                      std::to_string(room.created_ms), std::to_string(room.last_active_ms),
                      std::to_string(static_cast<int>(room.kind)), owner ? owner->key() : "",
                      owner ? owner->text() : ""});
    if (!inserted) return inserted.error();
    if (inserted->rows() != 1) return {};  // the name is taken
    const std::string id(inserted->text(0, 0));
    std::int64_t order = 0;
    for (const AccessHolder& holder : room.access) {
      auto user = core::UserName::parse(holder.user);
      if (!user) return invalid_argument();
      auto granted = connection_.execute(kImportHolder,
                                         {id, user->key(), user->text(), std::to_string(++order),
                                          std::to_string(holder.granted_ms)});
      if (!granted) return granted.error();
    }
    created = true;
    return {};
  });
  if (!done) return Result<bool>(boost::system::in_place_error, done.error());
  latest_activity_ = std::max(latest_activity_, room.last_active_ms);
  return created;
}

Result<void> PostgresStore::import_events(const core::RoomName& room,
                                          std::span<const StoredMessage> events) {
  return in_archive_transaction([&]() -> Result<void> {
    auto locked = connection_.execute(kLockImported, {room.key()});
    if (!locked) return locked.error();
    if (locked->rows() != 1) return invalid_argument();
    const std::string id(locked->text(0, 0));
    auto last_seq = static_cast<std::uint64_t>(locked->integer(0, 1));
    for (const StoredMessage& event : events) {
      if (event.seq != last_seq + 1 || event.seq > INT64_MAX || event.target > INT64_MAX ||
          event.reply_to > INT64_MAX) {
        return invalid_argument();
      }
      auto author = core::UserName::parse(event.user);
      if (!author) return invalid_argument();
      const std::string seq = std::to_string(event.seq);
      const std::string target = std::to_string(event.target);
      auto inserted = connection_.execute(
          kImportEvent, {id, seq, std::to_string(event.ts), author->key(), event.user, event.text,
                         event.client_id, event.author_id, boolean(event.guest),
                         std::to_string(static_cast<int>(event.kind)), target,
                         std::to_string(event.reply_to), event.emoji, boolean(event.on),
                         std::to_string(event.edited_ts), boolean(event.deleted)});
      if (!inserted) return inserted.error();
      last_seq = event.seq;
      // Texts are stored final already: only the reactions are set again.
      if (event.kind == core::EventKind::reaction) {
        auto set = connection_.execute(kImportReaction, {id, target, event.author_id, event.emoji,
                                                         event.user, boolean(event.on), seq});
        if (!set) return set.error();
      } else if (event.kind == core::EventKind::deletion) {
        auto removed = connection_.execute(kImportDeletion, {id, target});
        if (!removed) return removed.error();
      }
    }
    auto advanced = connection_.execute(kImportedUpTo, {id, std::to_string(last_seq)});
    if (!advanced) return advanced.error();
    return {};
  });
}

Result<RetentionBatch> PostgresStore::trim_history(const RetentionPolicy& policy,
                                                   const RetentionCursor& from,
                                                   std::int64_t now_ms) {
  RetentionBatch batch;
  batch.next = from;
  auto done = in_archive_transaction([&]() -> Result<void> {
    auto locked = connection_.execute(kTryRetentionLock, {});
    if (!locked) return locked.error();
    if (!locked->boolean(0, 0)) {
      batch.busy_elsewhere = true;
      batch.next.done = true;
      return {};
    }
    auto rooms = connection_.execute(kRetentionRooms,
                                     {from.after_key, std::to_string(policy.rooms_per_scan)});
    if (!rooms) return rooms.error();
    batch.next.done = static_cast<std::size_t>(rooms->rows()) < policy.rooms_per_scan;
    for (int row = 0; row < rooms->rows(); ++row) {
      const std::string id(rooms->text(row, 0));
      const auto last_seq = static_cast<std::uint64_t>(rooms->integer(row, 2));
      const auto trimmed = static_cast<std::uint64_t>(rooms->integer(row, 3));
      const std::size_t left = policy.batch_rows - batch.removed;
      std::uint64_t target = trimmed;
      if (policy.max_events != 0 && last_seq > policy.max_events) {
        target = std::max(target, last_seq - policy.max_events);
      }
      if (policy.max_age_ms != 0 && left > 0) {
        auto aged = connection_.execute(
            kAgedUpTo, {id, std::to_string(trimmed), std::to_string(last_seq), std::to_string(left),
                        std::to_string(now_ms - policy.max_age_ms)});
        if (!aged) return aged.error();
        target = std::max(target, static_cast<std::uint64_t>(aged->integer(0, 0)));
      }
      const bool cut_short = target - trimmed > left;
      if (cut_short) target = trimmed + left;
      if (target > trimmed) {
        const std::string up_to = std::to_string(target);
        auto removed = connection_.execute(kTrimEvents, {id, up_to});
        if (!removed) return removed.error();
        batch.removed += static_cast<std::size_t>(removed->affected());
        auto reactions = connection_.execute(kTrimReactions, {id, up_to});
        if (!reactions) return reactions.error();
        auto raised = connection_.execute(kRaiseTrimmed, {id, up_to});
        if (!raised) return raised.error();
      }
      if (cut_short) {
        batch.next.done = false;  // this room again, in the next batch
        return {};
      }
      batch.next.after_key = std::string(rooms->text(row, 1));
    }
    return {};
  });
  if (!done) return done.error();
  return batch;
}

Result<std::uint64_t> PostgresStore::trimmed_seq(const core::RoomName& room) {
  auto rows = connection_.execute(kTrimmedSeq, {room.key()});
  if (!rows) return failed(rows.error());
  if (rows->rows() == 0) return std::uint64_t{0};
  return static_cast<std::uint64_t>(rows->integer(0, 0));
}

}  // namespace parley::store
