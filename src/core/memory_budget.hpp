// The bytes the server holds for clients beyond their live queues, for the
// whole process: replays being written and history pages being answered. Work
// that would pass the limit waits for room (a replay's next piece) or is
// refused (an HTTP page), so many clients that ask for history and never read
// cannot together grow the server without limit. No I/O; I/O thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <utility>

namespace parley::core {

class MemoryBudget {
 public:
  // Bytes held, released when the lease ends. Movable; empty when moved from.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    std::size_t bytes() const { return bytes_; }
    // Holds `bytes` instead (what was reserved, measured once read).
    void resize(std::size_t bytes);
    void release();

   private:
    friend class MemoryBudget;
    Lease(MemoryBudget* budget, std::size_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    std::size_t bytes_ = 0;
  };
  using Ready = std::function<void(Lease)>;

  // 0: no limit.
  explicit MemoryBudget(std::size_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // A lease of `bytes` when they fit now and nobody waits before; anything
  // fits an empty budget, so that one piece larger than the limit still goes.
  std::optional<Lease> try_take(std::size_t bytes);
  // Hands `ready` a lease of `bytes` once they fit and every earlier waiter
  // has been served: at once when they can, else from the release that makes
  // room (so `ready` must only start work, never wait).
  void when_fits(std::size_t bytes, Ready ready);
  // A lease of `bytes` whether they fit or not: for memory that is held
  // already (an answer built), counted so that new work waits for it.
  Lease take_unchecked(std::size_t bytes) { return take(bytes); }

  // True when `bytes` more fit now (whoever waits).
  bool has_room_for(std::size_t bytes) const { return fits(bytes); }
  std::size_t used() const { return used_; }
  std::size_t limit() const { return limit_; }
  std::size_t waiting() const { return waiters_.size(); }
  // The highest use since the last call, which resets it to the use now.
  std::size_t take_peak();

 private:
  bool fits(std::size_t bytes) const;
  Lease take(std::size_t bytes);
  void give_back(std::size_t bytes);
  void serve_waiters();

  struct Waiter {
    std::size_t bytes;
    Ready ready;
  };
  std::size_t limit_;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  std::deque<Waiter> waiters_;
  bool serving_ = false;  // inside serve_waiters: no nested round
};

}  // namespace parley::core
