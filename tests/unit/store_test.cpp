// The Store contract, run against every implementation.
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include "protocol/server_frame.hpp"

#include <filesystem>
#include <functional>
#include <memory>

#include "store/memory_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

core::RoomName room(std::string_view name) {
  return *core::RoomName::parse(name);
}
core::UserName user(std::string_view name) {
  return *core::UserName::parse(name);
}

// A message by the account of `author`.
AppendRequest message(std::string_view room_name, std::string_view author, std::string text,
                      std::string id) {
  return {room(room_name), core::Identity::account(user(author)), std::move(text), std::move(id)};
}

// A message by a guest of that name, with identity id `author_id`.
AppendRequest guest_message(std::string_view room_name, std::string_view author,
                            std::string author_id, std::string text, std::string id) {
  return {room(room_name), core::Identity::guest(user(author), std::move(author_id)),
          std::move(text), std::move(id)};
}

// A fresh folder per test, removed afterwards.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "parley-store-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

struct StoreFactory {
  const char* name;
  std::function<std::unique_ptr<Store>(const fs::path&)> make;
};
// Names the parameter in test names (instead of printing its bytes).
void PrintTo(const StoreFactory& factory, std::ostream* out) {
  *out << factory.name;
}

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store = GetParam().make(dir.path); }
  TempDir dir;
  std::unique_ptr<Store> store;
};

TEST_P(StoreContract, AssignsGapFreeSeqsPerRoom) {
  const AppendRequest batch[] = {message("a", "u", "1", "i1"), message("b", "u", "1", "i1"),
                                 message("A", "u", "2", "i2"), message("a", "u", "3", "i3")};
  auto appended = store->append_batch(batch, 1000);
  ASSERT_TRUE(appended);
  ASSERT_EQ(appended->size(), 4u);
  EXPECT_EQ((*appended)[0].seq, 1u);
  EXPECT_EQ((*appended)[1].seq, 1u);  // another room counts on its own
  EXPECT_EQ((*appended)[2].seq, 2u);  // rooms are case-insensitive
  EXPECT_EQ((*appended)[3].seq, 3u);
  EXPECT_EQ((*appended)[2].room_name, "a");  // shown as first written
  EXPECT_EQ(store->open_room(room("a"))->last_seq, 3u);
}

TEST_P(StoreContract, ARepeatedIdStoresNothingNewAndAnswersTheFirstSeq) {
  const AppendRequest first[] = {message("r", "alice", "hello", "m1")};
  ASSERT_TRUE(store->append_batch(first, 10));
  const AppendRequest again[] = {message("r", "ALICE", "changed", "m1"),
                                 message("r", "bob", "same id, other user", "m1")};
  auto appended = store->append_batch(again, 20);
  ASSERT_TRUE(appended);
  EXPECT_TRUE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 1u);
  EXPECT_EQ((*appended)[0].ts, 10);
  EXPECT_FALSE((*appended)[1].duplicate);
  EXPECT_EQ((*appended)[1].seq, 2u);
  auto stored = store->read_range(room("r"), 0, 100, 100);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].text, "hello");
}

TEST_P(StoreContract, ARepeatedIdIsRecognisedPerAuthorIdentityNotPerName) {
  // A guest "carol" posted m1; later an account took the name and posts its
  // own m1: a new message, not the guest's.
  const AppendRequest guest[] = {guest_message("r", "carol", "g:session1", "from the guest", "m1")};
  ASSERT_TRUE(store->append_batch(guest, 10));
  const AppendRequest account[] = {message("r", "carol", "from the account", "m1"),
                                   guest_message("r", "carol", "g:session1", "retried", "m1")};
  auto appended = store->append_batch(account, 20);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_EQ((*appended)[0].seq, 2u);
  EXPECT_TRUE((*appended)[1].duplicate) << "the guest's own retry is still recognised";
  EXPECT_EQ((*appended)[1].seq, 1u);
  auto stored = store->read_range(room("r"), 0, 100, 100);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].author_id, "g:session1");
  EXPECT_TRUE((*stored)[0].guest);
  EXPECT_EQ((*stored)[1].author_id, "a:carol");
  EXPECT_FALSE((*stored)[1].guest);
  EXPECT_EQ((*stored)[1].text, "from the account");
}

