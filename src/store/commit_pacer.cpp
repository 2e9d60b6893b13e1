#include "store/commit_pacer.hpp"

namespace parley::store {

std::optional<CommitPacer::Time> CommitPacer::wait_until(std::size_t appends, Time now) const {
  if (window_.count() <= 0 || appends == 0 || appends >= shared_enough_) return std::nullopt;
  if (backed_off_commits_ > 0) return std::nullopt;
  // Quiet store: the previous commit is over a window old, so the next append
  // is not likely within one either.
  if (!last_commit_ || now - *last_commit_ > window_) return std::nullopt;
  return now + window_;
}

void CommitPacer::waited(std::size_t joined) {
  if (joined > 0) {
    fruitless_waits_ = 0;
    return;
  }
  if (++fruitless_waits_ >= kFruitlessWaitsToBackOff) {
    // One fruitless wait after the back-off is enough to back off again.
    fruitless_waits_ = kFruitlessWaitsToBackOff - 1;
    // Plus one: the commit of the batch that waited is not one of them.
    backed_off_commits_ = kCommitsBackedOff + 1;
  }
}

void CommitPacer::committed(Time now) {
  last_commit_ = now;
  if (backed_off_commits_ > 0) --backed_off_commits_;
}

}  // namespace parley::store
