// SqliteStore, the HistoryArchive side: export, import and retention. Every
// write is one bounded transaction, so appends queued on the store thread
// meanwhile wait for one batch at most.
#include <algorithm>

#include "store/sqlite/sqlite_statement.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {
namespace {

boost::system::error_code invalid_argument() {
  return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
}

}  // namespace

Result<void> SqliteStore::in_archive_transaction(const std::function<Result<void>()>& body) {
  return in_transaction<void>([&] { return body(); });
}

Result<std::vector<ArchivedRoom>> SqliteStore::list_archived_rooms(const std::string& after_key,
                                                                   std::size_t limit) {
  std::vector<std::pair<std::int64_t, ArchivedRoom>> found;
  {
    Statement::Use query(statement(
        "SELECT id, name, kind, COALESCE(owner_name, ''), last_seq, trimmed_seq, created_ms, "
        "last_active_ms FROM rooms WHERE key > ? ORDER BY key LIMIT ?"));
    query->bind(1, after_key)
        .bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    int code;
    while ((code = query->step()) == SQLITE_ROW) {
      found.emplace_back(
          query->integer(0),
          ArchivedRoom{query->text(1), static_cast<core::RoomKind>(query->integer(2)),
                       query->text(3), static_cast<std::uint64_t>(query->integer(4)),
                       static_cast<std::uint64_t>(query->integer(5)), query->integer(6),
                       query->integer(7)});
    }
    if (code != SQLITE_DONE) return make_sqlite_error(code);
  }
  std::vector<ArchivedRoom> rooms;
  rooms.reserve(found.size());
  for (auto& [id, room] : found) {
    Statement::Use query(statement(
        "SELECT user_name, granted_ms FROM room_access WHERE room_id = ? ORDER BY grant_order"));
    query->bind(1, id);
    int code;
    while ((code = query->step()) == SQLITE_ROW) {
      room.access.push_back({query->text(0), query->integer(1)});
    }
    if (code != SQLITE_DONE) return make_sqlite_error(code);
    rooms.push_back(std::move(room));
  }
  return rooms;
}

