#include "seq_tracker.hpp"

#include <algorithm>
#include <bit>

namespace parley::bench {

void SeqTracker::start(std::uint64_t joined_seq) {
  joined_seq_ = joined_seq;
  highest_ = joined_seq;
  started_ = true;
}

bool SeqTracker::record(std::uint64_t seq) {
  // A seq from before the join was never asked for: a plain join replays
  // nothing, so it counts as a repeat.
  if (seq <= joined_seq_) {
    ++duplicated_;
    return false;
  }
  const std::uint64_t bit = seq - joined_seq_ - 1;
  const std::size_t word = static_cast<std::size_t>(bit / 64);
  if (word >= seen_.size()) seen_.resize(std::max(word + 1, seen_.size() * 2), 0);
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if (seen_[word] & mask) {
    ++duplicated_;
    return false;
  }
  seen_[word] |= mask;
  ++distinct_;
  if (seq < highest_) ++out_of_order_;
  if (seq > highest_) highest_ = seq;
  return true;
}

std::uint64_t SeqTracker::missing_up_to(std::uint64_t final_seq) const {
  if (final_seq <= joined_seq_) return 0;
  const std::uint64_t expected = final_seq - joined_seq_;
  std::uint64_t arrived = 0;
  const std::uint64_t full_words = expected / 64;
  for (std::size_t i = 0; i < seen_.size() && i < full_words; ++i) {
    arrived += static_cast<std::uint64_t>(std::popcount(seen_[i]));
  }
  const std::uint64_t rest = expected % 64;
  if (rest != 0 && full_words < seen_.size()) {
    const std::uint64_t mask = (std::uint64_t{1} << rest) - 1;
    arrived += static_cast<std::uint64_t>(std::popcount(seen_[full_words] & mask));
  }
  return expected - arrived;
}

}  // namespace parley::bench
