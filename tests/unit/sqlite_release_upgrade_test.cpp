// A database written by an earlier release, through its HTTP API as users
// would (tests/data/make_release_database.sh), opens with this code and keeps
// everything: rooms, messages, accounts, sessions and tokens. The file is
// copied first, so the committed one never changes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "auth/password_hasher.hpp"
#include "auth/secrets.hpp"
#include "store/sqlite/sqlite_migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_folder.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

// parley 0.1.0, schema version 3.
const fs::path kRelease010 = fs::path(PARLEY_TEST_DATA_DIR) / "release-0.1.0-schema3.db";
// Just after the file was written: every session in it was live then.
constexpr std::int64_t kThen = 1'796'615'656'000;

// What the clients of that run hold (printed by the script).
constexpr const char* kAliceCookie = "q1QxJvaJTcYbmU96apgvxlY3O7XKXZjiSrlHmTg-iic";
constexpr const char* kCarolCookie = "q5ubl16okfxluAZP6Cym_4PF_ods4Ig-hY9a7c48au8";
constexpr const char* kGusCookie = "rPj-C74nYk26srAWDHDcf4u1JzS8Re0Az5Rp80oduSo";
constexpr const char* kAliceToken = "jGKTtlOgOSZ9R142l-8VBAhk4mUyOq69Vb4lxWyZk-A";
constexpr const char* kRevokedToken = "q2YB_IdIjQfSW3KkxU48pGkg-NYkuhvPufgtgs3_UJY";
constexpr const char* kCarolToken = "UEntdYuAmLbM2nEHrsP3GkjUe3FYgcr9FeNlEMJ8U38";

core::RoomName room(std::string_view name) {
  return *core::RoomName::parse(name);
}
core::UserName user(std::string_view name) {
  return *core::UserName::parse(name);
}

// Whether `password` matches `encoded_hash`, checked as a login checks it.
bool verifies(const std::string& password, const std::string& encoded_hash) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  auth::PasswordHasher hasher(io.get_executor(), 1, 1, auth::PasswordCost::interactive());
  std::optional<auth::Verdict> verdict;
  hasher.verify(*hasher.try_reserve(), password, encoded_hash, nullptr,
                [&](auth::Verdict answer) { verdict = answer; });
  for (int i = 0; i < 1000 && !verdict; ++i) io.run_one_for(std::chrono::milliseconds(10));
  hasher.stop();
  return verdict == auth::Verdict::matches;
}

class Release010Database : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::initialise_crypto();
    fs::copy_file(kRelease010, dir.path / "parley.db");
    store.emplace(SqliteOptions{dir.path / "parley.db", Durability::normal});
  }

  tests::TempFolder dir;
  std::optional<SqliteStore> store;
};

TEST_F(Release010Database, OpensAtTheLatestSchemaVersion) {
  ASSERT_TRUE(store->check());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "parley.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* query = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &query, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(query), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(query, 0), latest_sqlite_schema_version());
  sqlite3_finalize(query);
  sqlite3_close(db);
}

TEST_F(Release010Database, KeepsEveryRoomAsFirstWrittenInOrderOfActivity) {
  auto rooms = store->list_rooms(10);
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].name, "random");
  EXPECT_EQ((*rooms)[0].last_seq, 2u);
  EXPECT_EQ((*rooms)[1].name, "Lobby");
  EXPECT_EQ((*rooms)[1].last_seq, 3u);
}

TEST_F(Release010Database, KeepsEveryMessageWithEveryField) {
  auto lobby = store->read_range(room("lobby"), 0, 100, 100);
  ASSERT_TRUE(lobby);
  ASSERT_EQ(lobby->size(), 3u);
  const StoredMessage expected_lobby[] = {
      {1, 1'796'615'655'781, "Alice", "Hello, lobby!", "a-1", "a:alice", false},
      {2, 1'796'615'655'844, "Alice", "build #42 passed", "ci-42", "a:alice", false},
      {3, 1'796'615'655'855, "Gus", "  hi <b>all</b> caf\xc3\xa9 \xf0\x9f\x98\x80", "g-1",
       "g:CHDflQfYQbY3yLPK", true},
  };
  auto random = store->read_range(room("random"), 0, 100, 100);
  ASSERT_TRUE(random);
  ASSERT_EQ(random->size(), 2u);
  const StoredMessage expected_random[] = {
      {1, 1'796'615'655'871, "carol", "anyone here?", "c-1", "a:carol", false},
      {2, 1'796'615'655'891, "Alice", "me", "a-2", "a:alice", false},
  };
  const auto expect_same = [](const StoredMessage& read, const StoredMessage& expected) {
    EXPECT_EQ(read.seq, expected.seq);
    EXPECT_EQ(read.ts, expected.ts) << "seq " << expected.seq;
    EXPECT_EQ(read.user, expected.user) << "seq " << expected.seq;
    EXPECT_EQ(read.text, expected.text) << "seq " << expected.seq;
    EXPECT_EQ(read.client_id, expected.client_id) << "seq " << expected.seq;
    EXPECT_EQ(read.author_id, expected.author_id) << "seq " << expected.seq;
    EXPECT_EQ(read.guest, expected.guest) << "seq " << expected.seq;
  };
  for (std::size_t i = 0; i < 3; ++i) expect_same((*lobby)[i], expected_lobby[i]);
  for (std::size_t i = 0; i < 2; ++i) expect_same((*random)[i], expected_random[i]);
}

