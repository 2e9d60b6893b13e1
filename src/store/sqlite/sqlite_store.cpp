#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>

#include "core/mentions.hpp"
#include "store/sqlite/sqlite_migrations.hpp"
#include "store/sqlite/sqlite_statement.hpp"

namespace parley::store {
namespace {

class SqliteCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sqlite"; }
  std::string message(int code) const override { return sqlite3_errstr(code); }
};

}  // namespace

const boost::system::error_category& sqlite_category() {
  static const SqliteCategory category;
  return category;
}

SqliteStore::SqliteStore(const SqliteOptions& options) : max_cached_rooms_(options.cached_rooms) {
  const int opened =
      sqlite3_open_v2(options.path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (opened != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(opened);
    sqlite3_close(db_);
    throw std::runtime_error("cannot open database " + options.path.string() + ": " + reason);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    const std::string pragmas =
        // secure_delete: a deleted message's text is overwritten in the file,
        // not left in a free page.
        std::string(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
            "PRAGMA secure_delete = ON; PRAGMA synchronous = ") +
        (options.durability == Durability::full ? "FULL;" : "NORMAL;");
    if (!execute(pragmas.c_str())) {
      throw std::runtime_error("cannot configure database: " + std::string(sqlite3_errmsg(db_)));
    }
    migrate_sqlite_schema(db_);
    Statement::Use latest(statement("SELECT COALESCE(MAX(last_active_ms), 0) FROM rooms"));
    if (latest->step() == SQLITE_ROW) latest_activity_ = latest->integer(0);
  } catch (...) {
    // No destructor runs for a constructor that throws.
    statements_.clear();
    sqlite3_close(db_);
    throw;
  }
}

std::int64_t SqliteStore::next_activity(std::int64_t now_ms) {
  // Strictly increasing, so rooms active in the same millisecond still sort
  // in the order of their last message.
  latest_activity_ = std::max(latest_activity_ + 1, now_ms);
  return latest_activity_;
}

SqliteStore::~SqliteStore() {
  statements_.clear();
  sqlite3_close(db_);
}

Result<void> SqliteStore::execute(const char* sql) {
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return make_error(code);
  return {};
}

Result<void> SqliteStore::run(const char* sql) {
  Statement::Use use(statement(sql));
  const int code = use->step();
  if (code != SQLITE_DONE) return make_error(code);
  return {};
}

SqliteStore::Statement& SqliteStore::statement(const char* sql) {
  // Keyed by the address of a string literal: each call site has its own.
  auto& slot = statements_[sql];
  if (!slot) slot = std::make_unique<Statement>(db_, sql);
  return *slot;
}

RoomRecord SqliteStore::record_of(const CachedRoom& room) {
  RoomRecord record{room.name, room.last_seq};
  record.kind = room.kind;
  record.owner = room.owner_name;
  return record;
}

Result<SqliteStore::CachedRoom*> SqliteStore::find_room(const core::RoomName& room) {
  if (auto cached = rooms_.find(room.key()); cached != rooms_.end()) return &cached->second;
  Statement::Use query(
      statement("SELECT id, name, last_seq, kind, owner_key, owner_name FROM rooms WHERE key = ?"));
  query->bind(1, room.key());
  const int code = query->step();
  if (code == SQLITE_DONE) return nullptr;
  if (code != SQLITE_ROW) return make_error(code);
  CachedRoom& cached = rooms_[room.key()];
  cached = {query->integer(0),
            query->text(1),
            static_cast<std::uint64_t>(query->integer(2)),
            static_cast<core::RoomKind>(query->integer(3)),
            query->text(4),
            query->text(5)};
  return &cached;
}

Result<SqliteStore::CachedRoom*> SqliteStore::find_or_create_room(const core::RoomName& room,
                                                                  std::int64_t now_ms,
                                                                  std::int64_t active_ms) {
  auto found = find_room(room);
  if (!found || *found) return found;
  Statement::Use insert(
      statement("INSERT INTO rooms (key, name, last_seq, created_ms, last_active_ms) VALUES (?, ?, "
                "0, ?, ?)"));
  insert->bind(1, room.key()).bind(2, room.text()).bind(3, now_ms).bind(4, active_ms);
  if (const int code = insert->step(); code != SQLITE_DONE) return make_error(code);
  CachedRoom& cached = rooms_[room.key()];
  cached = {sqlite3_last_insert_rowid(db_), room.text(), 0};
  return &cached;
}

Result<SqliteStore::CachedRoom*> SqliteStore::insert_room(
    const core::RoomName& room, core::RoomKind kind, const core::UserName* owner,
    std::span<const std::pair<std::string, std::string>> holders, std::int64_t now_ms) {
  // Never written in yet: the least active of all, like a room opened.
  Statement::Use insert(statement(
      "INSERT INTO rooms (key, name, last_seq, created_ms, last_active_ms, kind, owner_key, "
      "owner_name) VALUES (?, ?, 0, ?, 0, ?, ?, ?)"));
  insert->bind(1, room.key())
      .bind(2, room.text())
      .bind(3, now_ms)
      .bind(4, static_cast<std::int64_t>(kind));
  if (owner != nullptr) insert->bind(5, owner->key()).bind(6, owner->text());  // else NULL
  if (const int code = insert->step(); code != SQLITE_DONE) return make_error(code);
  const std::int64_t id = sqlite3_last_insert_rowid(db_);
  std::int64_t order = 0;
  for (const auto& [key, name] : holders) {
    Statement::Use grant(
        statement("INSERT INTO room_access (room_id, user_key, user_name, grant_order, "
                  "granted_ms) VALUES (?, ?, ?, ?, ?)"));
    grant->bind(1, id).bind(2, key).bind(3, name).bind(4, ++order).bind(5, now_ms);
    if (const int code = grant->step(); code != SQLITE_DONE) return make_error(code);
  }
  CachedRoom& cached = rooms_[room.key()];
  cached = {id,
            room.text(),
            0,
            kind,
            owner ? owner->key() : std::string(),
            owner ? owner->text() : std::string()};
  return &cached;
}

Result<bool> SqliteStore::has_access(std::int64_t room_id, std::string_view access_key) {
  if (access_key.empty()) return false;
  Statement::Use query(
      statement("SELECT EXISTS (SELECT 1 FROM room_access WHERE room_id = ? AND user_key = ?)"));
  query->bind(1, room_id).bind(2, access_key);
  if (const int code = query->step(); code != SQLITE_ROW) {
    return Result<bool>(boost::system::in_place_error, make_error(code));
  }
  return query->integer(0) != 0;
}

Result<std::optional<std::string>> SqliteStore::account_name(const core::UserName& user) {
  Statement::Use query(statement("SELECT name FROM accounts WHERE key = ?"));
  query->bind(1, user.key());
  const int code = query->step();
  if (code == SQLITE_DONE) return std::optional<std::string>{};
  if (code != SQLITE_ROW) return make_error(code);
  return std::optional<std::string>{query->text(0)};
}

Result<core::RoomAccessFacts> SqliteStore::access_facts(const CachedRoom* room,
                                                        const core::Identity& actor) {
  // A room that does not exist is refused like one the actor cannot see.
  if (room == nullptr) return core::RoomAccessFacts{core::RoomKind::private_room, "", false};
  core::RoomAccessFacts facts{room->kind, room->owner_key, true};
  if (core::is_restricted(room->kind)) {
    auto allowed = has_access(room->id, core::access_key_of(actor));
    if (!allowed) return allowed.error();
    facts.actor_has_access = *allowed;
  }
  return facts;
}

template <class T, class Body>
Result<T> SqliteStore::in_transaction(Body&& body) {
  trim_room_cache();
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) {
    return Result<T>(boost::system::in_place_error, begun.error());
  }
  Result<T> done = body();
  if (done) {
    auto committed = run("COMMIT");
    if (committed) return done;
    done = Result<T>(boost::system::in_place_error, committed.error());
  }
  run("ROLLBACK");  // SQLite may have rolled back already; either way none is open after
  rooms_.clear();   // rooms cached inside it may not exist
  return done;
}

