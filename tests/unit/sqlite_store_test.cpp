// What only the SQLite store does: keep data across reopening the file, bound
// its room cache, and tell a lock held by another process from a failure of
// unknown outcome. What every store does is in tests/contract/.
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <stdexcept>
#include <string>

#include "temp_folder.hpp"

namespace parley::store {
namespace {

core::RoomName room(std::string_view name) {
  return *core::RoomName::parse(name);
}

// A message by the account of `author`.
AppendRequest message(std::string_view room_name, std::string_view author, std::string text,
                      std::string id) {
  return {room(room_name), core::Identity::account(*core::UserName::parse(author)), std::move(text),
          std::move(id)};
}

TEST(SqliteStore, KeepsSeqsAndIdsAcrossReopening) {
  tests::TempFolder dir;
  const SqliteOptions options{dir.path / "t.db", Durability::normal};
  {
    SqliteStore store(options);
    const AppendRequest batch[] = {message("r", "u", "one", "a"), message("r", "u", "two", "b")};
    ASSERT_TRUE(store.append_batch(batch, 1));
  }
  SqliteStore reopened(options);
  EXPECT_EQ(reopened.open_room(room("r"))->last_seq, 2u);
  const AppendRequest again[] = {message("r", "u", "one", "a"), message("r", "u", "three", "c")};
  auto appended = reopened.append_batch(again, 2);
  ASSERT_TRUE(appended);
  EXPECT_TRUE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 1u);
  EXPECT_EQ((*appended)[1].seq, 3u);
}

TEST(SqliteStore, KeepsItsRoomCacheBoundedAndSeqsRightAfterTrimming) {
  tests::TempFolder dir;
  SqliteOptions options{dir.path / "t.db", Durability::normal};
  options.cached_rooms = 3;
  SqliteStore store(options);
  for (int i = 0; i < 10; ++i) {
    const std::string name = "room" + std::to_string(i);
    const AppendRequest batch[] = {message(name, "u", "hello", "a" + std::to_string(i))};
    ASSERT_TRUE(store.append_batch(batch, 1));
    EXPECT_LE(store.cached_room_count(), 4u) << "after " << name;
  }
  // A room read back after the cache was emptied continues its seqs.
  const AppendRequest again[] = {message("room0", "u", "again", "b")};
  auto appended = store.append_batch(again, 2);
  ASSERT_TRUE(appended);
  EXPECT_EQ((*appended)[0].seq, 2u);
  EXPECT_EQ(store.open_room(room("room9"))->last_seq, 1u);
}

TEST(SqliteStore, ABatchRefusedForALockHeldElsewhereWroteNothingAndMayBeTriedAgain) {
  tests::TempFolder dir;
  SqliteOptions options{dir.path / "t.db", Durability::normal};
  options.busy_timeout_ms = 50;
  SqliteStore store(options);
  const AppendRequest first[] = {message("r", "u", "one", "a")};
  ASSERT_TRUE(store.append_batch(first, 1));

  sqlite3* other = nullptr;  // another process's connection, say a backup
  ASSERT_EQ(sqlite3_open((dir.path / "t.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const AppendRequest second[] = {message("r", "u", "two", "b")};
  EXPECT_FALSE(store.append_batch(second, 2));
  EXPECT_TRUE(store.last_failure_is_transient());
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  auto retried = store.append_batch(second, 3);
  ASSERT_TRUE(retried);
  EXPECT_EQ((*retried)[0].seq, 2u) << "no seq was used by the refused batch";
}

TEST(SqliteStore, ABatchThatFailedInsideItsTransactionIsNotCalledTransient) {
  // After a failed write the outcome is not known: the worker must stop
  // writing, so the store must not say the batch may simply be tried again.
  tests::TempFolder dir;
  SqliteStore store(SqliteOptions{dir.path / "t.db", Durability::normal});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "t.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "CREATE TRIGGER refuse BEFORE INSERT ON messages "
                         "BEGIN SELECT RAISE(ABORT, 'refused'); END;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  const AppendRequest batch[] = {message("r", "u", "one", "a")};
  EXPECT_FALSE(store.append_batch(batch, 1));
  EXPECT_FALSE(store.last_failure_is_transient());
}

TEST(SqliteStore, RefusesADatabaseItCannotOpen) {
  EXPECT_THROW(SqliteStore(SqliteOptions{"/nonexistent-dir/for/sure/t.db"}), std::runtime_error);
}

}  // namespace
}  // namespace parley::store