Result<bool> SqliteStore::import_room(const ArchivedRoom& room) {
  auto name = core::RoomName::parse(room.name);
  std::optional<core::UserName> owner;
  if (!room.owner.empty()) owner = core::UserName::parse(room.owner);
  if (!name || (!room.owner.empty() && !owner)) {
    return Result<bool>(boost::system::in_place_error, invalid_argument());
  }
  bool created = false;
  auto done = in_archive_transaction([&]() -> Result<void> {
    {
      Statement::Use exists(statement("SELECT EXISTS (SELECT 1 FROM rooms WHERE key = ?)"));
      exists->bind(1, name->key());
      if (const int code = exists->step(); code != SQLITE_ROW) return make_sqlite_error(code);
      if (exists->integer(0) != 0) return {};
    }
    Statement::Use insert(statement(
        "INSERT INTO rooms (key, name, last_seq, trimmed_seq, created_ms, last_active_ms, kind, "
        "owner_key, owner_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert->bind(1, name->key())
        .bind(2, name->text())
        .bind(3, static_cast<std::int64_t>(room.trimmed_seq))
        .bind(4, static_cast<std::int64_t>(room.trimmed_seq))
        .bind(5, room.created_ms)
        .bind(6, room.last_active_ms)
        .bind(7, static_cast<std::int64_t>(room.kind));
    if (owner) insert->bind(8, owner->key()).bind(9, owner->text());  // else NULL
    if (const int code = insert->step(); code != SQLITE_DONE) return make_sqlite_error(code);
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    std::int64_t order = 0;
    for (const AccessHolder& holder : room.access) {
      auto user = core::UserName::parse(holder.user);
      if (!user) return invalid_argument();
      Statement::Use grant(
          statement("INSERT INTO room_access (room_id, user_key, user_name, grant_order, "
                    "granted_ms) VALUES (?, ?, ?, ?, ?)"));
      grant->bind(1, id)
          .bind(2, user->key())
          .bind(3, user->text())
          .bind(4, ++order)
          .bind(5, holder.granted_ms);
      if (const int code = grant->step(); code != SQLITE_DONE) return make_sqlite_error(code);
    }
    created = true;
    return {};
  });
  if (!done) return Result<bool>(boost::system::in_place_error, done.error());
  latest_activity_ = std::max(latest_activity_, room.last_active_ms);
  return created;
}

Result<void> SqliteStore::import_events(const core::RoomName& room,
                                        std::span<const StoredMessage> events) {
  rooms_.erase(room.key());  // its last seq moves here
  return in_archive_transaction([&]() -> Result<void> {
    std::int64_t room_id = 0;
    std::uint64_t last_seq = 0;
    {
      Statement::Use query(statement("SELECT id, last_seq FROM rooms WHERE key = ?"));
      query->bind(1, room.key());
      const int code = query->step();
      if (code == SQLITE_DONE) return invalid_argument();
      if (code != SQLITE_ROW) return make_sqlite_error(code);
      room_id = query->integer(0);
      last_seq = static_cast<std::uint64_t>(query->integer(1));
    }
    for (const StoredMessage& event : events) {
      if (event.seq != last_seq + 1 || event.seq > INT64_MAX) return invalid_argument();
      auto author = core::UserName::parse(event.user);
      if (!author) return invalid_argument();
      Statement::Use insert(statement(
          "INSERT INTO messages (room_id, seq, ts, user_key, user_name, text, client_id, "
          "author_id, guest, kind, target, reply_to, emoji, reaction_on, edited_ts, deleted) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      insert->bind(1, room_id)
          .bind(2, static_cast<std::int64_t>(event.seq))
          .bind(3, event.ts)
          .bind(4, author->key())
          .bind(5, event.user)
          .bind(6, event.text)
          .bind(7, event.client_id)
          .bind(8, event.author_id)
          .bind(9, std::int64_t{event.guest})
          .bind(10, static_cast<std::int64_t>(event.kind))
          .bind(11, static_cast<std::int64_t>(std::min<std::uint64_t>(event.target, INT64_MAX)))
          .bind(12, static_cast<std::int64_t>(std::min<std::uint64_t>(event.reply_to, INT64_MAX)))
          .bind(13, event.emoji)
          .bind(14, std::int64_t{event.on})
          .bind(15, event.edited_ts)
          .bind(16, std::int64_t{event.deleted});
      if (const int code = insert->step(); code != SQLITE_DONE) return make_sqlite_error(code);
      last_seq = event.seq;
      // Texts are stored final already: only the reactions are set again.
      if (event.kind == core::EventKind::reaction) {
        Statement::Use upsert(statement(
            "INSERT INTO reactions (room_id, target, author_id, emoji, user_name, is_on, set_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, target, author_id, emoji) "
            "DO UPDATE SET user_name = excluded.user_name, is_on = excluded.is_on, "
            "set_by = excluded.set_by"));
        upsert->bind(1, room_id)
            .bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(event.target, INT64_MAX)))
            .bind(3, event.author_id)
            .bind(4, event.emoji)
            .bind(5, event.user)
            .bind(6, std::int64_t{event.on})
            .bind(7, static_cast<std::int64_t>(event.seq));
        if (const int code = upsert->step(); code != SQLITE_DONE) return make_sqlite_error(code);
      } else if (event.kind == core::EventKind::deletion) {
        Statement::Use remove(statement("DELETE FROM reactions WHERE room_id = ? AND target = ?"));
        remove->bind(1, room_id)
            .bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(event.target, INT64_MAX)));
        if (const int code = remove->step(); code != SQLITE_DONE) return make_sqlite_error(code);
      }
    }
    Statement::Use update(statement("UPDATE rooms SET last_seq = ? WHERE id = ?"));
    update->bind(1, static_cast<std::int64_t>(last_seq)).bind(2, room_id);
    if (const int code = update->step(); code != SQLITE_DONE) return make_sqlite_error(code);
    return {};
  });
}