namespace {

// A failure that left nothing written: a lock held elsewhere, a full disk.
bool is_transient(const boost::system::error_code& error) {
  if (error.category() != sqlite_category()) return false;
  const int primary = error.value() & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL;
}

}  // namespace

void SqliteStore::trim_room_cache() {
  if (rooms_.size() > max_cached_rooms_) rooms_.clear();
}

Result<RoomRecord> SqliteStore::open_room(const core::RoomName& room) {
  trim_room_cache();
  auto found = find_room(room);
  if (!found) return found.error();
  if (*found) return record_of(**found);
  // Creating a room is a write of its own.
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) return begun.error();
  // A room nobody has written in yet is the least active of all.
  auto created = find_or_create_room(room, now_ms, 0);
  if (!created || !run("COMMIT")) {
    run("ROLLBACK");
    rooms_.clear();
    return created ? make_error(sqlite3_extended_errcode(db_)) : created.error();
  }
  return record_of(**created);
}

Result<std::optional<RoomRecord>> SqliteStore::enter_room(const core::RoomName& room,
                                                          const core::Identity& viewer,
                                                          bool create) {
  if (create && !core::is_reserved_room_name(room)) {
    if (auto opened = open_room(room); !opened) return opened.error();
  }
  trim_room_cache();
  auto found = find_room(room);
  if (!found) return found.error();
  if (*found == nullptr) return std::optional<RoomRecord>{};
  if (core::is_restricted((*found)->kind)) {
    auto allowed = has_access((*found)->id, core::access_key_of(viewer));
    if (!allowed) return allowed.error();
    if (!*allowed) return std::optional<RoomRecord>{};
  }
  return std::optional<RoomRecord>{record_of(**found)};
}

Result<bool> SqliteStore::create_room(const core::RoomName& room, core::RoomKind kind,
                                      const core::Identity& owner, std::int64_t now_ms) {
  return in_transaction<bool>([&]() -> Result<bool> {
    auto found = find_room(room);
    if (!found) return Result<bool>(boost::system::in_place_error, found.error());
    if (*found != nullptr) return false;
    // A public room is open to everyone: nobody holds access to it.
    std::vector<std::pair<std::string, std::string>> holders;
    if (core::is_restricted(kind)) holders.emplace_back(owner.user.key(), owner.user.text());
    // A guest's name may pass to someone else: its rooms have no owner.
    auto inserted =
        insert_room(room, kind, owner.is_guest() ? nullptr : &owner.user, holders, now_ms);
    if (!inserted) return Result<bool>(boost::system::in_place_error, inserted.error());
    return true;
  });
}

