// Wall-clock time in milliseconds since the Unix epoch, behind an interface so
// tests can set the time. Implementations are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace parley::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void advance_ms(std::int64_t delta) { now_ += delta; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace parley::core
