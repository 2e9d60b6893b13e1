#include "store/sqlite/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <array>
#include <stdexcept>
#include <string>

namespace parley::store {
namespace {

// Append only: a migration that has shipped is never edited, since databases
// that applied it will not apply it again. Change the schema with a new one.
constexpr std::array kMigrations = {
    Migration{1, "rooms and messages", R"sql(
    CREATE TABLE rooms (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0,
      created_ms INTEGER NOT NULL,
      last_active_ms INTEGER NOT NULL
    );
    CREATE INDEX rooms_by_activity ON rooms (last_active_ms DESC);
    CREATE TABLE messages (
      room_id INTEGER NOT NULL REFERENCES rooms (id),
      seq INTEGER NOT NULL,
      ts INTEGER NOT NULL,
      user_key TEXT NOT NULL,
      user_name TEXT NOT NULL,
      text TEXT NOT NULL,
      client_id TEXT NOT NULL,
      PRIMARY KEY (room_id, seq)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (room_id, user_key, client_id);
    )sql"},
    Migration{2, "accounts, sessions and tokens", R"sql(
    CREATE TABLE accounts (
      key TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_ms INTEGER NOT NULL
    );
    CREATE TABLE sessions (
      id_digest TEXT PRIMARY KEY,
      user_key TEXT NOT NULL,
      user_name TEXT NOT NULL,
      guest INTEGER NOT NULL,
      csrf_token TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    );
    CREATE INDEX sessions_by_guest_name ON sessions (user_key, guest, expires_ms);
    CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      digest TEXT NOT NULL UNIQUE,
      user_key TEXT NOT NULL,
      user_name TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tokens_by_user ON tokens (user_key);
    )sql"},
    // Names change hands (a guest logs out, someone registers the name): a
    // message's author and a session's owner become identities, and
    // idempotency keys on the author's identity, not the name. Rows from
    // before: a name with an account was that account's; any other was a
    // guest's, kept as the `?name=` guest of that name (a session guest's
    // owner is new and random, so no account or session inherits them, and
    // a `?name=` client resending across the upgrade is still recognised).
    Migration{3, "authors and owners are identities", R"sql(
    ALTER TABLE messages ADD COLUMN author_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
    UPDATE messages SET
      guest = NOT EXISTS (SELECT 1 FROM accounts WHERE accounts.key = messages.user_key),
      author_id = CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE accounts.key = messages.user_key)
                       THEN 'a:' || user_key ELSE 'n:' || user_key END;
    DROP INDEX messages_by_client_id;
    CREATE UNIQUE INDEX messages_by_author_and_client_id ON messages (room_id, author_id, client_id);
    ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    UPDATE sessions SET owner = CASE WHEN guest = 0 THEN 'a:' || user_key
                                     ELSE 'g:' || lower(hex(randomblob(12))) END;
    CREATE INDEX sessions_by_expiry ON sessions (expires_ms);
    )sql"},
    Migration{4, "edits, deletes, reactions, replies and read markers", R"sql(
    ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN target INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN reply_to INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN emoji TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN reaction_on INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN edited_ts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX messages_by_target ON messages (room_id, target) WHERE target > 0;
    CREATE TABLE reactions (
      room_id INTEGER NOT NULL REFERENCES rooms (id),
      target INTEGER NOT NULL,
      author_id TEXT NOT NULL,
      emoji TEXT NOT NULL,
      user_name TEXT NOT NULL,
      is_on INTEGER NOT NULL,
      set_by INTEGER NOT NULL,
      PRIMARY KEY (room_id, target, author_id, emoji)
    ) WITHOUT ROWID;
    CREATE TABLE read_markers (
      reader TEXT NOT NULL,
      room_id INTEGER NOT NULL REFERENCES rooms (id),
      read_seq INTEGER NOT NULL,
      PRIMARY KEY (reader, room_id)
    ) WITHOUT ROWID;
    )sql"},
    // Private rooms and direct conversations: a room's kind (core::RoomKind:
    // 0 public, 1 private, 2 direct) and owner (none for public rooms from
    // before, and for direct ones), and the accounts with access to each
    // restricted room, in the order they got it (grant_order counts up per
    // room). A public room has no access rows. room_access_by_user finds the
    // rooms of a reader (list_reading).
    Migration{5, "private rooms and direct conversations", R"sql(
    ALTER TABLE rooms ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rooms ADD COLUMN owner_key TEXT;
    ALTER TABLE rooms ADD COLUMN owner_name TEXT;
    CREATE TABLE room_access (
      room_id INTEGER NOT NULL REFERENCES rooms (id),
      user_key TEXT NOT NULL,
      user_name TEXT NOT NULL,
      grant_order INTEGER NOT NULL,
      granted_ms INTEGER NOT NULL,
      PRIMARY KEY (room_id, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX room_access_by_user ON room_access (user_key, room_id);
    )sql"},
    // Server admins (parley admin user admin NAME): they may delete any
    // message. Nobody is one until the operator says so.
    Migration{6, "server admins", R"sql(
    ALTER TABLE accounts ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
    )sql"},
    // Retention: every event of a room with seq <= trimmed_seq was removed
    // (oldest first, never leaving a gap), so its first kept event is
    // trimmed_seq + 1 (history_archive.hpp).
    Migration{7, "retention of history", R"sql(
    ALTER TABLE rooms ADD COLUMN trimmed_seq INTEGER NOT NULL DEFAULT 0;
    )sql"},
};

constexpr bool is_numbered_from_one_without_gaps() {
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(is_numbered_from_one_without_gaps());

void execute(sqlite3* db, const std::string& sql, const std::string& what) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot " + what + ": " + sqlite3_errmsg(db));
  }
}

int read_schema_version(sqlite3* db) {
  sqlite3_stmt* query = nullptr;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &query, nullptr) == SQLITE_OK &&
      sqlite3_step(query) == SQLITE_ROW) {
    version = sqlite3_column_int(query, 0);
  }
  sqlite3_finalize(query);
  if (version < 0) {
    throw std::runtime_error(std::string("cannot read the schema version: ") + sqlite3_errmsg(db));
  }
  return version;
}

// Applies `migration` and sets user_version to its number, in one
// transaction; a failure rolls both back.
void apply(sqlite3* db, const Migration& migration) {
  const std::string name =
      "migration " + std::to_string(migration.version) + " (" + migration.purpose + ")";
  // IMMEDIATE: the version read below cannot change before the commit.
  execute(db, "BEGIN IMMEDIATE", "begin " + name);
  try {
    // Another process opening the same file may have applied it meanwhile.
    if (read_schema_version(db) < migration.version) {
      execute(db, migration.sql, "apply " + name);
      execute(db, "PRAGMA user_version = " + std::to_string(migration.version), "number " + name);
    }
    execute(db, "COMMIT", "commit " + name);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace

std::span<const Migration> sqlite_migrations() {
  return kMigrations;
}

int latest_sqlite_schema_version() {
  return kMigrations.back().version;
}

void migrate_sqlite_schema(sqlite3* db) {
  const int found = read_schema_version(db);
  if (found > latest_sqlite_schema_version()) {
    throw std::runtime_error("the database has schema version " + std::to_string(found) +
                             ", newer than this parley knows (" +
                             std::to_string(latest_sqlite_schema_version()) +
                             "): it was written by a later release; run that release or newer");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version > found) apply(db, migration);
  }
}

}  // namespace parley::store