Result<std::optional<DirectRoom>> SqliteStore::open_direct(const core::Identity& caller,
                                                           const core::UserName& other,
                                                           std::int64_t now_ms) {
  return in_transaction<std::optional<DirectRoom>>([&]() -> Result<std::optional<DirectRoom>> {
    auto with = account_name(other);
    if (!with) return with.error();
    if (!*with) return std::optional<DirectRoom>{};
    const core::RoomName name = core::direct_room_name(caller.user.key(), other.key());
    auto found = find_room(name);
    if (!found) return found.error();
    const bool created = *found == nullptr;
    if (created) {
      std::vector<std::pair<std::string, std::string>> holders{
          {caller.user.key(), caller.user.text()}};
      // With oneself: one account, so one holder of access.
      if (other.key() != caller.user.key()) holders.emplace_back(other.key(), **with);
      found = insert_room(name, core::RoomKind::direct, nullptr, holders, now_ms);
      if (!found) return found.error();
    }
    return std::optional<DirectRoom>{DirectRoom{record_of(**found), std::move(**with), created}};
  });
}

Result<AccessChange> SqliteStore::grant_access(const core::RoomName& room,
                                               const core::Identity& actor,
                                               const core::UserName& user, std::int64_t now_ms) {
  return in_transaction<AccessChange>([&]() -> Result<AccessChange> {
    AccessChange change;
    auto found = find_room(room);
    if (!found) return found.error();
    auto facts = access_facts(*found, actor);
    if (!facts) return facts.error();
    if ((change.refused = core::refusal_of_invite(*facts, actor))) return change;
    const CachedRoom& target = **found;
    change.room_name = target.name;
    auto name = account_name(user);
    if (!name) return name.error();
    if (!*name) {
      change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
      return change;
    }
    change.user_name = **name;
    // Last in the room's order; nothing when it already has access.
    Statement::Use grant(
        statement("INSERT INTO room_access (room_id, user_key, user_name, grant_order, granted_ms) "
                  "SELECT ?1, ?2, ?3, COALESCE(MAX(grant_order), 0) + 1, ?4 FROM room_access "
                  "WHERE room_id = ?1 ON CONFLICT (room_id, user_key) DO NOTHING"));
    grant->bind(1, target.id).bind(2, user.key()).bind(3, change.user_name).bind(4, now_ms);
    if (const int code = grant->step(); code != SQLITE_DONE) return make_error(code);
    change.changed = sqlite3_changes(db_) > 0;
    return change;
  });
}

Result<AccessChange> SqliteStore::revoke_access(const core::RoomName& room,
                                                const core::Identity& actor,
                                                const core::UserName& user) {
  return in_transaction<AccessChange>([&]() -> Result<AccessChange> {
    AccessChange change;
    auto found = find_room(room);
    if (!found) return found.error();
    auto facts = access_facts(*found, actor);
    if (!facts) return facts.error();
    if ((change.refused = core::refusal_of_removal(*facts, actor, user.key()))) return change;
    const CachedRoom& target = **found;
    change.room_name = target.name;
    auto name = account_name(user);
    if (!name) return name.error();
    if (!*name) {
      change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
      return change;
    }
    change.user_name = **name;
    Statement::Use revoke(statement("DELETE FROM room_access WHERE room_id = ? AND user_key = ?"));
    revoke->bind(1, target.id).bind(2, user.key());
    if (const int code = revoke->step(); code != SQLITE_DONE) return make_error(code);
    change.changed = sqlite3_changes(db_) > 0;
    return change;
  });
}

Result<std::vector<std::string>> SqliteStore::list_access(const core::RoomName& room) {
  Statement::Use query(
      statement("SELECT a.user_name FROM room_access a JOIN rooms r ON r.id = a.room_id "
                "WHERE r.key = ? ORDER BY a.grant_order"));
  query->bind(1, room.key());
  std::vector<std::string> names;
  int code;
  while ((code = query->step()) == SQLITE_ROW) names.push_back(query->text(0));
  if (code != SQLITE_DONE) return make_error(code);
  return names;
}

