// parley admin backup FILE: an online copy of the SQLite database (the
// backup API, in one read transaction, while the server goes on writing),
// checked with PRAGMA integrity_check before it takes its name.
#include <sqlite3.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "admin/command.hpp"

namespace parley::admin {
namespace {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

// Opens `path` (READWRITE, with CREATE when asked); throws with the reason.
Database open_database(const std::filesystem::path& path, int flags) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Database owned(db);
  if (opened != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path.string() + ": " +
                             (db ? sqlite3_errmsg(db) : sqlite3_errstr(opened)));
  }
  sqlite3_busy_timeout(db, 10000);
  return owned;
}

// The first column of the first row of `sql` (a constant statement).
std::string first_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  std::string text;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    if (const auto* bytes = sqlite3_column_text(statement, 0)) {
      text = reinterpret_cast<const char*>(bytes);
    }
  } else {
    text = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  return text;
}

// Copies the database at `from` into `to` and checks the copy; answers the
// result of integrity_check ("ok" when sound).
std::string copy_and_check(const std::filesystem::path& from, const std::filesystem::path& to) {
  Database source = open_database(from, SQLITE_OPEN_READWRITE);
  {
    Database target = open_database(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
    if (backup == nullptr) {
      throw std::runtime_error(std::string("cannot start the backup: ") +
                               sqlite3_errmsg(target.get()));
    }
    // All pages in one step: one read transaction, a consistent snapshot,
    // while the server's writers go on in the WAL. A lock held by a writer
    // for longer than the busy timeout is waited out a few times more.
    int code = SQLITE_OK;
    for (int attempt = 0; attempt < 10; ++attempt) {
      code = sqlite3_backup_step(backup, -1);
      if (code != SQLITE_BUSY && code != SQLITE_LOCKED) break;
      sqlite3_sleep(200);
    }
    sqlite3_backup_finish(backup);
    if (code != SQLITE_DONE) {
      throw std::runtime_error(std::string("the backup failed: ") + sqlite3_errstr(code));
    }
    // One file, without a WAL beside it; the server sets WAL again when
    // it opens a restored copy.
    first_text(target.get(), "PRAGMA journal_mode = DELETE");
  }
  Database copy = open_database(to, SQLITE_OPEN_READONLY);
  return first_text(copy.get(), "PRAGMA integrity_check");
}

int back_up(const Invocation& invocation) {
  if (invocation.location.kind != StoreLocation::Kind::sqlite) {
    return invocation.fail(
        "backup copies a SQLite database; for PostgreSQL use pg_dump "
        "(e.g. pg_dump --format=custom --file=FILE URL)");
  }
  const std::filesystem::path from = invocation.location.sqlite_path();
  const std::filesystem::path to = invocation.operands.at(0);
  std::error_code error;
  if (!std::filesystem::is_regular_file(from, error)) {
    return invocation.fail("no database at " + from.string());
  }
  if (std::filesystem::exists(to, error)) {
    return invocation.fail(to.string() + " exists (a backup never overwrites)");
  }
  // Written under a temporary name: FILE appears only once it is checked.
  std::filesystem::path partial = to;
  partial += ".partial";
  std::filesystem::remove(partial, error);
  std::string verdict;
  try {
    verdict = copy_and_check(from, partial);
  } catch (const std::exception& failure) {
    std::filesystem::remove(partial, error);
    return invocation.fail(failure.what());
  }
  if (verdict != "ok") {
    std::filesystem::remove(partial, error);
    return invocation.fail("the copy failed its integrity check: " + verdict);
  }
  std::filesystem::rename(partial, to, error);
  if (error)
    return invocation.fail("cannot name the backup " + to.string() + ": " + error.message());
  invocation.out << "backed up " << from.string() << " to " << to.string() << " ("
                 << std::filesystem::file_size(to, error) << " bytes; integrity ok)\n";
  return kDone;
}

}  // namespace

std::vector<Command> backup_commands() {
  return {
      {{"backup"},
       {"FILE"},
       {},
       "copy the SQLite database to FILE while the server runs, and check the copy",
       "Uses SQLite's online backup in one read transaction: the server goes on\n"
       "writing meanwhile, and the copy is the database as of the moment it began.\n"
       "The copy passes PRAGMA integrity_check before it is named FILE (it is\n"
       "written as FILE.partial first); an existing FILE is never overwritten. To\n"
       "restore: stop the server, put FILE in place of DIR/parley.db (and remove\n"
       "parley.db-wal and parley.db-shm), start it. On PostgreSQL, use pg_dump.",
       back_up},
  };
}

}  // namespace parley::admin
