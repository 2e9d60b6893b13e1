// The PostgreSQL store against a real server (the services.postgres fixture):
// the Store contract's basics, several nodes on one database, migrations,
// and outages. Each test has a database of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/store_worker.hpp"
#include "support/postgres_test_store.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

core::RoomName room(const char* name) {
  return *core::RoomName::parse(name);
}

core::Identity account(const char* name) {
  return core::Identity::account(*core::UserName::parse(name));
}

store::AppendRequest request(const char* room_name, const core::Identity& author,
                             std::string client_id, std::string text = "hello") {
  return {room(room_name), author, std::move(text), std::move(client_id)};
}

store::PostgresOptions quick_reconnects() {
  store::PostgresOptions options;
  options.connection.reconnect_backoff = 50ms;
  options.connection.connect_timeout = 2s;
  return options;
}

// Another node on the same database.
std::unique_ptr<store::PostgresStore> open_node(const PostgresTestStore& first) {
  store::PostgresOptions options = quick_reconnects();
  options.connection.url = first.database().url();
  return std::make_unique<store::PostgresStore>(std::move(options));
}

std::vector<std::uint64_t> stored_seqs(store::Store& store, const char* room_name) {
  auto messages = store.read_range(room(room_name), 0, UINT64_MAX, 1000000);
  EXPECT_TRUE(messages);
  std::vector<std::uint64_t> seqs;
  if (messages) {
    for (const auto& message : *messages) seqs.push_back(message.seq);
  }
  return seqs;
}

std::vector<std::uint64_t> one_to(std::uint64_t last) {
  std::vector<std::uint64_t> seqs;
  for (std::uint64_t seq = 1; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

TEST(PostgresStore, AppendsTakeTheNextSeqOfTheirRoomAndReadBackInOrder) {
  auto store = make_postgres_test_store();
  const auto ada = account("ada");
  std::vector<store::AppendRequest> batch = {request("Lobby", ada, "1", "one"),
                                             request("lobby", ada, "2", "two"),
                                             request("other", ada, "3", "three")};
  auto appended = store->append_batch(batch, 1000);
  ASSERT_TRUE(appended) << appended.error().message();
  EXPECT_EQ((*appended)[0].seq, 1u);
  EXPECT_EQ((*appended)[1].seq, 2u);
  EXPECT_EQ((*appended)[1].room_name, "Lobby") << "the room as first written";
  EXPECT_EQ((*appended)[2].seq, 1u);
  EXPECT_EQ((*appended)[0].ts, 1000);

  auto messages = store->read_range(room("lobby"), 0, 10, 10);
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].text, "one");
  EXPECT_EQ((*messages)[1].text, "two");
  EXPECT_EQ((*messages)[1].user, "ada");
  EXPECT_EQ((*messages)[1].author_id, "a:ada");
  EXPECT_FALSE((*messages)[1].guest);

  auto opened = store->open_room(room("LOBBY"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->name, "Lobby");
  EXPECT_EQ(opened->last_seq, 2u);
}

TEST(PostgresStore, ADuplicateIdStoresNothingAndAnswersTheOriginalSeqAndTs) {
  auto store = make_postgres_test_store();
  const auto ada = account("ada");
  const auto guest = core::Identity::guest(*core::UserName::parse("ada"), "g:1");
  std::vector<store::AppendRequest> first = {request("r", ada, "x"), request("r", ada, "x"),
                                             request("r", guest, "x")};
  auto appended = store->append_batch(first, 1000);
  ASSERT_TRUE(appended);
  EXPECT_FALSE((*appended)[0].duplicate);
  EXPECT_TRUE((*appended)[1].duplicate) << "repeated within one batch";
  EXPECT_EQ((*appended)[1].seq, 1u);
  EXPECT_FALSE((*appended)[2].duplicate) << "another identity with the same id";
  EXPECT_EQ((*appended)[2].seq, 2u);

  std::vector<store::AppendRequest> again = {request("r", ada, "x"), request("r", ada, "y")};
  auto resent = store->append_batch(again, 5000);
  ASSERT_TRUE(resent);
  EXPECT_TRUE((*resent)[0].duplicate);
  EXPECT_EQ((*resent)[0].seq, 1u);
  EXPECT_EQ((*resent)[0].ts, 1000);
  EXPECT_EQ((*resent)[1].seq, 3u) << "a duplicate takes no seq";
  EXPECT_EQ(stored_seqs(*store, "r"), one_to(3));
}

TEST(PostgresStore, ReadsKeepTheNewestOrTheOldestAndStopAtTheByteCap) {
  auto store = make_postgres_test_store();
  const auto ada = account("ada");
  std::vector<store::AppendRequest> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(request("r", ada, std::to_string(i)));
  ASSERT_TRUE(store->append_batch(batch, 1));

  auto newest = store->read_messages({room("r"), 2, 9, 3});
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->size(), 3u);
  EXPECT_EQ(newest->front().seq, 7u);
  EXPECT_EQ(newest->back().seq, 9u);

  auto oldest = store->read_messages({room("r"), 2, 9, 3, SIZE_MAX, store::Keep::oldest});
  ASSERT_TRUE(oldest);
  ASSERT_EQ(oldest->size(), 3u);
  EXPECT_EQ(oldest->front().seq, 3u);

  const std::size_t one = store::message_bytes((*oldest)[0]);
  auto capped = store->read_messages({room("r"), 0, 10, 10, one * 2, store::Keep::oldest});
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->size(), 2u);

  auto unknown = store->read_range(room("nowhere"), 0, 10, 10);
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->empty());
}

