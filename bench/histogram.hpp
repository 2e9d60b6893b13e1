// A log-linear histogram of durations in nanoseconds (HdrHistogram-like):
// exact below 128 ns, then 64 linear buckets per power of two, so a
// percentile is within 1/64 (1.6 %) of the true value. Fixed size, no
// allocation when recording. Owned by one thread; merge after joining.
#pragma once

#include <array>
#include <cstdint>

namespace parley::bench {

class Histogram {
 public:
  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The smallest bucket bound that at least `percent` % of the values are
  // at or below (the exact max for 100).
  std::uint64_t percentile(double percent) const;

 private:
  static constexpr int kLinearBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kExactLimitBits = kLinearBits + 1;
  static constexpr std::size_t kBuckets =
      (1u << kExactLimitBits) + (64 - kExactLimitBits) * (1u << kLinearBits);

  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t upper_bound_of(std::size_t index);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace parley::bench
