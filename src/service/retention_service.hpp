// Retention: keeps each room's history within the configured limits by
// removing its oldest events, in the background. A pass runs at start-up and
// then every `interval` after the last one ended; each pass is a chain of
// small store jobs (RetentionPolicy::batch_rows events in one transaction),
// queued on the store worker one after another, so appends queued meanwhile
// are committed between them and the event loop never waits for a pass.
// I/O thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "core/clock.hpp"
#include "store/store_worker.hpp"

namespace parley::service {

struct RetentionSettings {
  std::uint64_t max_events = 0;  // --retention-messages: keep the last N seqs of a room (0: all)
  std::uint64_t max_days = 0;    // --retention-days: remove events older than N days (0: none)
  std::chrono::seconds interval{
      60};                        // --retention-interval: between the end of a pass and the next
  std::size_t batch_rows = 1000;  // events removed by one transaction
  bool is_enabled() const { return max_events != 0 || max_days != 0; }
};

class RetentionService {
 public:
  RetentionService(store::StoreWorker& store, boost::asio::any_io_executor executor,
                   const core::Clock& clock, RetentionSettings settings);
  ~RetentionService();
  RetentionService(const RetentionService&) = delete;
  RetentionService& operator=(const RetentionService&) = delete;

  // Starts the first pass (nothing when retention is not enabled).
  void start();
  // No pass starts after this; a batch under way on the store thread ends
  // and its answer is ignored.
  void stop();

 private:
  void run_batch(store::RetentionCursor cursor, std::uint64_t removed);
  void schedule_next_pass();

  store::StoreWorker& store_;
  boost::asio::any_io_executor executor_;
  const core::Clock& clock_;
  RetentionSettings settings_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  // Shared with the answers of queued batches: false once stopped or gone.
  std::shared_ptr<bool> running_ = std::make_shared<bool>(false);
};

}  // namespace parley::service