TEST(PostgresStore, RoomsAreListedByLatestActivity) {
  auto store = make_postgres_test_store();
  const auto ada = account("ada");
  ASSERT_TRUE(store->open_room(room("quiet")));
  std::vector<store::AppendRequest> first = {request("a", ada, "1")};
  std::vector<store::AppendRequest> second = {request("b", ada, "2")};
  ASSERT_TRUE(store->append_batch(first, 100));
  ASSERT_TRUE(store->append_batch(second, 100));
  auto rooms = store->list_rooms(10);
  ASSERT_TRUE(rooms);
  ASSERT_EQ(rooms->size(), 3u);
  EXPECT_EQ((*rooms)[0].name, "b");
  EXPECT_EQ((*rooms)[1].name, "a");
  EXPECT_EQ((*rooms)[2].name, "quiet");
}

TEST(PostgresStore, AccountsAndGuestSessionsShareNames) {
  auto store = make_postgres_test_store();
  const auto ada = *core::UserName::parse("Ada");
  auto created = store->create_account(ada, "hash", 1000);
  ASSERT_TRUE(created);
  EXPECT_TRUE(*created);
  EXPECT_FALSE(*store->create_account(*core::UserName::parse("ADA"), "other", 1000));
  auto found = store->find_account(*core::UserName::parse("ada"));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->name, "Ada");
  EXPECT_EQ((*found)->password_hash, "hash");
  EXPECT_FALSE(store->find_account(*core::UserName::parse("bob"))->has_value());

  const store::SessionRecord guest{"digest-g", "bob", true, "csrf", 5000, "g:1"};
  EXPECT_TRUE(*store->create_session(guest, 1000));
  EXPECT_TRUE(*store->is_name_taken(*core::UserName::parse("bob"), 4999));
  EXPECT_FALSE(*store->is_name_taken(*core::UserName::parse("bob"), 5000)) << "expired";
  const store::SessionRecord second{"digest-g2", "BOB", true, "csrf", 9000, "g:2"};
  EXPECT_FALSE(*store->create_session(second, 1000)) << "a live guest has the name";
  EXPECT_FALSE(*store->create_account(*core::UserName::parse("bob"), "h", 1000));
  EXPECT_TRUE(*store->create_account(*core::UserName::parse("bob"), "h", 6000));
}

