// The SQLite schema's numbered migrations: databases written by earlier
// releases open and upgrade without loss, each migration once and whole, and a
// database from a later release is refused.
#include "store/sqlite/sqlite_migrations.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_folder.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

core::RoomName room(std::string_view name) {
  return *core::RoomName::parse(name);
}

// A message by the account of `author`.
AppendRequest message(std::string_view room_name, std::string_view author, std::string text,
                      std::string id) {
  return {room(room_name), core::Identity::account(*core::UserName::parse(author)), std::move(text),
          std::move(id)};
}

// Runs `sql` on the database at `path` with a connection of its own.
void run_sql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// Runs `sql` on the database at `path` with a connection of its own; answers
// the first column of the first row as text ("" when none).
std::string query_text(const fs::path& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string answer;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_exec(
        db, sql,
        [](void* out, int, char** values, char**) {
          if (values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
          return 1;  // the first row is enough
        },
        &answer, nullptr);
  }
  sqlite3_close(db);
  return answer;
}

// What opening the database at `path` throws; "" when it opens.
std::string opening_error(const fs::path& path) {
  try {
    SqliteStore store(SqliteOptions{path, Durability::normal});
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

TEST(SqliteMigrations, AreNumberedFromOneInOrderAndTheLatestIsTheLastOne) {
  int expected = 1;
  for (const Migration& migration : sqlite_migrations()) EXPECT_EQ(migration.version, expected++);
  EXPECT_EQ(latest_sqlite_schema_version(), expected - 1);
}

TEST(SqliteMigrations, ANewDatabaseIsCreatedAtTheLatestVersion) {
  tests::TempFolder dir;
  { SqliteStore store(SqliteOptions{dir.path / "new.db", Durability::normal}); }
  EXPECT_EQ(query_text(dir.path / "new.db", "PRAGMA user_version"),
            std::to_string(latest_sqlite_schema_version()));
}

// Schema version 2, as parley wrote it before messages had author ids.
constexpr const char* kVersion2Schema = R"sql(
    CREATE TABLE rooms (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,
      last_active_ms INTEGER NOT NULL);
    CREATE INDEX rooms_by_activity ON rooms (last_active_ms DESC);
    CREATE TABLE messages (room_id INTEGER NOT NULL REFERENCES rooms (id), seq INTEGER NOT NULL,
      ts INTEGER NOT NULL, user_key TEXT NOT NULL, user_name TEXT NOT NULL, text TEXT NOT NULL,
      client_id TEXT NOT NULL, PRIMARY KEY (room_id, seq)) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (room_id, user_key, client_id);
    CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, password_hash TEXT NOT NULL,
      created_ms INTEGER NOT NULL);
    CREATE TABLE sessions (id_digest TEXT PRIMARY KEY, user_key TEXT NOT NULL,
      user_name TEXT NOT NULL, guest INTEGER NOT NULL, csrf_token TEXT NOT NULL,
      created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
    CREATE INDEX sessions_by_guest_name ON sessions (user_key, guest, expires_ms);
    CREATE TABLE tokens (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,
      user_key TEXT NOT NULL, user_name TEXT NOT NULL, created_ms INTEGER NOT NULL,
      revoked INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX tokens_by_user ON tokens (user_key);
    INSERT INTO rooms VALUES (1, 'lobby', 'Lobby', 2, 1, 2);
    INSERT INTO accounts VALUES ('alice', 'Alice', 'hash', 1);
    INSERT INTO messages VALUES (1, 1, 1, 'alice', 'Alice', 'from the account', 'm1');
    INSERT INTO messages VALUES (1, 2, 2, 'gus', 'Gus', 'from a guest', 'm1');
    INSERT INTO sessions VALUES ('account-session', 'alice', 'Alice', 0, 'c1', 1, 9000000000000);
    INSERT INTO sessions VALUES ('guest-session', 'gus', 'Gus', 1, 'c2', 1, 9000000000000);
    PRAGMA user_version = 2;
)sql";

TEST(SqliteMigrations, ASchema2DatabaseUpgradesWithoutLossKeepingIdempotency) {
  tests::TempFolder dir;
  const fs::path path = dir.path / "old.db";
  run_sql(path, kVersion2Schema);
  {
    SqliteStore store(SqliteOptions{path, Durability::normal});
    auto stored = store.read_range(room("lobby"), 0, 100, 100);
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->size(), 2u);
    EXPECT_EQ((*stored)[0].text, "from the account");
    EXPECT_EQ((*stored)[0].user, "Alice");
    EXPECT_EQ((*stored)[0].author_id, "a:alice");
    EXPECT_FALSE((*stored)[0].guest);
    EXPECT_EQ((*stored)[1].text, "from a guest");
    EXPECT_TRUE((*stored)[1].guest);
    EXPECT_EQ((*stored)[1].author_id, "n:gus");

    // The account's retry of m1 is still its first message; a new account
    // named like the old guest is not the guest.
    const AppendRequest again[] = {message("lobby", "alice", "retried", "m1"),
                                   message("lobby", "gus", "a new account's", "m1")};
    auto appended = store.append_batch(again, 10);
    ASSERT_TRUE(appended);
    EXPECT_TRUE((*appended)[0].duplicate);
    EXPECT_EQ((*appended)[0].seq, 1u);
    EXPECT_FALSE((*appended)[1].duplicate);
    EXPECT_EQ((*appended)[1].seq, 3u);

    auto account_session = store.find_session("account-session", 10);
    ASSERT_TRUE(account_session && *account_session);
    EXPECT_EQ((*account_session)->owner, "a:alice");
    auto guest_session = store.find_session("guest-session", 10);
    ASSERT_TRUE(guest_session && *guest_session);
    EXPECT_TRUE((*guest_session)->owner.starts_with("g:")) << (*guest_session)->owner;
    EXPECT_GT((*guest_session)->owner.size(), 10u) << "a random public id";
  }
  EXPECT_EQ(query_text(path, "PRAGMA user_version"),
            std::to_string(latest_sqlite_schema_version()));
  EXPECT_EQ(query_text(path,
                       "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                       "name = 'sessions_by_expiry'"),
            "sessions_by_expiry");
  // Migration 4: the old rows are plain messages, neither edited nor deleted.
  EXPECT_EQ(query_text(path,
                       "SELECT COUNT(*) FROM messages WHERE kind = 0 AND deleted = 0 AND "
                       "edited_ts = 0 AND target = 0 AND reply_to = 0"),
            "3");
  // Opened again, nothing is migrated twice.
  SqliteStore reopened(SqliteOptions{path, Durability::normal});
  EXPECT_EQ(reopened.read_range(room("lobby"), 0, 100, 100)->size(), 3u);
}

TEST(SqliteMigrations, AMigrationThatFailsLeavesNothingOfItselfApplied) {
  tests::TempFolder dir;
  const fs::path path = dir.path / "old.db";
  // A table named like the index migration 3 creates last, after its other
  // changes: the migration fails at its end.
  run_sql(path, std::string(kVersion2Schema) + "CREATE TABLE sessions_by_expiry (x);");
  const std::string error = opening_error(path);
  EXPECT_NE(error.find("migration 3"), std::string::npos) << error;
  EXPECT_EQ(query_text(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(query_text(path,
                       "SELECT COUNT(*) FROM pragma_table_info('messages') "
                       "WHERE name = 'author_id'"),
            "0")
      << "the columns it added first were rolled back";
  EXPECT_EQ(query_text(path, "SELECT COUNT(*) FROM messages"), "2");
}

TEST(SqliteMigrations, ADatabaseFromALaterReleaseIsRefusedAndLeftUntouched) {
  tests::TempFolder dir;
  const fs::path path = dir.path / "later.db";
  { SqliteStore store(SqliteOptions{path, Durability::normal}); }
  const int later = latest_sqlite_schema_version() + 1;
  run_sql(path, "PRAGMA user_version = " + std::to_string(later));
  const std::string error = opening_error(path);
  EXPECT_NE(error.find("schema version " + std::to_string(later)), std::string::npos) << error;
  EXPECT_NE(error.find("newer than this parley knows (" +
                       std::to_string(latest_sqlite_schema_version()) + ")"),
            std::string::npos)
      << error;
  EXPECT_EQ(query_text(path, "PRAGMA user_version"), std::to_string(later));
}

}  // namespace
}  // namespace parley::store
