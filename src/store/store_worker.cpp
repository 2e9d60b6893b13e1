#include "store/store_worker.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iterator>

#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace parley::store {

StoreWorker::StoreWorker(std::unique_ptr<Store> store, boost::asio::any_io_executor reply_to,
                         const core::Clock& clock, StoreWorkerLimits limits)
    : store_(std::move(store)),
      reply_to_(std::move(reply_to)),
      clock_(clock),
      limits_(limits),
      pacer_(limits.commit_window, limits.max_batch),
      thread_([this] { loop(); }) {}

StoreWorker::~StoreWorker() {
  stop();
}

void StoreWorker::append(AppendRequest request, AppendDone done) {
  enqueue(PendingAppend{std::move(request), std::move(done)});
}

void StoreWorker::enqueue(Task task) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    const bool is_job = std::holds_alternative<Job>(task);
    queue_.push_back(std::move(task));
    job_queued_ = job_queued_ || is_job;
    // A pacing worker waits for appends on purpose, until it has enough to
    // share a commit; a job cuts the wait short.
    if (state_ == State::pacing && !is_job && appends_wanted_ > 0) --appends_wanted_;
    wake = state_ == State::idle || (state_ == State::pacing && (is_job || appends_wanted_ == 0));
  }
  if (wake) wake_.notify_one();
}

void StoreWorker::post_reply(std::function<void()> reply) {
  boost::asio::post(reply_to_, std::move(reply));
}

void StoreWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StoreWorker::loop() {
  std::deque<Task> taken;
  std::vector<PendingAppend> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      state_ = State::idle;
      const auto has_work = [this] { return stopping_ || !queue_.empty(); };
      if (healthy_.load() || failed_for_good_) {
        wake_.wait(lock, has_work);
      } else {
        // Unhealthy: the store is asked when a probe is due, whether or not
        // work came meanwhile. Jobs arriving more often than probe_interval
        // (a balancer polling /healthz, which is a job) would otherwise keep
        // the probe from ever running, and the node would stay 503 until a
        // commit worked, which the balancer no longer sends it.
        wake_.wait_until(lock, next_probe_, has_work);
        if (std::chrono::steady_clock::now() >= next_probe_) {
          next_probe_ = std::chrono::steady_clock::now() + limits_.probe_interval;
          state_ = State::busy;
          lock.unlock();
          probe();
          continue;  // the work that came is taken on the next turn
        }
      }
      state_ = State::busy;
      if (queue_.empty()) return;  // stopping, and everything is done
      take_queue(taken);
      pace(lock, taken);
    }
    // Consecutive appends share a transaction; any other job ends the run,
    // so every job sees the appends queued before it.
    bool appended = false;
    for (Task& task : taken) {
      if (auto* pending = std::get_if<PendingAppend>(&task)) {
        batch.push_back(std::move(*pending));
        appended = true;
        if (batch.size() >= limits_.max_batch) commit(batch);
        continue;
      }
      commit(batch);
      std::get<Job>(task)(*store_);
    }
    commit(batch);
    taken.clear();
    if (appended) pacer_.committed(std::chrono::steady_clock::now());
  }
}

void StoreWorker::take_queue(std::deque<Task>& taken) {
  std::move(queue_.begin(), queue_.end(), std::back_inserter(taken));
  queue_.clear();
  job_queued_ = false;
}

void StoreWorker::pace(std::unique_lock<std::mutex>& lock, std::deque<Task>& taken) {
  const bool only_appends = std::all_of(taken.begin(), taken.end(), [](const Task& task) {
    return std::holds_alternative<PendingAppend>(task);
  });
  if (!only_appends) return;
  const auto until = pacer_.wait_until(taken.size(), std::chrono::steady_clock::now());
  if (!until) return;
  state_ = State::pacing;
  appends_wanted_ = pacer_.shared_enough() - taken.size();  // above 0: see wait_until
  wake_.wait_until(lock, *until,
                   [this] { return stopping_ || job_queued_ || appends_wanted_ == 0; });
  state_ = State::busy;
  pacer_.waited(std::count_if(queue_.begin(), queue_.end(), [](const Task& task) {
    return std::holds_alternative<PendingAppend>(task);
  }));
  take_queue(taken);
}

void StoreWorker::probe() {
  if (!guarded<void>([this] { return store_->check(); })) return;
  // The next commit may still fail; then it is unhealthy again at once.
  if (!healthy_.exchange(true)) obs::log_info("the store answers again");
}

void StoreWorker::log_thrown(const std::exception& thrown) {
  obs::log_error(std::string("the store failed: ") + thrown.what());
}

void StoreWorker::commit(std::vector<PendingAppend>& batch) {
  if (batch.empty()) return;
  std::vector<AppendRequest> requests;
  requests.reserve(batch.size());
  for (PendingAppend& pending : batch) requests.push_back(std::move(pending.request));

  const auto started = std::chrono::steady_clock::now();
  Result<std::vector<Appended>> committed =
      !failed_for_good_ ? guarded<std::vector<Appended>>(
                              [&] { return store_->append_batch(requests, clock_.now_ms()); })
                        : Result<std::vector<Appended>>(
                              boost::system::errc::make_error_code(boost::system::errc::io_error));
  if (!failed_for_good_) obs::histograms().store_commit.observe_since(started);
  // A failed commit is never acked. After a failure that left nothing written
  // (a busy lock, a full disk) the next batch is tried; after any other,
  // nothing is written until a restart. /healthz fails until a commit works.
  obs::count(obs::counters().store_transactions);
  if (committed) {
    std::uint64_t duplicates = 0;
    std::uint64_t refused = 0;  // stored nothing either, and are no duplicates
    for (const Appended& appended : *committed) {
      duplicates += appended.duplicate ? 1 : 0;
      refused += appended.refused ? 1 : 0;
    }
    obs::count(obs::counters().messages_stored, committed->size() - duplicates - refused);
    obs::count(obs::counters().messages_duplicate, duplicates);
    if (!healthy_.exchange(true)) obs::log_info("commits succeed again");
  } else {
    obs::count(obs::counters().store_failures);
    // Once failed for good the store is not asked again, and nothing is logged again.
    const bool transient = !failed_for_good_ && store_->last_failure_is_transient();
    const bool now_for_good = !transient && !failed_for_good_;
    if (healthy_.exchange(false) || now_for_good) {
      obs::log_error("a commit failed (" + committed.error().message() + "): " +
                     (transient ? "messages are refused until a commit succeeds"
                                : "nothing is written any more until parley is restarted"));
    }
    failed_for_good_ = failed_for_good_ || now_for_good;
    // A failed commit answers what a probe would: the next is due later.
    next_probe_ = std::chrono::steady_clock::now() + limits_.probe_interval;
  }

  auto done = std::make_shared<std::vector<PendingAppend>>(std::move(batch));
  auto results = std::make_shared<Result<std::vector<Appended>>>(std::move(committed));
  batch.clear();
  post_reply([done, results] {
    for (std::size_t i = 0; i < done->size(); ++i) {
      if (*results) {
        (*done)[i].done((**results)[i]);
      } else {
        (*done)[i].done(results->error());
      }
    }
  });
}

}  // namespace parley::store