TEST(PostgresStore, SessionsAreFoundUntilTheyExpireOrEnd) {
  auto store = make_postgres_test_store();
  const store::SessionRecord session{"digest", "ada", false, "csrf", 2000, "a:ada"};
  ASSERT_TRUE(*store->create_session(session, 1000));
  auto found = store->find_session("digest", 1500);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user_name, "ada");
  EXPECT_EQ((*found)->csrf_token, "csrf");
  EXPECT_EQ((*found)->owner, "a:ada");
  EXPECT_FALSE((*found)->guest);
  EXPECT_FALSE(store->find_session("digest", 2000)->has_value());
  ASSERT_TRUE(store->extend_session("digest", 3000));
  EXPECT_TRUE(store->find_session("digest", 2000)->has_value());
  ASSERT_TRUE(store->delete_session("digest"));
  EXPECT_FALSE(store->find_session("digest", 1500)->has_value());

  ASSERT_TRUE(*store->create_session({"old", "bob", true, "c", 100, "g:1"}, 50));
  ASSERT_TRUE(*store->create_session({"new", "cy", false, "c", 900, "a:cy"}, 50));
  auto deleted = store->delete_expired_sessions(100);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1u);
}

TEST(PostgresStore, TokensAreListedCountedAndRevoked) {
  auto store = make_postgres_test_store();
  const auto ada = *core::UserName::parse("ada");
  ASSERT_TRUE(store->create_token({"t1", "d1", "Ada", 10}));
  ASSERT_TRUE(store->create_token({"t2", "d2", "ada", 20}));
  auto found = store->find_token("d1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, "t1");
  EXPECT_EQ((*found)->user_name, "Ada");
  EXPECT_EQ(*store->count_live_tokens(ada), 2u);
  auto listed = store->list_tokens(ada);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].digest, "d2");
  EXPECT_TRUE(*store->revoke_token(ada, "t1"));
  EXPECT_FALSE(*store->revoke_token(ada, "t1")) << "already revoked";
  EXPECT_FALSE(store->find_token("d1")->has_value());
  EXPECT_EQ(*store->count_live_tokens(ada), 1u);
}

TEST(PostgresStore, TwoNodesAppendingToOneRoomEndWithSeqsOneToNWithoutGapOrRepeat) {
  auto first = make_postgres_test_store(quick_reconnects());
  auto second = open_node(*first);
  constexpr int kBatches = 100;
  constexpr int kPerBatch = 10;
  const auto append_all = [](store::Store& node, const char* who) {
    std::vector<std::uint64_t> seqs;
    const auto author = account(who);
    for (int b = 0; b < kBatches; ++b) {
      std::vector<store::AppendRequest> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        batch.push_back(request(i % 2 ? "shared" : "Other", author,
                                std::to_string(b) + "." + std::to_string(i)));
      }
      auto appended = node.append_batch(batch, 1000 + b);
      EXPECT_TRUE(appended) << appended.error().message();
      if (!appended) break;
      for (std::size_t i = 0; i < appended->size(); ++i) {
        if (i % 2) seqs.push_back((*appended)[i].seq);
      }
    }
    return seqs;
  };
  auto from_second = std::async(std::launch::async, [&] { return append_all(*second, "bob"); });
  const auto seqs_first = append_all(*first, "ada");
  const auto seqs_second = from_second.get();

  std::set<std::uint64_t> acked(seqs_first.begin(), seqs_first.end());
  acked.insert(seqs_second.begin(), seqs_second.end());
  EXPECT_EQ(acked.size(), seqs_first.size() + seqs_second.size()) << "no seq given twice";
  const auto expected = one_to(kBatches * kPerBatch);  // half of each node's messages
  EXPECT_EQ(std::vector<std::uint64_t>(acked.begin(), acked.end()), expected);
  EXPECT_EQ(stored_seqs(*first, "shared"), expected);
  EXPECT_EQ(stored_seqs(*second, "other"), expected);
}

