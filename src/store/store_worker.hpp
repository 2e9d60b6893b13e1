// Runs a Store on a thread of its own. Appends queued while a transaction is
// being written are committed together in the next one (group commit: one
// transaction and one sync for every writer waiting). Results are posted back
// to the I/O executor in commit order. Public methods: any thread.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "core/clock.hpp"
#include "store/commit_pacer.hpp"
#include "store/store.hpp"

namespace parley::store {

struct StoreWorkerLimits {
  std::size_t max_batch = 1024;  // appends in one transaction
  // While unhealthy and idle, how often the store is asked whether it can
  // serve again (a database server that was down).
  std::chrono::milliseconds probe_interval{1000};
  // How long a small batch may wait for more appends to share its commit
  // (CommitPacer); zero commits at once.
  std::chrono::microseconds commit_window{1000};
};

class StoreWorker {
 public:
  using AppendDone = std::function<void(Result<Appended>)>;
  // A job runs on the store thread; whatever it posts back is its own affair.
  using Job = std::function<void(Store&)>;

  StoreWorker(std::unique_ptr<Store> store, boost::asio::any_io_executor reply_to,
              const core::Clock& clock, StoreWorkerLimits limits = {});
  ~StoreWorker();
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Queues an append; `done` runs on the I/O executor after the commit.
  void append(AppendRequest request, AppendDone done);

  // Runs `work(store)` on the store thread, then `done(result)` on the I/O
  // executor, in order with every append queued before it.
  template <class T>
  void run(std::function<Result<T>(Store&)> work, std::function<void(Result<T>)> done);

  // False while commits fail: after the last commit failed, until one works
  // or, while no append comes, until the store answers check() again (a
  // database that came back); after a failure of unknown outcome, none will
  // until a restart.
  bool is_healthy() const { return healthy_.load(); }

  // Finishes every queued job, then ends the thread. Idempotent.
  void stop();

 private:
  // Runs `work`. The store reports failures as errors, but a statement that
  // cannot be prepared throws: that becomes an error too, not an abort.
  template <class T, class Work>
  static Result<T> guarded(Work&& work) {
    try {
      return work();
    } catch (const std::exception& thrown) {
      log_thrown(thrown);
      return Result<T>(boost::system::in_place_error,
                       boost::system::errc::make_error_code(boost::system::errc::io_error));
    }
  }
  static void log_thrown(const std::exception& thrown);

  struct PendingAppend {
    AppendRequest request;
    AppendDone done;
  };
  using Task = std::variant<PendingAppend, Job>;

  // What the store thread is doing, so that enqueue wakes it only when needed.
  enum class State { busy, idle, pacing };

  void enqueue(Task task);
  void loop();
  // Moves queue_ onto the end of `taken`. Holds mutex_.
  void take_queue(std::deque<Task>& taken);
  // Waits while the pacer says a small batch should, adding what arrives.
  // Holds mutex_ through `lock` (released while waiting).
  void pace(std::unique_lock<std::mutex>& lock, std::deque<Task>& taken);
  void commit(std::vector<PendingAppend>& batch);
  // Unhealthy after a transient failure and idle: healthy again if the store
  // answers. Called without mutex_.
  void probe();
  void post_reply(std::function<void()> reply);

  std::unique_ptr<Store> store_;
  boost::asio::any_io_executor reply_to_;
  const core::Clock& clock_;
  StoreWorkerLimits limits_;
  std::atomic<bool> healthy_{true};  // the last commit worked
  bool failed_for_good_ = false;     // a commit failed with an unknown outcome (store thread)
  // When an unhealthy worker asks the store next (store thread).
  std::chrono::steady_clock::time_point next_probe_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;          // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_
  State state_ = State::busy;       // guarded by mutex_
  bool job_queued_ = false;         // guarded by mutex_: a Job is in queue_
  std::size_t appends_wanted_ = 0;  // guarded by mutex_: pacing ends when it reaches 0
  CommitPacer pacer_;               // store thread only
  std::thread thread_;
};

template <class T>
void StoreWorker::run(std::function<Result<T>(Store&)> work, std::function<void(Result<T>)> done) {
  enqueue(Job([this, work = std::move(work), done = std::move(done)](Store& store) mutable {
    auto shared = std::make_shared<Result<T>>(guarded<T>([&] { return work(store); }));
    post_reply([done = std::move(done), shared] { done(std::move(*shared)); });
  }));
}

}  // namespace parley::store
