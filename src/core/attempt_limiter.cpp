#include "core/attempt_limiter.hpp"

#include <algorithm>

namespace parley::core {

AttemptLimiter::AttemptLimiter(std::size_t max_attempts, std::int64_t window_ms)
    : max_attempts_(max_attempts), window_ms_(window_ms) {}

std::int64_t AttemptLimiter::wait_ms(const std::string& key, std::int64_t now_ms) const {
  if (max_attempts_ == 0) return 0;
  auto it = windows_.find(key);
  if (it == windows_.end()) return 0;
  const Window& window = it->second;
  const std::int64_t ends = window.start_ms + window_ms_;
  if (now_ms >= ends || window.attempts < max_attempts_) return 0;
  return ends - now_ms;
}

void AttemptLimiter::record(const std::string& key, std::int64_t now_ms) {
  if (max_attempts_ == 0) return;
  Window& window = windows_[key];
  if (window.attempts == 0 || now_ms >= window.start_ms + window_ms_) {
    window = Window{now_ms, 0};
  }
  ++window.attempts;
  if (windows_.size() >= sweep_at_) sweep(now_ms);
}

void AttemptLimiter::take_back(const std::string& key) {
  auto it = windows_.find(key);
  if (it == windows_.end()) return;
  if (it->second.attempts <= 1) {
    windows_.erase(it);
  } else {
    --it->second.attempts;
  }
}

void AttemptLimiter::sweep(std::int64_t now_ms) {
  std::erase_if(windows_,
                [&](const auto& entry) { return now_ms >= entry.second.start_ms + window_ms_; });
  // Sweep again when the map has doubled since, so the cost stays amortised.
  sweep_at_ = std::max<std::size_t>(1024, windows_.size() * 2);
}

}  // namespace parley::core