Result<RetentionBatch> SqliteStore::trim_history(const RetentionPolicy& policy,
                                                 const RetentionCursor& from, std::int64_t now_ms) {
  RetentionBatch batch;
  batch.next = from;
  struct Candidate {
    std::int64_t id;
    std::string key;
    std::uint64_t last_seq;
    std::uint64_t trimmed_seq;
  };
  auto done = in_archive_transaction([&]() -> Result<void> {
    std::vector<Candidate> rooms;
    {
      Statement::Use query(statement(
          "SELECT id, key, last_seq, trimmed_seq FROM rooms WHERE key > ? ORDER BY key LIMIT ?"));
      query->bind(1, from.after_key).bind(2, static_cast<std::int64_t>(policy.rooms_per_scan));
      int code;
      while ((code = query->step()) == SQLITE_ROW) {
        rooms.push_back({query->integer(0), query->text(1),
                         static_cast<std::uint64_t>(query->integer(2)),
                         static_cast<std::uint64_t>(query->integer(3))});
      }
      if (code != SQLITE_DONE) return make_sqlite_error(code);
    }
    batch.next.done = rooms.size() < policy.rooms_per_scan;
    for (const Candidate& room : rooms) {
      const std::size_t left = policy.batch_rows - batch.removed;
      std::uint64_t target = room.trimmed_seq;
      if (policy.max_events != 0 && room.last_seq > policy.max_events) {
        target = std::max(target, room.last_seq - policy.max_events);
      }
      if (policy.max_age_ms != 0 && left > 0) {
        // The oldest kept events (seqs have no gaps after trimmed_seq),
        // never the newest of the room.
        Statement::Use aged(statement(
            "SELECT COALESCE(MAX(seq), 0) FROM (SELECT seq, ts FROM messages WHERE room_id = ?1 "
            "AND seq > ?2 AND seq < ?3 ORDER BY seq LIMIT ?4) WHERE ts < ?5"));
        aged->bind(1, room.id)
            .bind(2, static_cast<std::int64_t>(room.trimmed_seq))
            .bind(3, static_cast<std::int64_t>(room.last_seq))
            .bind(4, static_cast<std::int64_t>(left))
            .bind(5, now_ms - policy.max_age_ms);
        if (const int code = aged->step(); code != SQLITE_ROW) return make_sqlite_error(code);
        target = std::max(target, static_cast<std::uint64_t>(aged->integer(0)));
      }
      const bool cut_short = target - room.trimmed_seq > left;
      if (cut_short) target = room.trimmed_seq + left;
      if (target > room.trimmed_seq) {
        Statement::Use events(statement("DELETE FROM messages WHERE room_id = ? AND seq <= ?"));
        events->bind(1, room.id).bind(2, static_cast<std::int64_t>(target));
        if (const int code = events->step(); code != SQLITE_DONE) return make_sqlite_error(code);
        batch.removed += static_cast<std::size_t>(sqlite3_changes(db_));
        Statement::Use reactions(
            statement("DELETE FROM reactions WHERE room_id = ? AND target <= ?"));
        reactions->bind(1, room.id).bind(2, static_cast<std::int64_t>(target));
        if (const int code = reactions->step(); code != SQLITE_DONE) return make_sqlite_error(code);
        Statement::Use update(
            statement("UPDATE rooms SET trimmed_seq = max(trimmed_seq, ?) WHERE id = ?"));
        update->bind(1, static_cast<std::int64_t>(target)).bind(2, room.id);
        if (const int code = update->step(); code != SQLITE_DONE) return make_sqlite_error(code);
      }
      if (cut_short) {
        batch.next.done = false;  // this room again, in the next batch
        return {};
      }
      batch.next.after_key = room.key;
    }
    return {};
  });
  if (!done) return done.error();
  return batch;
}

Result<std::uint64_t> SqliteStore::trimmed_seq(const core::RoomName& room) {
  Statement::Use query(statement("SELECT trimmed_seq FROM rooms WHERE key = ?"));
  query->bind(1, room.key());
  const int code = query->step();
  if (code == SQLITE_DONE) return std::uint64_t{0};
  if (code != SQLITE_ROW) return make_sqlite_error(code);
  return static_cast<std::uint64_t>(query->integer(0));
}

}  // namespace parley::store