TEST_P(StoreContract, ASessionKeepsItsOwner) {
  const SessionRecord session{"digest", "carol", true, "csrf", 5000, "g:public"};
  ASSERT_TRUE(*store->create_session(session, 1000));
  auto found = store->find_session("digest", 2000);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->owner, "g:public");
}

TEST_P(StoreContract, DuplicatesWithinOneBatchAreCaught) {
  const AppendRequest batch[] = {message("r", "alice", "x", "same"),
                                 message("r", "alice", "x", "same")};
  auto appended = store->append_batch(batch, 5);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_TRUE((*appended)[1].duplicate);
  EXPECT_EQ((*appended)[1].seq, 1u);
}

TEST_P(StoreContract, ReadsARangeOldestFirstKeepingTheMostRecentWhenCapped) {
  std::vector<AppendRequest> batch;
  for (int i = 1; i <= 10; ++i)
    batch.push_back(message("r", "u", "t" + std::to_string(i), std::to_string(i)));
  ASSERT_TRUE(store->append_batch(batch, 1));
  auto all = store->read_range(room("r"), 3, 8, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().seq, 4u);
  EXPECT_EQ(all->back().seq, 8u);
  EXPECT_EQ(all->back().text, "t8");
  EXPECT_EQ(all->back().client_id, "8");
  auto capped = store->read_range(room("r"), 0, 10, 3);
  ASSERT_TRUE(capped);
  ASSERT_EQ(capped->size(), 3u);
  EXPECT_EQ(capped->front().seq, 8u);
  EXPECT_TRUE(store->read_range(room("r"), 10, 10, 5)->empty());
  EXPECT_TRUE(store->read_range(room("nowhere"), 0, 10, 5)->empty());
}

TEST_P(StoreContract, CapsAReadInBytesFromTheEndItKeeps) {
  std::vector<AppendRequest> batch;
  const std::string text(1000, 'x');
  // Ids of one length, so that every message costs the same.
  for (char id = 'a'; id < 'a' + 10; ++id) batch.push_back(message("r", "u", text, {id}));
  ASSERT_TRUE(store->append_batch(batch, 1));
  const std::size_t each = message_bytes((*store->read_range(room("r"), 0, 1, 1))[0]);
  // Room for three and a half messages: three.
  auto oldest =
      store->read_messages(RangeQuery{room("r"), 2, 10, 100, each * 3 + each / 2, Keep::oldest});
  ASSERT_TRUE(oldest);
  ASSERT_EQ(oldest->size(), 3u);
  EXPECT_EQ(oldest->front().seq, 3u);
  EXPECT_EQ(oldest->back().seq, 5u);
  auto newest = store->read_messages(RangeQuery{room("r"), 2, 10, 100, each * 3, Keep::newest});
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->size(), 3u);
  EXPECT_EQ(newest->front().seq, 8u);
  EXPECT_EQ(newest->back().seq, 10u);
  // One message larger than the cap still comes, alone.
  auto one = store->read_messages(RangeQuery{room("r"), 0, 10, 100, 10, Keep::oldest});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().seq, 1u);
  // The count still applies, from the kept end.
  auto counted = store->read_messages(RangeQuery{room("r"), 0, 10, 2, SIZE_MAX, Keep::oldest});
  ASSERT_TRUE(counted);
  ASSERT_EQ(counted->size(), 2u);
  EXPECT_EQ(counted->back().seq, 2u);
}

TEST_P(StoreContract, KeepsTextExactlyAsReceived) {
  const std::string text = "  <b>bold?</b> \x01 caf\xc3\xa9 \xf0\x9f\x98\x80\n";
  const AppendRequest batch[] = {message("r", "u", text, "x")};
  ASSERT_TRUE(store->append_batch(batch, 1));
  EXPECT_EQ(store->read_range(room("r"), 0, 1, 1)->front().text, text);
}