Result<std::vector<Appended>> SqliteStore::append_batch(std::span<const AppendRequest> requests,
                                                        std::int64_t now_ms) {
  trim_room_cache();
  const auto fail = [&](boost::system::error_code error) -> Result<std::vector<Appended>> {
    run("ROLLBACK");  // SQLite may have rolled back already; either way none is open after
    rooms_.clear();   // the cached last seqs may be ahead of the database now
    last_failure_transient_ = is_transient(error) && sqlite3_get_autocommit(db_) != 0;
    return error;
  };
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) return fail(begun.error());
  std::vector<Appended> results;
  results.reserve(requests.size());
  std::unordered_map<CachedRoom*, std::int64_t> touched;  // room -> its activity stamp

  for (const AppendRequest& request : requests) {
    const bool is_message = request.kind == core::EventKind::message;
    // A message creates its room, unless the name is reserved; an edit,
    // delete or reaction names a message, so its room must exist.
    const bool creates = is_message && !core::is_reserved_room_name(request.room);
    auto room =
        creates ? find_or_create_room(request.room, now_ms, now_ms) : find_room(request.room);
    if (!room) return fail(room.error());
    if (*room == nullptr) {
      results.emplace_back(request.room.text(), 0, 0, false, refusal_without_room(request));
      continue;
    }
    CachedRoom& cached = **room;
    // Before the idempotency check: nobody learns anything of a room it
    // cannot see. Public rooms (kind cached) cost no query here.
    if (core::is_restricted(cached.kind)) {
      auto allowed = has_access(cached.id, core::access_key_of(request.author));
      if (!allowed) return fail(allowed.error());
      if (!*allowed) {
        results.emplace_back(request.room.text(), 0, 0, false,
                             core::Error{core::ErrorCode::not_found, "no such room"});
        continue;
      }
    }
    {
      Statement::Use seen(statement(
          "SELECT seq, ts FROM messages WHERE room_id = ? AND author_id = ? AND client_id = ?"));
      seen->bind(1, cached.id).bind(2, request.author.id).bind(3, request.client_id);
      const int code = seen->step();
      if (code == SQLITE_ROW) {
        results.push_back(
            {cached.name, static_cast<std::uint64_t>(seen->integer(0)), seen->integer(1), true});
        continue;
      }
      if (code != SQLITE_DONE) return fail(make_error(code));
    }
    if (const std::uint64_t named = named_seq(request); named != 0) {
      auto target = find_target(cached.id, named);
      if (!target) return fail(target.error());
      if (auto refused = refusal_of(request, *target, cached.owner_key)) {
        results.emplace_back(cached.name, 0, 0, false, refused);
        continue;
      }
    }
    if (request.kind == core::EventKind::reaction) {
      auto state = find_reaction(cached.id, request);
      if (!state) return fail(state.error());
      if (changes_nothing(request, *state)) {
        results.emplace_back(cached.name, state->set_by, 0, true);
        continue;
      }
    }
    const std::uint64_t seq = cached.last_seq + 1;
    Statement::Use insert(
        statement("INSERT INTO messages (room_id, seq, ts, user_key, user_name, text, client_id, "
                  "author_id, guest, kind, target, reply_to, emoji, reaction_on) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const bool has_text = is_message || request.kind == core::EventKind::edit;
    const bool is_reaction = request.kind == core::EventKind::reaction;
    insert->bind(1, cached.id)
        .bind(2, static_cast<std::int64_t>(seq))
        .bind(3, now_ms)
        .bind(4, request.author.user.key())
        .bind(5, request.author.user.text())
        .bind(6, has_text ? std::string_view(request.text) : std::string_view())
        .bind(7, request.client_id)
        .bind(8, request.author.id)
        .bind(9, std::int64_t{request.author.is_guest()})
        .bind(10, static_cast<std::int64_t>(request.kind))
        .bind(11, static_cast<std::int64_t>(is_message ? 0 : request.target))
        .bind(12, static_cast<std::int64_t>(is_message ? request.reply_to : 0))
        .bind(13, is_reaction ? std::string_view(request.emoji) : std::string_view())
        .bind(14, std::int64_t{is_reaction && request.on});
    if (const int code = insert->step(); code != SQLITE_DONE) return fail(make_error(code));
    if (!is_message) {
      if (auto applied = apply_event(cached.id, seq, now_ms, request); !applied) {
        return fail(applied.error());
      }
    }
    cached.last_seq = seq;
    touched[&cached] = next_activity(now_ms);
    results.push_back({cached.name, seq, now_ms, false});
  }

  for (const auto& [room, activity] : touched) {
    Statement::Use update(
        statement("UPDATE rooms SET last_seq = ?, last_active_ms = ? WHERE id = ?"));
    update->bind(1, static_cast<std::int64_t>(room->last_seq)).bind(2, activity).bind(3, room->id);
    if (const int code = update->step(); code != SQLITE_DONE) return fail(make_error(code));
  }
  if (auto committed = run("COMMIT"); !committed) return fail(committed.error());
  return results;
}

Result<std::optional<TargetMessage>> SqliteStore::find_target(std::int64_t room_id,
                                                              std::uint64_t seq) {
  Statement::Use query(
      statement("SELECT kind, author_id, deleted FROM messages WHERE room_id = ? AND seq = ?"));
  query->bind(1, room_id)
      .bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(seq, INT64_MAX)));
  const int code = query->step();
  if (code == SQLITE_DONE) return std::optional<TargetMessage>{};
  if (code != SQLITE_ROW) return make_error(code);
  return std::optional<TargetMessage>{TargetMessage{static_cast<core::EventKind>(query->integer(0)),
                                                    query->text(1), query->integer(2) != 0}};
}

Result<ReactionState> SqliteStore::find_reaction(std::int64_t room_id,
                                                 const AppendRequest& request) {
  Statement::Use query(
      statement("SELECT is_on, set_by FROM reactions "
                "WHERE room_id = ? AND target = ? AND author_id = ? AND emoji = ?"));
  query->bind(1, room_id)
      .bind(2, static_cast<std::int64_t>(request.target))
      .bind(3, request.author.id)
      .bind(4, request.emoji);
  const int code = query->step();
  if (code == SQLITE_DONE) return ReactionState{};
  if (code != SQLITE_ROW) return make_error(code);
  return ReactionState{query->integer(0) != 0, static_cast<std::uint64_t>(query->integer(1))};
}