TEST(PostgresStore, TwoNodesRacingOnOneIdempotencyKeyAgreeOnItsSeq) {
  auto first = make_postgres_test_store(quick_reconnects());
  auto second = open_node(*first);
  const auto ada = account("ada");
  constexpr int kKeys = 200;
  const auto append_all = [&](store::Store& node) {
    std::vector<std::uint64_t> seqs;
    for (int k = 0; k < kKeys; ++k) {
      std::vector<store::AppendRequest> batch = {request("r", ada, "k" + std::to_string(k))};
      auto appended = node.append_batch(batch, 1000);
      EXPECT_TRUE(appended) << appended.error().message();
      seqs.push_back(appended ? (*appended)[0].seq : 0);
    }
    return seqs;
  };
  auto from_second = std::async(std::launch::async, [&] { return append_all(*second); });
  const auto seqs_first = append_all(*first);
  EXPECT_EQ(seqs_first, from_second.get()) << "each id has one seq, whichever node stored it";
  EXPECT_EQ(stored_seqs(*first, "r"), one_to(kKeys));
}

TEST(PostgresStore, TwoNodesOpeningOneDirectConversationTogetherBothGetIt) {
  auto first = make_postgres_test_store(quick_reconnects());
  auto second = open_node(*first);
  constexpr int kPairs = 50;
  for (int i = 0; i < kPairs; ++i) {
    const auto name = *core::UserName::parse("user" + std::to_string(i));
    ASSERT_TRUE(*first->create_account(name, "hash", 1000));
  }
  ASSERT_TRUE(*first->create_account(*core::UserName::parse("ada"), "hash", 1000));
  const auto ada = account("ada");
  // Each node opens every conversation of ada's, one after the other: the
  // two race on every room's insert.
  const auto open_all = [&](store::Store& node, bool as_ada) {
    std::vector<std::string> rooms;
    for (int i = 0; i < kPairs; ++i) {
      const auto other = *core::UserName::parse("user" + std::to_string(i));
      auto opened = as_ada ? node.open_direct(ada, other, 2000)
                           : node.open_direct(core::Identity::account(other),
                                              *core::UserName::parse("ada"), 2000);
      EXPECT_TRUE(opened) << opened.error().message();
      rooms.push_back(opened && *opened ? (*opened)->room.name : std::string());
    }
    return rooms;
  };
  auto from_second = std::async(std::launch::async, [&] { return open_all(*second, false); });
  const auto rooms_first = open_all(*first, true);

  EXPECT_EQ(rooms_first, from_second.get()) << "one room per pair, whichever node made it";
  for (int i = 0; i < kPairs; ++i) {
    auto holders = first->list_access(*core::RoomName::parse(rooms_first[i]));
    ASSERT_TRUE(holders);
    EXPECT_EQ(holders->size(), 2u) << rooms_first[i];
  }
}

TEST(PostgresStore, MigrationsRunOnceWhenNodesOpenAFreshDatabaseTogether) {
  const PostgresTestDatabase database(*postgres_test_server_url());
  std::vector<std::future<bool>> opened;
  for (int node = 0; node < 4; ++node) {
    opened.push_back(std::async(std::launch::async, [&] {
      store::PostgresOptions options;
      options.connection.url = database.url();
      store::PostgresStore store(std::move(options));
      return static_cast<bool>(store.check());
    }));
  }
  for (auto& node : opened) EXPECT_TRUE(node.get());
  store::PgConnection connection({database.url()});
  auto versions = connection.command(
      "SELECT count(*), count(DISTINCT version), max(version) FROM parley_schema_versions");
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->integer(0, 0), store::known_schema_version());
  EXPECT_EQ(versions->integer(0, 1), store::known_schema_version());
  EXPECT_EQ(versions->integer(0, 2), store::known_schema_version());
}

