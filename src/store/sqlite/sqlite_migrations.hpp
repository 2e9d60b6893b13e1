// The SQLite schema as a numbered list of migrations. A database's PRAGMA
// user_version is the number of the last migration applied to it; opening it
// applies each later one once, in order, each in a transaction of its own
// that also sets user_version, so a crash leaves the database at one version
// or the next, never between. Used by SqliteStore while it opens, on the
// thread that opens it.
#pragma once

#include <span>

struct sqlite3;

namespace parley::store {

struct Migration {
  int version;          // user_version once it is applied: 1, 2, 3, ...
  const char* purpose;  // one line, for the error when it fails
  const char* sql;
};

// Every migration, oldest first; their versions are 1, 2, 3, ... without gaps.
std::span<const Migration> sqlite_migrations();

// The version this code writes and reads: the last migration's.
int latest_sqlite_schema_version();

// Brings `db` up to the latest version. Throws std::runtime_error (a start-up
// failure) when a migration fails, leaving nothing of that one applied, and
// when the database comes from a newer parley, which it leaves untouched.
void migrate_sqlite_schema(sqlite3* db);

}  // namespace parley::store