Result<void> SqliteStore::apply_event(std::int64_t room_id, std::uint64_t seq, std::int64_t now_ms,
                                      const AppendRequest& request) {
  const auto target = static_cast<std::int64_t>(request.target);
  const auto step = [](Statement::Use& use) -> Result<void> {
    if (const int code = use->step(); code != SQLITE_DONE) return make_error(code);
    return {};
  };
  switch (request.kind) {
    case core::EventKind::edit: {
      Statement::Use update(
          statement("UPDATE messages SET text = ?, edited_ts = ? WHERE room_id = ? AND seq = ?"));
      update->bind(1, request.text).bind(2, now_ms).bind(3, room_id).bind(4, target);
      return step(update);
    }
    case core::EventKind::deletion: {
      // The text goes for good: from the message, and from every edit of it.
      Statement::Use message(
          statement("UPDATE messages SET text = '', deleted = 1 WHERE room_id = ? AND seq = ?"));
      message->bind(1, room_id).bind(2, target);
      if (auto done = step(message); !done) return done;
      Statement::Use edits(
          statement("UPDATE messages SET text = '', deleted = 1 "
                    "WHERE room_id = ? AND target = ? AND kind = 1"));
      edits->bind(1, room_id).bind(2, target);
      if (auto done = step(edits); !done) return done;
      Statement::Use reactions(statement("DELETE FROM reactions WHERE room_id = ? AND target = ?"));
      reactions->bind(1, room_id).bind(2, target);
      return step(reactions);
    }
    case core::EventKind::reaction: {
      Statement::Use upsert(statement(
          "INSERT INTO reactions (room_id, target, author_id, emoji, user_name, is_on, set_by) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, target, author_id, emoji) "
          "DO UPDATE SET user_name = excluded.user_name, is_on = excluded.is_on, "
          "set_by = excluded.set_by"));
      upsert->bind(1, room_id)
          .bind(2, target)
          .bind(3, request.author.id)
          .bind(4, request.emoji)
          .bind(5, request.author.user.text())
          .bind(6, std::int64_t{request.on})
          .bind(7, static_cast<std::int64_t>(seq));
      return step(upsert);
    }
    case core::EventKind::message:
      break;
  }
  return {};
}

Result<void> SqliteStore::add_reactions(std::int64_t room_id,
                                        std::vector<StoredMessage>& messages) {
  if (messages.empty()) return {};
  Statement::Use query(
      statement("SELECT target, emoji, user_name FROM reactions "
                "WHERE room_id = ? AND target >= ? AND target <= ? AND is_on = 1 ORDER BY set_by"));
  query->bind(1, room_id)
      .bind(2, static_cast<std::int64_t>(messages.front().seq))
      .bind(3, static_cast<std::int64_t>(messages.back().seq));
  std::unordered_map<std::uint64_t, StoredMessage*> by_seq;
  for (StoredMessage& message : messages) by_seq[message.seq] = &message;
  int code;
  while ((code = query->step()) == SQLITE_ROW) {
    auto found = by_seq.find(static_cast<std::uint64_t>(query->integer(0)));
    if (found == by_seq.end()) continue;
    add_reaction(found->second->reactions, query->text(1), query->text(2));
  }
  if (code != SQLITE_DONE) return make_error(code);
  return {};
}

Result<std::vector<StoredMessage>> SqliteStore::read_messages(const RangeQuery& range) {
  std::vector<StoredMessage> messages;
  trim_room_cache();
  auto found = find_room(range.room);
  if (!found) return found.error();
  // Seqs are stored as signed 64-bit integers: none comes after INT64_MAX.
  if (!*found || range.up_to <= range.after || range.after >= INT64_MAX || range.limit == 0)
    return messages;
  // Read from the end that is kept, and stop at the count or the bytes.
  const bool newest = range.keep == Keep::newest;
  const bool final_view = range.view == View::final_messages;
#define PARLEY_READ_COLUMNS                                                                        \
  "SELECT seq, ts, user_name, text, client_id, author_id, guest, kind, target, reply_to, "         \
  "emoji, reaction_on, edited_ts, deleted FROM messages WHERE room_id = ? AND seq > ? AND seq <= " \
  "? "
  Statement::Use query(
      statement(final_view ? (newest ? PARLEY_READ_COLUMNS "AND kind = 0 ORDER BY seq DESC LIMIT ?"
                                     : PARLEY_READ_COLUMNS "AND kind = 0 ORDER BY seq ASC LIMIT ?")
                           : (newest ? PARLEY_READ_COLUMNS "ORDER BY seq DESC LIMIT ?"
                                     : PARLEY_READ_COLUMNS "ORDER BY seq ASC LIMIT ?")));
#undef PARLEY_READ_COLUMNS
  query->bind(1, (*found)->id)
      .bind(2, static_cast<std::int64_t>(range.after))
      .bind(3, static_cast<std::int64_t>(std::min<std::uint64_t>(range.up_to, INT64_MAX)))
      .bind(4, static_cast<std::int64_t>(std::min<std::size_t>(range.limit, INT64_MAX)));
  std::size_t bytes = 0;
  int code;
  while ((code = query->step()) == SQLITE_ROW) {
    StoredMessage message{static_cast<std::uint64_t>(query->integer(0)),
                          query->integer(1),
                          query->text(2),
                          query->text(3),
                          query->text(4),
                          query->text(5),
                          query->integer(6) != 0};
    message.kind = static_cast<core::EventKind>(query->integer(7));
    message.target = static_cast<std::uint64_t>(query->integer(8));
    message.reply_to = static_cast<std::uint64_t>(query->integer(9));
    message.emoji = query->text(10);
    message.on = query->integer(11) != 0;
    message.edited_ts = query->integer(12);
    message.deleted = query->integer(13) != 0;
    bytes += message_bytes(message);
    if (!messages.empty() && bytes > range.max_bytes) {
      if (range.stopped_by_bytes != nullptr) *range.stopped_by_bytes = true;
      code = SQLITE_DONE;
      break;
    }
    messages.push_back(std::move(message));
  }
  if (code != SQLITE_DONE) return make_error(code);
  if (newest) std::reverse(messages.begin(), messages.end());
  // Reactions are small next to the bytes cap: added after it was applied.
  if (final_view) {
    if (auto added = add_reactions((*found)->id, messages); !added) return added.error();
  }
  return messages;
}