TEST(PostgresStore, ADatabaseWithANewerSchemaIsRefused) {
  auto store = make_postgres_test_store();
  const std::string newer = std::to_string(store::known_schema_version() + 1);
  execute_postgres(store->database().url(),
                   "INSERT INTO parley_schema_versions (version) VALUES (" + newer + ")");
  store::PostgresOptions options;
  options.connection.url = store->database().url();
  try {
    store::PostgresStore refused(std::move(options));
    FAIL() << "a newer schema was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("newer"), std::string::npos) << error.what();
  }
}

TEST(PostgresStore, AClosedConnectionFailsOneCallAndTheNextReconnects) {
  auto store = make_postgres_test_store(quick_reconnects());
  const auto ada = account("ada");
  std::vector<store::AppendRequest> first = {request("r", ada, "1")};
  ASSERT_TRUE(store->append_batch(first, 1));
  execute_postgres(store->database().url(),
                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                       store->database().name() + "' AND pid <> pg_backend_pid()");
  std::vector<store::AppendRequest> second = {request("r", ada, "2")};
  auto cut = store->append_batch(second, 2);
  ASSERT_FALSE(cut) << "the call on the dropped connection answers an error";
  EXPECT_TRUE(store->last_failure_is_transient());
  std::optional<store::Result<std::vector<store::Appended>>> retried;
  for (int attempt = 0; attempt < 50; ++attempt) {
    retried = store->append_batch(second, 3);
    if (*retried) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(*retried) << "the connection comes back by itself";
  EXPECT_EQ((**retried)[0].seq, 2u);
  EXPECT_EQ(stored_seqs(*store, "r"), one_to(2));
}

// A second private server, stopped and started again by the test.
class PrivateServer {
 public:
  PrivateServer() : dir_(std::string(PARLEY_TEST_SCRATCH_DIR) + "/outage-" + random_suffix()) {
    run("start");
    std::ifstream in(dir_ + "/url");
    std::getline(in, url_);
  }
  ~PrivateServer() { run("stop"); }
  const std::string& url() const { return url_; }
  void halt() { run("halt"); }
  void resume() { run("resume"); }

 private:
  static std::string random_suffix() {
    return std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  void run(const char* action) {
    const std::string command =
        std::string(PARLEY_POSTGRES_SCRIPT) + " " + action + " " + dir_ + " >/dev/null";
    if (std::system(command.c_str()) != 0) ADD_FAILURE() << command << " failed";
  }
  std::string dir_;
  std::string url_;
};

TEST(PostgresStore, WhileTheServerIsDownAppendsFailAndAfterItReturnsTheWorkerCommitsAgain) {
  PrivateServer server;
  store::PostgresOptions options = quick_reconnects();
  options.connection.url = server.url();
  boost::asio::io_context io;
  core::SystemClock clock;
  store::StoreWorkerLimits limits;
  limits.probe_interval = 100ms;
  store::StoreWorker worker(std::make_unique<store::PostgresStore>(std::move(options)),
                            io.get_executor(), clock, limits);
  const auto ada = account("ada");
  // Appends through the worker; answers each result once the I/O side has it.
  const auto append = [&](std::string client_id) {
    std::optional<store::Result<store::Appended>> answer;
    worker.append(request("r", ada, std::move(client_id)),
                  [&](store::Result<store::Appended> result) { answer = std::move(result); });
    while (!answer) {
      io.run_for(10ms);
      io.restart();
    }
    return std::move(*answer);
  };

  auto before = append("1");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->seq, 1u);

  server.halt();
  const auto started = std::chrono::steady_clock::now();
  auto during = append("2");
  EXPECT_FALSE(during) << "nothing is acked while the server is down";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "and the failure comes quickly";
  EXPECT_FALSE(worker.is_healthy());
  EXPECT_FALSE(append("3")) << "every append fails, none blocks";

  server.resume();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!worker.is_healthy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(worker.is_healthy()) << "healthy again without any append";
  auto after = append("2");
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->seq, 2u) << "the failed appends stored nothing";
  worker.stop();
}

}  // namespace
}  // namespace parley::test
