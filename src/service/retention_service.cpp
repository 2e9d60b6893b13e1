#include "service/retention_service.hpp"

#include "obs/log.hpp"

namespace parley::service {

RetentionService::RetentionService(store::StoreWorker& store, boost::asio::any_io_executor executor,
                                   const core::Clock& clock, RetentionSettings settings)
    : store_(store), executor_(std::move(executor)), clock_(clock), settings_(settings) {}

RetentionService::~RetentionService() {
  stop();
}

void RetentionService::start() {
  if (!settings_.is_enabled() || *running_) return;
  *running_ = true;
  run_batch({}, 0);
}

void RetentionService::stop() {
  *running_ = false;
  if (timer_) timer_->cancel();
}

void RetentionService::run_batch(store::RetentionCursor cursor, std::uint64_t removed) {
  constexpr std::int64_t kMsPerDay = 24LL * 60 * 60 * 1000;
  store::RetentionPolicy policy;
  policy.max_events = settings_.max_events;
  policy.max_age_ms = static_cast<std::int64_t>(settings_.max_days) * kMsPerDay;
  policy.batch_rows = settings_.batch_rows;
  store_.run<store::RetentionBatch>(
      [policy, cursor, now = clock_.now_ms()](store::Store& store) {
        return store.trim_history(policy, cursor, now);
      },
      [this, running = running_, removed](store::Result<store::RetentionBatch> batch) {
        if (!*running) return;
        if (!batch) {
          obs::log_warn("retention: cannot remove old history now: " + batch.error().message());
          return schedule_next_pass();
        }
        const std::uint64_t total = removed + batch->removed;
        if (!batch->next.done) return run_batch(batch->next, total);
        if (batch->busy_elsewhere) {
          obs::log_debug("retention: another node is removing old history");
        } else if (total > 0) {
          obs::log_info(std::string("retention: removed ") + std::to_string(total) + " old events");
        }
        schedule_next_pass();
      });
}

void RetentionService::schedule_next_pass() {
  timer_ = std::make_unique<boost::asio::steady_timer>(executor_, settings_.interval);
  timer_->async_wait([this, running = running_](boost::system::error_code error) {
    if (error || !*running) return;
    run_batch({}, 0);
  });
}

}  // namespace parley::service