Result<std::vector<RoomRecord>> SqliteStore::list_rooms(std::size_t limit) {
  Statement::Use query(
      statement("SELECT name, last_seq, last_active_ms FROM rooms WHERE kind = 0 "
                "ORDER BY last_active_ms DESC, id DESC LIMIT ?"));
  query->bind(1, static_cast<std::int64_t>(limit));
  std::vector<RoomRecord> rooms;
  int code;
  while ((code = query->step()) == SQLITE_ROW) {
    rooms.push_back(
        {query->text(0), static_cast<std::uint64_t>(query->integer(1)), query->integer(2)});
  }
  if (code != SQLITE_DONE) return make_error(code);
  return rooms;
}

Result<std::optional<ReadMarker>> SqliteStore::mark_read(const std::string& reader,
                                                         const core::RoomName& room,
                                                         std::optional<std::uint64_t> seq) {
  trim_room_cache();
  auto found = find_room(room);
  if (!found) return found.error();
  if (*found == nullptr) return std::optional<ReadMarker>{};
  const CachedRoom& cached = **found;
  if (core::is_restricted(cached.kind)) {
    auto allowed = has_access(cached.id, core::access_key_of_id(reader));
    if (!allowed) return allowed.error();
    if (!*allowed) return std::optional<ReadMarker>{};
  }
  // One statement, so no transaction: a new marker starts at `seq` or, when
  // the reader only came in, at the room's end; an old one only moves forward.
  Statement::Use upsert(
      statement(seq ? "INSERT INTO read_markers (reader, room_id, read_seq) VALUES (?, ?, ?) "
                      "ON CONFLICT (reader, room_id) DO UPDATE SET "
                      "read_seq = max(read_seq, excluded.read_seq) RETURNING read_seq"
                    : "INSERT INTO read_markers (reader, room_id, read_seq) VALUES (?, ?, ?) "
                      "ON CONFLICT (reader, room_id) DO UPDATE SET read_seq = read_seq "
                      "RETURNING read_seq"));
  const std::uint64_t marker = seq ? std::min(*seq, cached.last_seq) : cached.last_seq;
  upsert->bind(1, reader).bind(2, cached.id).bind(3, static_cast<std::int64_t>(marker));
  const int code = upsert->step();
  if (code != SQLITE_ROW) return make_error(code);
  const auto stored = static_cast<std::uint64_t>(upsert->integer(0));
  if (const int done = upsert->step(); done != SQLITE_DONE) return make_error(done);
  return std::optional<ReadMarker>{ReadMarker{cached.name, stored}};
}

