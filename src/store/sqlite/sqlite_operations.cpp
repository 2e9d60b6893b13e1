// SqliteStore: what the operator does (parley admin), from another process
// while the server runs. Every change is one transaction; the server's
// connection sees it through PRAGMA data_version (forget_rooms_if_changed).
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_statement.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {
namespace {

// An error as any Result: Result<bool> cannot tell an error_code from a bool.
struct Failure {
  boost::system::error_code error;
  template <class T>
  operator Result<T>() const {  // NOLINT(google-explicit-constructor)
    return Result<T>(boost::system::in_place_error, error);
  }
};

Result<void> done_or_error(int code) {
  if (code != SQLITE_DONE) return Failure{make_sqlite_error(code)};
  return {};
}

}  // namespace

Result<ServerRole> SqliteStore::server_role_of(const core::Identity& author) {
  const std::string key = core::access_key_of(author);
  if (key.empty()) return ServerRole::member;
  Statement::Use query(statement("SELECT is_admin FROM accounts WHERE key = ?"));
  query->bind(1, key);
  const int code = query->step();
  if (code == SQLITE_DONE) return ServerRole::member;
  if (code != SQLITE_ROW) return Failure{make_sqlite_error(code)};
  return query->integer(0) != 0 ? ServerRole::admin : ServerRole::member;
}

Result<bool> SqliteStore::set_password(const core::UserName& user,
                                       const std::string& password_hash) {
  return in_transaction<bool>([&]() -> Result<bool> {
    Statement::Use update(statement("UPDATE accounts SET password_hash = ? WHERE key = ?"));
    update->bind(1, password_hash).bind(2, user.key());
    if (auto done = done_or_error(update->step()); !done) return Failure{done.error()};
    if (sqlite3_changes(db_) == 0) return false;
    Statement::Use sessions(statement("DELETE FROM sessions WHERE user_key = ? AND guest = 0"));
    sessions->bind(1, user.key());
    if (auto done = done_or_error(sessions->step()); !done) return Failure{done.error()};
    Statement::Use tokens(
        statement("UPDATE tokens SET revoked = 1 WHERE user_key = ? AND revoked = 0"));
    tokens->bind(1, user.key());
    if (auto done = done_or_error(tokens->step()); !done) return Failure{done.error()};
    return true;
  });
}

Result<bool> SqliteStore::set_server_role(const core::UserName& user, ServerRole role) {
  return in_transaction<bool>([&]() -> Result<bool> {
    Statement::Use update(statement("UPDATE accounts SET is_admin = ? WHERE key = ?"));
    update->bind(1, std::int64_t{role == ServerRole::admin}).bind(2, user.key());
    if (auto done = done_or_error(update->step()); !done) return Failure{done.error()};
    return sqlite3_changes(db_) > 0;
  });
}

Result<void> SqliteStore::delete_room_rows(std::int64_t room_id) {
  for (const char* sql :
       {"DELETE FROM reactions WHERE room_id = ?", "DELETE FROM read_markers WHERE room_id = ?",
        "DELETE FROM room_access WHERE room_id = ?", "DELETE FROM messages WHERE room_id = ?",
        "DELETE FROM rooms WHERE id = ?"}) {
    Statement::Use remove(statement(sql));
    remove->bind(1, room_id);
    if (auto done = done_or_error(remove->step()); !done) return done;
  }
  return {};
}

Result<bool> SqliteStore::delete_account(const core::UserName& user, std::int64_t now_ms) {
  auto deleted = in_transaction<bool>([&]() -> Result<bool> {
    auto name = account_name(user);
    if (!name) return Failure{name.error()};
    if (!*name) return false;
    const std::string id = core::account_id_of(user.key());
    // Its direct conversations go whole: the other person keeps no half.
    std::vector<std::int64_t> direct;
    {
      Statement::Use query(
          statement("SELECT r.id FROM room_access a JOIN rooms r ON r.id = a.room_id "
                    "WHERE a.user_key = ? AND r.kind = ?"));
      query->bind(1, user.key()).bind(2, static_cast<std::int64_t>(core::RoomKind::direct));
      int code;
      while ((code = query->step()) == SQLITE_ROW) direct.push_back(query->integer(0));
      if (code != SQLITE_DONE) return Failure{make_sqlite_error(code)};
    }
    for (const std::int64_t room_id : direct) {
      if (auto done = delete_room_rows(room_id); !done) return Failure{done.error()};
    }
    const std::string retired = "x:" + user.key() + ":" + std::to_string(now_ms);
    const std::string_view key = user.key();
    const std::pair<const char*, std::string_view> removals[] = {
        {"DELETE FROM sessions WHERE user_key = ? AND guest = 0", key},
        {"DELETE FROM tokens WHERE user_key = ?", key},
        {"DELETE FROM read_markers WHERE reader = ?", id},
        {"DELETE FROM room_access WHERE user_key = ?", key},
        {"UPDATE rooms SET owner_key = NULL, owner_name = NULL WHERE owner_key = ?", key},
        {"DELETE FROM accounts WHERE key = ?", key},
    };
    for (const auto& [sql, value] : removals) {
      Statement::Use use(statement(sql));
      use->bind(1, value);
      if (auto done = done_or_error(use->step()); !done) return Failure{done.error()};
    }
    for (const char* sql : {"UPDATE messages SET author_id = ? WHERE author_id = ?",
                            "UPDATE reactions SET author_id = ? WHERE author_id = ?"}) {
      Statement::Use retire(statement(sql));
      retire->bind(1, std::string_view(retired)).bind(2, std::string_view(id));
      if (auto done = done_or_error(retire->step()); !done) return Failure{done.error()};
    }
    return true;
  });
  rooms_.clear();  // owners changed, rooms went: this store's own commit
  return deleted;
}

Result<std::vector<RoomSummary>> SqliteStore::list_all_rooms() {
  Statement::Use query(statement(
      "SELECT r.name, r.kind, (SELECT COUNT(*) FROM messages m WHERE m.room_id = r.id "
      "AND m.kind = 0 AND m.deleted = 0), COALESCE((SELECT m.ts FROM messages m "
      "WHERE m.room_id = r.id ORDER BY m.seq DESC LIMIT 1), 0) FROM rooms r ORDER BY r.key"));
  std::vector<RoomSummary> rooms;
  int code;
  while ((code = query->step()) == SQLITE_ROW) {
    rooms.push_back({query->text(0), static_cast<core::RoomKind>(query->integer(1)),
                     static_cast<std::uint64_t>(query->integer(2)), query->integer(3)});
  }
  if (code != SQLITE_DONE) return Failure{make_sqlite_error(code)};
  return rooms;
}

Result<bool> SqliteStore::delete_room(const core::RoomName& room) {
  auto deleted = in_transaction<bool>([&]() -> Result<bool> {
    Statement::Use query(statement("SELECT id FROM rooms WHERE key = ?"));
    query->bind(1, room.key());
    const int code = query->step();
    if (code == SQLITE_DONE) return false;
    if (code != SQLITE_ROW) return Failure{make_sqlite_error(code)};
    const std::int64_t id = query->integer(0);
    query->reset();
    if (auto done = delete_room_rows(id); !done) return Failure{done.error()};
    return true;
  });
  rooms_.clear();
  return deleted;
}

}  // namespace parley::store