TEST_F(Release010Database, KeepsIdempotencyAndGoesOnFromTheLastSeq) {
  const AppendRequest batch[] = {
      {room("LOBBY"), core::Identity::account(user("alice")), "retried", "ci-42"},
      {room("lobby"), core::Identity::guest(user("Gus"), "g:CHDflQfYQbY3yLPK"), "again", "g-1"},
      {room("lobby"), core::Identity::account(user("carol")), "new", "c-9"}};
  auto appended = store->append_batch(batch, kThen);
  ASSERT_TRUE(appended);
  EXPECT_TRUE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 2u);
  EXPECT_EQ((*appended)[0].ts, 1'796'615'655'844);
  EXPECT_TRUE((*appended)[1].duplicate);
  EXPECT_EQ((*appended)[1].seq, 3u);
  EXPECT_FALSE((*appended)[2].duplicate);
  EXPECT_EQ((*appended)[2].seq, 4u);
  EXPECT_EQ((*appended)[2].room_name, "Lobby");
}

TEST_F(Release010Database, KeepsEveryAccountAndItsPassword) {
  auto alice = store->find_account(user("alice"));
  ASSERT_TRUE(alice && *alice);
  EXPECT_EQ((*alice)->name, "Alice");
  EXPECT_TRUE(verifies("correct-horse", (*alice)->password_hash));
  EXPECT_FALSE(verifies("wrong-horse", (*alice)->password_hash));
  auto carol = store->find_account(user("carol"));
  ASSERT_TRUE(carol && *carol);
  EXPECT_TRUE(verifies("carol-password", (*carol)->password_hash));
  EXPECT_FALSE(*store->create_account(user("ALICE"), "hash", kThen)) << "the name is still taken";
}

TEST_F(Release010Database, KeepsEverySessionItsCookieStillFinds) {
  auto alice = store->find_session(auth::digest_of(kAliceCookie), kThen);
  ASSERT_TRUE(alice && *alice);
  EXPECT_EQ((*alice)->user_name, "Alice");
  EXPECT_FALSE((*alice)->guest);
  EXPECT_EQ((*alice)->owner, "a:alice");
  EXPECT_EQ((*alice)->csrf_token, "gdgnfd01IjHrZ6vyZXaU_t69JM2vM6nrKUG6iOPPo5c");
  EXPECT_EQ((*alice)->expires_ms, 1'799'208'255'500);
  auto carol = store->find_session(auth::digest_of(kCarolCookie), kThen);
  ASSERT_TRUE(carol && *carol);
  EXPECT_EQ((*carol)->owner, "a:carol");
  auto gus = store->find_session(auth::digest_of(kGusCookie), kThen);
  ASSERT_TRUE(gus && *gus);
  EXPECT_EQ((*gus)->user_name, "Gus");
  EXPECT_TRUE((*gus)->guest);
  EXPECT_EQ((*gus)->owner, "g:CHDflQfYQbY3yLPK") << "the guest's messages are still its own";
  EXPECT_EQ((*gus)->expires_ms, 1'796'702'655'703);
  EXPECT_TRUE(*store->is_name_taken(user("gus"), kThen)) << "the guest still holds its name";
}

TEST_F(Release010Database, KeepsEveryTokenAndEveryRevocation) {
  auto alice = store->find_token(auth::digest_of(kAliceToken));
  ASSERT_TRUE(alice && *alice);
  EXPECT_EQ((*alice)->id, "VlDE7wZbNnetFsim");
  EXPECT_EQ((*alice)->user_name, "Alice");
  EXPECT_EQ((*alice)->created_ms, 1'796'615'655'728);
  auto carol = store->find_token(auth::digest_of(kCarolToken));
  ASSERT_TRUE(carol && *carol);
  EXPECT_EQ((*carol)->id, "Yin5F3Y1LOjH3UGq");
  auto revoked = store->find_token(auth::digest_of(kRevokedToken));
  ASSERT_TRUE(revoked);
  EXPECT_FALSE(*revoked) << "revoked then, revoked now";
  auto listed = store->list_tokens(user("alice"));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "VlDE7wZbNnetFsim");
  EXPECT_EQ(*store->count_live_tokens(user("carol")), 1u);
}

}  // namespace
}  // namespace parley::store