Result<std::vector<RoomReading>> SqliteStore::list_reading(const core::Identity& reader,
                                                           std::size_t limit) {
  struct Row {
    std::int64_t room_id;
    RoomReading reading;
  };
  std::vector<Row> rows;
  {
    // The reader's rooms: those it has a marker in (through the markers'
    // key) and those it has access to (through room_access_by_user); of
    // them, the public rooms with a marker and the restricted ones with
    // access (a restricted room counts from its start without a marker).
    Statement::Use query(statement(
        "WITH mine (room_id) AS (SELECT room_id FROM read_markers WHERE reader = ?1 "
        "UNION SELECT room_id FROM room_access WHERE user_key = ?2) "
        "SELECT r.id, r.name, r.last_seq, COALESCE(m.read_seq, 0), "
        "(SELECT COUNT(*) FROM messages x WHERE x.room_id = r.id "
        "AND x.seq > COALESCE(m.read_seq, 0) AND x.kind = 0 AND x.deleted = 0 "
        "AND x.author_id <> ?1), r.kind, "
        "CASE WHEN r.kind = 2 THEN (SELECT w.user_name FROM room_access w WHERE w.room_id = r.id "
        "AND w.user_key <> ?2 ORDER BY w.grant_order DESC LIMIT 1) END "
        "FROM mine JOIN rooms r ON r.id = mine.room_id "
        "LEFT JOIN read_markers m ON m.reader = ?1 AND m.room_id = r.id "
        "WHERE (r.kind = 0 AND m.read_seq IS NOT NULL) OR (r.kind <> 0 AND EXISTS "
        "(SELECT 1 FROM room_access a WHERE a.room_id = r.id AND a.user_key = ?2)) "
        "ORDER BY r.last_active_ms DESC, r.id DESC LIMIT ?3"));
    query->bind(1, reader.id)
        .bind(2, core::access_key_of(reader))
        .bind(3, static_cast<std::int64_t>(limit));
    int code;
    while ((code = query->step()) == SQLITE_ROW) {
      RoomReading reading{query->text(1), static_cast<std::uint64_t>(query->integer(2)),
                          static_cast<std::uint64_t>(query->integer(3)),
                          static_cast<std::uint64_t>(query->integer(4))};
      reading.kind = static_cast<core::RoomKind>(query->integer(5));
      reading.with = query->text(6);
      rows.push_back({query->integer(0), std::move(reading)});
    }
    if (code != SQLITE_DONE) return make_error(code);
  }
  // LIKE (case-insensitive for ASCII, as names are) finds the candidates;
  // core::mentions decides on whole words.
  const std::string pattern = core::mention_candidates_pattern(reader.user);
  for (Row& row : rows) {
    if (row.reading.unread == 0) continue;
    Statement::Use query(statement(
        "SELECT text FROM messages WHERE room_id = ? AND seq > ? AND kind = 0 AND deleted = 0 "
        "AND author_id <> ? AND text LIKE ? ESCAPE '\\'"));
    query->bind(1, row.room_id)
        .bind(2, static_cast<std::int64_t>(row.reading.read_seq))
        .bind(3, reader.id)
        .bind(4, pattern);
    int code;
    while ((code = query->step()) == SQLITE_ROW) {
      if (core::mentions(query->text(0), reader.user)) ++row.reading.mentions;
    }
    if (code != SQLITE_DONE) return make_error(code);
  }
  std::vector<RoomReading> readings;
  readings.reserve(rows.size());
  for (Row& row : rows) readings.push_back(std::move(row.reading));
  return readings;
}

Result<bool> SqliteStore::create_account(const core::UserName& user,
                                         const std::string& password_hash, std::int64_t now_ms) {
  // The store thread runs one job at a time, so check-then-insert is atomic.
  auto taken = is_name_taken(user, now_ms);
  if (!taken) return Result<bool>(boost::system::in_place_error, taken.error());
  if (*taken) return false;
  Statement::Use insert(
      statement("INSERT INTO accounts (key, name, password_hash, created_ms) VALUES (?, ?, ?, ?)"));
  insert->bind(1, user.key()).bind(2, user.text()).bind(3, password_hash).bind(4, now_ms);
  if (const int code = insert->step(); code != SQLITE_DONE)
    return Result<bool>(boost::system::in_place_error, make_error(code));
  return true;
}

Result<std::optional<Account>> SqliteStore::find_account(const core::UserName& user) {
  Statement::Use query(statement("SELECT name, password_hash FROM accounts WHERE key = ?"));
  query->bind(1, user.key());
  const int code = query->step();
  if (code == SQLITE_DONE) return std::optional<Account>{};
  if (code != SQLITE_ROW) return make_error(code);
  return std::optional<Account>{Account{query->text(0), query->text(1)}};
}

Result<bool> SqliteStore::is_name_taken(const core::UserName& user, std::int64_t now_ms) {
  Statement::Use query(statement(
      "SELECT EXISTS (SELECT 1 FROM accounts WHERE key = ?1) OR EXISTS (SELECT 1 FROM sessions "
      "WHERE user_key = ?1 AND guest = 1 AND expires_ms > ?2)"));
  query->bind(1, user.key()).bind(2, now_ms);
  const int code = query->step();
  if (code != SQLITE_ROW) return Result<bool>(boost::system::in_place_error, make_error(code));
  return query->integer(0) != 0;
}

