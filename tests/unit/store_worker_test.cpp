#include "store/store_worker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

#include "store/memory_store.hpp"

namespace parley::store {
namespace {

core::RoomName room() {
  return *core::RoomName::parse("r");
}

AppendRequest message(std::string id) {
  return {room(), core::Identity::account(*core::UserName::parse("u")), "text", std::move(id)};
}

// A store that counts transactions and can be told to fail.
class CountingStore final : public MemoryStore {
 public:
  Result<std::vector<Appended>> append_batch(std::span<const AppendRequest> requests,
                                             std::int64_t now_ms) override {
    ++*transactions;
    if (*failing) return boost::system::errc::make_error_code(boost::system::errc::io_error);
    return MemoryStore::append_batch(requests, now_ms);
  }
  bool last_failure_is_transient() const override { return *transient; }

  std::shared_ptr<std::atomic<int>> transactions = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> failing = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> transient = std::make_shared<std::atomic<bool>>(false);
};

TEST(StoreWorker, AnswersAppendsInOrderOnTheIoThread) {
  boost::asio::io_context io;
  core::ManualClock clock(5);
  StoreWorker worker(std::make_unique<MemoryStore>(), io.get_executor(), clock);
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 100; ++i) {
    worker.append(message(std::to_string(i)), [&](Result<Appended> appended) {
      ASSERT_TRUE(appended);
      seqs.push_back(appended->seq);
    });
  }
  bool read = false;
  worker.run<std::vector<StoredMessage>>(
      [](Store& store) { return store.read_range(room(), 0, 1000, 1000); },
      [&](Result<std::vector<StoredMessage>> messages) {
        // Queued after the appends, so it sees all of them.
        EXPECT_EQ(messages->size(), 100u);
        read = true;
      });
  worker.stop();
  io.run();
  ASSERT_EQ(seqs.size(), 100u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_TRUE(read);
}

TEST(StoreWorker, CommitsWaitingAppendsTogether) {
  boost::asio::io_context io;
  core::ManualClock clock;
  auto store = std::make_unique<CountingStore>();
  auto transactions = store->transactions;
  StoreWorker worker(std::move(store), io.get_executor(), clock,
                     StoreWorkerLimits{.max_batch = 64});
  int acked = 0;
  for (int i = 0; i < 640; ++i) {
    worker.append(message(std::to_string(i)), [&](Result<Appended> appended) {
      if (appended) ++acked;
    });
  }
  worker.stop();
  io.run();
  EXPECT_EQ(acked, 640);
  // At most 64 per transaction; queued together, so far fewer than 640.
  EXPECT_GE(transactions->load(), 10);
  EXPECT_LT(transactions->load(), 640);
}

TEST(StoreWorker, AFailedCommitAcksNothingAndMarksTheStoreUnhealthy) {
  boost::asio::io_context io;
  core::ManualClock clock;
  auto store = std::make_unique<CountingStore>();
  *store->failing = true;
  StoreWorker worker(std::move(store), io.get_executor(), clock);
  int failed = 0;
  worker.append(message("a"), [&](Result<Appended> appended) { failed += !appended; });
  worker.stop();
  io.run();
  EXPECT_EQ(failed, 1);
  EXPECT_FALSE(worker.is_healthy());
}

// Runs the I/O side until `done` holds; false if it did not within `limit`.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  // Keeps run_for waiting for replies rather than returning at once.
  const auto busy = boost::asio::make_work_guard(io);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(StoreWorker, AfterAFailureThatWroteNothingTheNextBatchIsTried) {
  boost::asio::io_context io;
  core::ManualClock clock;
  auto store = std::make_unique<CountingStore>();
  auto failing = store->failing;
  *failing = true;
  *store->transient = true;  // a busy lock, a full disk
  StoreWorker worker(std::move(store), io.get_executor(), clock);
  std::optional<Result<Appended>> first;
  worker.append(message("a"), [&](Result<Appended> appended) { first = appended; });
  ASSERT_TRUE(run_until(io, [&] { return first.has_value(); }));
  EXPECT_FALSE(*first);
  EXPECT_FALSE(worker.is_healthy());

  *failing = false;
  std::optional<Result<Appended>> second;
  worker.append(message("b"), [&](Result<Appended> appended) { second = appended; });
  ASSERT_TRUE(run_until(io, [&] { return second.has_value(); }));
  ASSERT_TRUE(*second);
  EXPECT_EQ((*second)->seq, 1u) << "nothing of the failed batch was stored";
  EXPECT_TRUE(worker.is_healthy());
  worker.stop();
}

TEST(StoreWorker, AfterAFailureOfUnknownOutcomeNothingMoreIsWritten) {
  boost::asio::io_context io;
  core::ManualClock clock;
  auto store = std::make_unique<CountingStore>();
  auto failing = store->failing;
  auto transactions = store->transactions;
  *failing = true;
  StoreWorker worker(std::move(store), io.get_executor(), clock);
  std::optional<Result<Appended>> first;
  worker.append(message("a"), [&](Result<Appended> appended) { first = appended; });
  ASSERT_TRUE(run_until(io, [&] { return first.has_value(); }));

  *failing = false;  // the store would work again, but what it holds is not known
  std::optional<Result<Appended>> second;
  worker.append(message("b"), [&](Result<Appended> appended) { second = appended; });
  ASSERT_TRUE(run_until(io, [&] { return second.has_value(); }));
  EXPECT_FALSE(*second);
  EXPECT_EQ(transactions->load(), 1) << "no transaction after the failed one";
  EXPECT_FALSE(worker.is_healthy());
  worker.stop();
}

using namespace std::chrono_literals;

// A worker whose store has just committed, so the pacer sees a busy store.
struct PacedWorker {
  explicit PacedWorker(std::chrono::microseconds window) {
    auto counting = std::make_unique<CountingStore>();
    transactions = counting->transactions;
    worker = std::make_unique<StoreWorker>(std::move(counting), io.get_executor(), clock,
                                           StoreWorkerLimits{.commit_window = window});
    append("first");
    EXPECT_TRUE(run_until(io, [&] { return acked == 1; }));
  }
  void append(std::string id) {
    worker->append(message(std::move(id)), [this](Result<Appended> appended) {
      if (appended) ++acked;
    });
  }

