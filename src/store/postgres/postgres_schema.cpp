#include "store/postgres/postgres_schema.hpp"

#include <iterator>
#include <stdexcept>
#include <string>

namespace parley::store {
namespace {

// The same tables and meaning as the SQLite schema (sqlite_migrations.cpp at
// its version 6), written for PostgreSQL. Append new migrations at the end; never
// edit one that has shipped.
constexpr const char* kMigrations[] = {
    // 1: rooms and their messages. A room's last_seq is the counter that
    // appends from every node take turns on (its row lock orders them).
    R"sql(
    CREATE TABLE rooms (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      created_ms bigint NOT NULL,
      last_active_ms bigint NOT NULL
    );
    CREATE INDEX rooms_by_activity ON rooms (last_active_ms DESC, id DESC);
    CREATE TABLE messages (
      room_id bigint NOT NULL REFERENCES rooms (id),
      seq bigint NOT NULL,
      ts bigint NOT NULL,
      user_key text NOT NULL,
      user_name text NOT NULL,
      text text NOT NULL,
      client_id text NOT NULL,
      author_id text NOT NULL,
      guest boolean NOT NULL,
      PRIMARY KEY (room_id, seq)
    );
    CREATE UNIQUE INDEX messages_by_author_and_client_id
      ON messages (room_id, author_id, client_id);
    )sql",
    // 2: identity: accounts, login and guest sessions, API tokens.
    R"sql(
    CREATE TABLE accounts (
      key text PRIMARY KEY,
      name text NOT NULL,
      password_hash text NOT NULL,
      created_ms bigint NOT NULL
    );
    CREATE TABLE sessions (
      id_digest text PRIMARY KEY,
      user_key text NOT NULL,
      user_name text NOT NULL,
      guest boolean NOT NULL,
      csrf_token text NOT NULL,
      created_ms bigint NOT NULL,
      expires_ms bigint NOT NULL,
      owner text NOT NULL
    );
    CREATE INDEX sessions_by_guest_name ON sessions (user_key, guest, expires_ms);
    CREATE INDEX sessions_by_expiry ON sessions (expires_ms);
    CREATE TABLE tokens (
      id text PRIMARY KEY,
      digest text NOT NULL UNIQUE,
      user_key text NOT NULL,
      user_name text NOT NULL,
      created_ms bigint NOT NULL,
      revoked boolean NOT NULL DEFAULT false
    );
    CREATE INDEX tokens_by_user ON tokens (user_key);
    )sql",
    // 3: edits, deletes, reactions and replies: events of their own kinds in
    // a room's one seq space, each naming a message (target); a message keeps
    // its current text, and the reactions as they stand have a table. Read
    // markers: how far each reader has read each room.
    R"sql(
    ALTER TABLE messages ADD COLUMN kind smallint NOT NULL DEFAULT 0,
      ADD COLUMN target bigint NOT NULL DEFAULT 0,
      ADD COLUMN reply_to bigint NOT NULL DEFAULT 0,
      ADD COLUMN emoji text NOT NULL DEFAULT '',
      ADD COLUMN reaction_on boolean NOT NULL DEFAULT false,
      ADD COLUMN edited_ts bigint NOT NULL DEFAULT 0,
      ADD COLUMN deleted boolean NOT NULL DEFAULT false;
    CREATE INDEX messages_by_target ON messages (room_id, target) WHERE target > 0;
    CREATE TABLE reactions (
      room_id bigint NOT NULL REFERENCES rooms (id),
      target bigint NOT NULL,
      author_id text NOT NULL,
      emoji text NOT NULL,
      user_name text NOT NULL,
      is_on boolean NOT NULL,
      set_by bigint NOT NULL,
      PRIMARY KEY (room_id, target, author_id, emoji)
    );
    CREATE TABLE read_markers (
      reader text NOT NULL,
      room_id bigint NOT NULL REFERENCES rooms (id),
      read_seq bigint NOT NULL,
      PRIMARY KEY (reader, room_id)
    );
    )sql",
    // 4: private rooms and direct conversations (SQLite's version 5): a
    // room's kind (core::RoomKind: 0 public, 1 private, 2 direct) and owner
    // (none for public rooms from before, and for direct ones), and the
    // accounts with access to each restricted room, in the order they got it
    // (grant_order counts up per room, under the room's row lock). A public
    // room has no access rows. room_access_by_user finds the rooms of a
    // reader (list_reading).
    R"sql(
    ALTER TABLE rooms ADD COLUMN kind smallint NOT NULL DEFAULT 0,
      ADD COLUMN owner_key text,
      ADD COLUMN owner_name text;
    CREATE TABLE room_access (
      room_id bigint NOT NULL REFERENCES rooms (id),
      user_key text NOT NULL,
      user_name text NOT NULL,
      grant_order bigint NOT NULL,
      granted_ms bigint NOT NULL,
      PRIMARY KEY (room_id, user_key)
    );
    CREATE INDEX room_access_by_user ON room_access (user_key, room_id);
    )sql",
    // 5: server admins (SQLite's version 6): they may delete any message.
    R"sql(
    ALTER TABLE accounts ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
    )sql",
    // 6: retention (SQLite's version 7): every event of a room with seq <=
    // trimmed_seq was removed, oldest first, so its first kept event is
    // trimmed_seq + 1 (history_archive.hpp).
    R"sql(
    ALTER TABLE rooms ADD COLUMN trimmed_seq bigint NOT NULL DEFAULT 0;
    )sql",
};