Result<bool> SqliteStore::create_session(const SessionRecord& session, std::int64_t now_ms) {
  auto name = core::UserName::parse(session.user_name);
  if (!name) return false;
  if (session.guest) {
    auto taken = is_name_taken(*name, now_ms);
    if (!taken) return Result<bool>(boost::system::in_place_error, taken.error());
    if (*taken) return false;
  }
  Statement::Use insert(statement(
      "INSERT INTO sessions (id_digest, user_key, user_name, guest, csrf_token, created_ms, "
      "expires_ms, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  insert->bind(1, session.id_digest)
      .bind(2, name->key())
      .bind(3, name->text())
      .bind(4, std::int64_t{session.guest})
      .bind(5, session.csrf_token)
      .bind(6, now_ms)
      .bind(7, session.expires_ms)
      .bind(8, session.owner);
  if (const int code = insert->step(); code != SQLITE_DONE)
    return Result<bool>(boost::system::in_place_error, make_error(code));
  return true;
}

Result<std::optional<SessionRecord>> SqliteStore::find_session(const std::string& id_digest,
                                                               std::int64_t now_ms) {
  Statement::Use query(
      statement("SELECT user_name, guest, csrf_token, expires_ms, owner FROM sessions "
                "WHERE id_digest = ? AND expires_ms > ?"));
  query->bind(1, id_digest).bind(2, now_ms);
  const int code = query->step();
  if (code == SQLITE_DONE) return std::optional<SessionRecord>{};
  if (code != SQLITE_ROW) return make_error(code);
  return std::optional<SessionRecord>{SessionRecord{id_digest, query->text(0),
                                                    query->integer(1) != 0, query->text(2),
                                                    query->integer(3), query->text(4)}};
}

Result<void> SqliteStore::extend_session(const std::string& id_digest, std::int64_t expires_ms) {
  Statement::Use update(statement("UPDATE sessions SET expires_ms = ? WHERE id_digest = ?"));
  update->bind(1, expires_ms).bind(2, id_digest);
  if (const int code = update->step(); code != SQLITE_DONE) return make_error(code);
  return {};
}

Result<std::size_t> SqliteStore::extend_live_sessions(const std::vector<std::string>& id_digests,
                                                      std::int64_t expires_ms,
                                                      std::int64_t now_ms) {
  // One transaction: one sync for the lot, however many there are.
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) return begun.error();
  std::size_t moved = 0;
  for (const std::string& digest : id_digests) {
    Statement::Use update(
        statement("UPDATE sessions SET expires_ms = ? WHERE id_digest = ? AND expires_ms > ?"));
    update->bind(1, expires_ms).bind(2, digest).bind(3, now_ms);
    if (const int code = update->step(); code != SQLITE_DONE) {
      run("ROLLBACK");
      return make_error(code);
    }
    moved += static_cast<std::size_t>(sqlite3_changes(db_));
  }
  if (auto committed = run("COMMIT"); !committed) {
    run("ROLLBACK");
    return committed.error();
  }
  return moved;
}

Result<void> SqliteStore::delete_session(const std::string& id_digest) {
  Statement::Use remove(statement("DELETE FROM sessions WHERE id_digest = ?"));
  remove->bind(1, id_digest);
  if (const int code = remove->step(); code != SQLITE_DONE) return make_error(code);
  return {};
}

Result<std::size_t> SqliteStore::delete_expired_sessions(std::int64_t now_ms) {
  // Through sessions_by_expiry (schema 3).
  Statement::Use remove(statement("DELETE FROM sessions WHERE expires_ms <= ?"));
  remove->bind(1, now_ms);
  if (const int code = remove->step(); code != SQLITE_DONE)
    return Result<std::size_t>(boost::system::in_place_error, make_error(code));
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

Result<void> SqliteStore::create_token(const TokenRecord& token) {
  auto name = core::UserName::parse(token.user_name);
  if (!name) return make_error(SQLITE_CONSTRAINT);
  Statement::Use insert(statement(
      "INSERT INTO tokens (id, digest, user_key, user_name, created_ms) VALUES (?, ?, ?, ?, ?)"));
  insert->bind(1, token.id)
      .bind(2, token.digest)
      .bind(3, name->key())
      .bind(4, name->text())
      .bind(5, token.created_ms);
  if (const int code = insert->step(); code != SQLITE_DONE) return make_error(code);
  return {};
}

Result<std::optional<TokenRecord>> SqliteStore::find_token(const std::string& digest) {
  Statement::Use query(
      statement("SELECT id, user_name, created_ms FROM tokens WHERE digest = ? AND revoked = 0"));
  query->bind(1, digest);
  const int code = query->step();
  if (code == SQLITE_DONE) return std::optional<TokenRecord>{};
  if (code != SQLITE_ROW) return make_error(code);
  return std::optional<TokenRecord>{
      TokenRecord{query->text(0), digest, query->text(1), query->integer(2)}};
}

Result<std::vector<TokenRecord>> SqliteStore::list_tokens(const core::UserName& user) {
  Statement::Use query(statement(
      "SELECT id, user_name, created_ms, digest FROM tokens WHERE user_key = ? AND revoked = 0 "
      "ORDER BY created_ms, id"));
  query->bind(1, user.key());
  std::vector<TokenRecord> tokens;
  int code;
  while ((code = query->step()) == SQLITE_ROW) {
    tokens.push_back(
        TokenRecord{query->text(0), query->text(3), query->text(1), query->integer(2)});
  }
  if (code != SQLITE_DONE) return make_error(code);
  return tokens;
}

Result<std::size_t> SqliteStore::count_live_tokens(const core::UserName& user) {
  Statement::Use query(statement("SELECT COUNT(*) FROM tokens WHERE user_key = ? AND revoked = 0"));
  query->bind(1, user.key());
  if (const int code = query->step(); code != SQLITE_ROW)
    return Result<std::size_t>(boost::system::in_place_error, make_error(code));
  return static_cast<std::size_t>(query->integer(0));
}

Result<bool> SqliteStore::revoke_token(const core::UserName& user, const std::string& id) {
  Statement::Use update(
      statement("UPDATE tokens SET revoked = 1 WHERE id = ? AND user_key = ? AND revoked = 0"));
  update->bind(1, id).bind(2, user.key());
  if (const int code = update->step(); code != SQLITE_DONE)
    return Result<bool>(boost::system::in_place_error, make_error(code));
  return sqlite3_changes(db_) > 0;
}

Result<void> SqliteStore::check() {
  Statement::Use query(statement("SELECT 1"));
  const int code = query->step();
  if (code != SQLITE_ROW) return make_error(code);
  return {};
}

}  // namespace parley::store