  boost::asio::io_context io;
  core::ManualClock clock;
  std::shared_ptr<std::atomic<int>> transactions;
  std::unique_ptr<StoreWorker> worker;
  int acked = 0;
};

TEST(StoreWorker, AppendsArrivingApartWhileBusyShareACommit) {
  PacedWorker paced(1s);
  paced.append("b");
  std::this_thread::sleep_for(20ms);  // well inside the window
  paced.append("c");
  ASSERT_TRUE(run_until(paced.io, [&] { return paced.acked == 3; }));
  EXPECT_EQ(paced.transactions->load(), 2) << "b and c in one transaction";
}

TEST(StoreWorker, WithoutAWindowEachAppendArrivingApartCommitsAlone) {
  PacedWorker paced(0us);
  paced.append("b");
  std::this_thread::sleep_for(20ms);
  paced.append("c");
  ASSERT_TRUE(run_until(paced.io, [&] { return paced.acked == 3; }));
  EXPECT_EQ(paced.transactions->load(), 3);
}

TEST(StoreWorker, EnoughAppendsToShareASyncEndTheWait) {
  PacedWorker paced(60s);
  paced.append("b");
  std::this_thread::sleep_for(20ms);  // let the worker start waiting
  for (std::size_t i = 1; i < CommitPacer::kSharedEnough; ++i) paced.append(std::to_string(i));
  ASSERT_TRUE(run_until(paced.io, [&] {
    return paced.acked == 1 + int{CommitPacer::kSharedEnough};
  })) << "still waiting for the window";
  EXPECT_EQ(paced.transactions->load(), 2);
}

TEST(StoreWorker, AJobEndsTheWaitAndSeesTheAppendsBeforeIt) {
  PacedWorker paced(60s);
  paced.append("b");
  std::this_thread::sleep_for(20ms);  // let the worker start waiting
  std::optional<std::size_t> seen;
  paced.worker->run<std::vector<StoredMessage>>(
      [](Store& store) { return store.read_range(room(), 0, 1000, 1000); },
      [&](Result<std::vector<StoredMessage>> messages) { seen = messages->size(); });
  ASSERT_TRUE(run_until(paced.io, [&] { return seen.has_value(); })) << "still waiting";
  EXPECT_EQ(*seen, 2u);
  EXPECT_EQ(paced.acked, 2);
}

TEST(StoreWorker, AMessageAfterOnlyReadsCommitsAtOnce) {
  boost::asio::io_context io;
  core::ManualClock clock;
  StoreWorker worker(std::make_unique<MemoryStore>(), io.get_executor(), clock,
                     StoreWorkerLimits{.commit_window = 60s});
  bool read = false;
  worker.run<std::vector<StoredMessage>>(
      [](Store& store) { return store.read_range(room(), 0, 10, 10); },
      [&](Result<std::vector<StoredMessage>>) { read = true; });
  ASSERT_TRUE(run_until(io, [&] { return read; }));
  // Reads are no commit: the store is still quiet, so the message does not wait.
  bool acked = false;
  worker.append(message("a"), [&](Result<Appended> appended) { acked = bool(appended); });
  EXPECT_TRUE(run_until(io, [&] { return acked; })) << "waited for company";
}

TEST(StoreWorker, StoppingEndsTheWaitAndCommitsWhatWaited) {
  PacedWorker paced(60s);
  paced.append("b");
  std::this_thread::sleep_for(20ms);  // let the worker start waiting
  const auto started = std::chrono::steady_clock::now();
  paced.worker->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s) << "stop waited out the window";
  ASSERT_TRUE(run_until(paced.io, [&] { return paced.acked == 2; }));
  EXPECT_EQ(paced.transactions->load(), 2);
}

// A store whose reads throw, as a statement that cannot be prepared does.
class ThrowingStore final : public MemoryStore {
 public:
  Result<std::vector<StoredMessage>> read_messages(const RangeQuery&) override {
    throw std::runtime_error("cannot prepare");
  }
};

TEST(StoreWorker, AStoreThatThrowsAnswersAnErrorAndTheWorkerGoesOn) {
  boost::asio::io_context io;
  core::ManualClock clock;
  StoreWorker worker(std::make_unique<ThrowingStore>(), io.get_executor(), clock);
  std::optional<bool> read_ok;
  worker.run<std::vector<StoredMessage>>(
      [](Store& store) { return store.read_range(room(), 0, 10, 10); },
      [&](Result<std::vector<StoredMessage>> messages) { read_ok = messages.has_value(); });
  std::optional<Result<Appended>> appended;
  worker.append(message("a"), [&](Result<Appended> result) { appended = result; });
  ASSERT_TRUE(run_until(io, [&] { return read_ok.has_value() && appended.has_value(); }));
  EXPECT_FALSE(*read_ok);
  EXPECT_TRUE(*appended) << "the worker still commits";
  worker.stop();
}

}  // namespace
}  // namespace parley::store
