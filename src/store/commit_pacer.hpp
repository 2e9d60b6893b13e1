// Decides when a small batch of appends should wait a moment for company
// before its commit. Every commit costs a sync (with full durability), its
// writes and two thread wake-ups whatever it holds, so when appends arrive
// steadily but apart (many quiet rooms), waiting up to a window lets one
// commit serve several. The wait is taken only while it pays: not when the
// store was quiet, not for a batch already big enough to share its commit,
// and not while recent waits brought nothing (a sender that waits for its
// ack before sending again). Pure: the caller supplies the time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>

namespace parley::store {

class CommitPacer {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // Batches of this many appends commit at once: their commit is shared already.
  static constexpr std::size_t kSharedEnough = 8;
  // This many waits in a row that brought nothing turn waiting off ...
  static constexpr int kFruitlessWaitsToBackOff = 2;
  // ... for this many commits, after which one wait is tried again.
  static constexpr int kCommitsBackedOff = 32;

  // A zero window never waits; nor does a `max_batch` of 1 (nothing to share).
  CommitPacer(std::chrono::microseconds window, std::size_t max_batch)
      : window_(window), shared_enough_(std::min(kSharedEnough, max_batch)) {}

  // Appends that end a wait: min(kSharedEnough, max_batch).
  std::size_t shared_enough() const { return shared_enough_; }

  // With `appends` ready at `now`: the time to wait until for more, if any.
  // Answers only while `appends` is below shared_enough().
  std::optional<Time> wait_until(std::size_t appends, Time now) const;

  // A wait ended; `joined` appends arrived during it.
  void waited(std::size_t joined);

  // A commit of appends ended at `now` (waited or not).
  void committed(Time now);

 private:
  std::chrono::microseconds window_;
  std::size_t shared_enough_;
  std::optional<Time> last_commit_;
  int fruitless_waits_ = 0;
  int backed_off_commits_ = 0;  // commits still to go without waiting
};

}  // namespace parley::store
