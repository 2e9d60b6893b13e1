// The internals SqliteStore's source files share: its prepared statement
// and its transaction. Used on the store's thread only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {

// An error_code of SQLite's result `code`.
boost::system::error_code make_sqlite_error(int code);

// A prepared statement, reset after every use.
class SqliteStore::Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(std::string("cannot prepare statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }

  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Statement& bind(int index, std::string_view value) {
    // An empty view may have no data pointer, which SQLite would store as NULL.
    sqlite3_bind_text(statement_, index, value.empty() ? "" : value.data(),
                      static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(statement_); }
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  std::int64_t integer(int column) { return sqlite3_column_int64(statement_, column); }
  // Resets the statement when the scope that used it ends, whatever path it takes.
  class Use {
   public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use() { statement_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Statement* operator->() { return &statement_; }

   private:
    Statement& statement_;
  };

  std::string text(int column) {
    const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (bytes == nullptr) return {};
    return std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

template <class T, class Body>
Result<T> SqliteStore::in_transaction(Body&& body) {
  trim_room_cache();
  if (auto begun = run("BEGIN IMMEDIATE"); !begun) {
    return Result<T>(boost::system::in_place_error, begun.error());
  }
  forget_rooms_if_changed();
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

}  // namespace parley::store