// The advisory lock every migrating node takes: "parley" in ASCII.
constexpr const char* kLockSchema = "SELECT pg_advisory_xact_lock(111546413966201)";
constexpr const char* kCreateVersions =
    "CREATE TABLE IF NOT EXISTS parley_schema_versions ("
    "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";
constexpr PgStatement kCurrentVersion{
    "schema_current_version", "SELECT COALESCE(MAX(version), 0) FROM parley_schema_versions"};
constexpr PgStatement kRecordVersion{
    "schema_record_version", "INSERT INTO parley_schema_versions (version) VALUES ($1::integer)"};

[[noreturn]] void fail(PgConnection& connection, const std::string& what) {
  connection.rollback();
  throw std::runtime_error("cannot migrate the PostgreSQL database: " + what);
}

}  // namespace

std::int64_t known_schema_version() {
  return static_cast<std::int64_t>(std::size(kMigrations));
}

void migrate_postgres(PgConnection& connection) {
  // One transaction per migration. The lock is taken again in each, so a
  // node that waited sees what the node before it applied.
  for (;;) {
    if (auto begun = connection.begin(); !begun) fail(connection, begun.error().message());
    if (auto locked = connection.command(kLockSchema); !locked) {
      fail(connection, locked.error().message());
    }
    if (auto created = connection.command(kCreateVersions); !created) {
      fail(connection, created.error().message() + " (" + connection.last_sqlstate() + ")");
    }
    auto current = connection.execute(kCurrentVersion, {});
    if (!current) fail(connection, current.error().message());
    const std::int64_t version = current->integer(0, 0);
    if (version > known_schema_version()) {
      connection.rollback();
      throw std::runtime_error("the PostgreSQL database has schema version " +
                               std::to_string(version) + ", newer than this parley knows (" +
                               std::to_string(known_schema_version()) +
                               "): upgrade parley before starting it on this database");
    }
    if (version == known_schema_version()) {
      if (auto committed = connection.commit(); !committed) {
        fail(connection, committed.error().message());
      }
      return;
    }
    if (auto applied = connection.command(kMigrations[version]); !applied) {
      fail(connection, "migration " + std::to_string(version + 1) + ": " +
                           applied.error().message() + " (" + connection.last_sqlstate() + ")");
    }
    const std::string next = std::to_string(version + 1);
    if (auto recorded = connection.execute(kRecordVersion, {next}); !recorded) {
      fail(connection, recorded.error().message());
    }
    if (auto committed = connection.commit(); !committed) {
      fail(connection, committed.error().message());
    }
  }
}

}  // namespace parley::store
