// Which seqs of one room one receiver has seen, as a bitmap from the seq it
// joined at: counts duplicates and out-of-order arrivals exactly, and the
// lost ones once the room's final seq is known. Owned by one client.
#pragma once

#include <cstdint>
#include <vector>

namespace parley::bench {

class SeqTracker {
 public:
  // Messages with seq above `joined_seq` are expected from now on.
  void start(std::uint64_t joined_seq);

  // Returns true when `seq` is new (not a duplicate).
  bool record(std::uint64_t seq);

  bool is_started() const { return started_; }
  std::uint64_t joined_seq() const { return joined_seq_; }
  std::uint64_t highest_seq() const { return highest_; }
  std::uint64_t distinct() const { return distinct_; }
  std::uint64_t duplicated() const { return duplicated_; }
  std::uint64_t out_of_order() const { return out_of_order_; }
  // Seqs in (joined_seq, final_seq] that never arrived.
  std::uint64_t missing_up_to(std::uint64_t final_seq) const;

 private:
  std::vector<std::uint64_t> seen_;  // bit i: seq joined_seq_ + 1 + i arrived
  std::uint64_t joined_seq_ = 0;
  std::uint64_t highest_ = 0;
  std::uint64_t distinct_ = 0;
  std::uint64_t duplicated_ = 0;
  std::uint64_t out_of_order_ = 0;
  bool started_ = false;
};

}  // namespace parley::bench
