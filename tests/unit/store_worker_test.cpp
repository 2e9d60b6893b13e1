#include "store/store_worker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "store/memory_store.hpp"

namespace parley::store {
namespace {

core::RoomName room() {
  return *core::RoomName::parse("r");
}

AppendRequest message(std::string id) {
  return {room(), *core::UserName::parse("u"), "text", std::move(id)};
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

  std::shared_ptr<std::atomic<int>> transactions = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> failing = std::make_shared<std::atomic<bool>>(false);
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

}  // namespace
}  // namespace parley::store
