// Counts attempts per key (an account, an address) in fixed windows and says
// when a key must wait. Memory stays bounded: keys whose window has passed are
// swept out as new ones arrive. No I/O; one thread (the I/O thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace parley::core {

class AttemptLimiter {
 public:
  // `max_attempts` within `window_ms`; 0 attempts disables the limit.
  AttemptLimiter(std::size_t max_attempts, std::int64_t window_ms);

  // Milliseconds until `key` may try again; 0 when it may now.
  std::int64_t wait_ms(const std::string& key, std::int64_t now_ms) const;
  // Counts one attempt (a failed login, a guest created, ...).
  void record(const std::string& key, std::int64_t now_ms);
  // Takes back one attempt recorded for `key` (counted when it began, it
  // turned out not to be a failure).
  void take_back(const std::string& key);
  // Forgets `key` (a login that succeeded).
  void clear(const std::string& key) { windows_.erase(key); }
  std::size_t tracked_keys() const { return windows_.size(); }

 private:
  struct Window {
    std::int64_t start_ms = 0;
    std::size_t attempts = 0;
  };
  void sweep(std::int64_t now_ms);

  std::size_t max_attempts_;
  std::int64_t window_ms_;
  std::size_t sweep_at_ = 1024;  // size that triggers the next sweep
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace parley::core