TEST_P(StoreContract, OpensRoomsAndListsThemByActivity) {
  EXPECT_EQ(store->open_room(room("Quiet"))->last_seq, 0u);
  EXPECT_EQ(store->open_room(room("quiet"))->name, "Quiet");
  const AppendRequest older[] = {message("older", "u", "x", "1")};
  const AppendRequest newer[] = {message("newer", "u", "x", "1")};
  ASSERT_TRUE(store->append_batch(older, 100));
  ASSERT_TRUE(store->append_batch(newer, 200));
  auto rooms = store->list_rooms(2);
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].name, "newer");
  EXPECT_EQ((*rooms)[1].name, "older");
}

TEST_P(StoreContract, DeletesExpiredSessionsAndKeepsLiveOnes) {
  const SessionRecord expired{"d-expired", "alice", false, "c1", 1000, "a:alice"};
  const SessionRecord at_the_edge{"d-edge", "bob", true, "c2", 2000, "g:bob1"};
  const SessionRecord live{"d-live", "carol", false, "c3", 2001, "a:carol"};
  for (const auto& session : {expired, at_the_edge, live}) {
    ASSERT_TRUE(store->create_session(session, 500).value());
  }
  auto deleted = store->delete_expired_sessions(2000);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2u) << "expired at 2000 means expires_ms <= 2000, as find_session sees it";
  // Gone for good, even for a reader whose clock says they are still valid.
  EXPECT_FALSE(*store->find_session("d-expired", 0));
  EXPECT_FALSE(*store->find_session("d-edge", 0));
  auto kept = store->find_session("d-live", 2000);
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->user_name, "carol");
  // The guest's name is free again; nothing is left to sweep.
  EXPECT_FALSE(*store->is_name_taken(user("bob"), 0));
  EXPECT_EQ(*store->delete_expired_sessions(2000), 0u);
}

TEST_P(StoreContract, CountsOnlyLiveTokensOfTheUser) {
  EXPECT_EQ(*store->count_live_tokens(user("alice")), 0u);
  ASSERT_TRUE(store->create_token(TokenRecord{"t1", "digest1", "Alice", 1}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t2", "digest2", "Alice", 2}));
  ASSERT_TRUE(store->create_token(TokenRecord{"t3", "digest3", "bob", 3}));
  EXPECT_EQ(*store->count_live_tokens(user("ALICE")), 2u);
  ASSERT_TRUE(*store->revoke_token(user("alice"), "t1"));
  EXPECT_EQ(*store->count_live_tokens(user("alice")), 1u);
  EXPECT_EQ(*store->count_live_tokens(user("bob")), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract,
                         ::testing::Values(StoreFactory{"memory",
                                                        [](const fs::path&) {
                                                          return std::make_unique<MemoryStore>();
                                                        }},
                                           StoreFactory{"sqlite",
                                                        [](const fs::path& dir) {
                                                          return std::make_unique<SqliteStore>(
                                                              SqliteOptions{dir / "t.db"});
                                                        }}),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) {
                           return std::string(info.param.name);
                         });

TEST(SqliteStore, KeepsSeqsAndIdsAcrossReopening) {
  TempDir dir;
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
  TempDir dir;
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
  TempDir dir;
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

TEST(SqliteStore, RefusesADatabaseItCannotOpen) {
  EXPECT_THROW(SqliteStore(SqliteOptions{"/nonexistent-dir/for/sure/t.db"}), std::runtime_error);
}

TEST(MessageBytes, IsNeverLessThanTheFrameTheMessageBecomes) {
  // Escaping makes a control character six bytes: a cap on raw text would
  // let a page or a replay piece be six times its bound.
  const std::string room(64, 'r');
  for (const std::string& text :
       {std::string(4000, '\x01'), std::string(4000, '"'), std::string(4000, '\n'),
        std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string(1, 'x')}) {
    const StoredMessage message{999'999'999'999,
                                1'765'000'000'000,
                                "a.name.of.32.characters.long.xx",
                                text,
                                "!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~ABCDEFGHIJKL",
                                "g:id",
                                true};
    const auto frame = protocol::encode_message({room, message.seq, message.ts, message.user,
                                                 message.text, message.client_id, message.guest});
    EXPECT_GE(message_bytes(message), frame->size()) << "text of " << text.size() << " bytes";
    EXPECT_LE(message_bytes(message), frame->size() + 200) << "about, not far above";
  }
}

}  // namespace
}  // namespace parley::store
