#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::bench {

std::size_t Histogram::index_of(std::uint64_t value) {
  constexpr std::uint64_t exact_limit = 1u << kExactLimitBits;
  if (value < exact_limit) return static_cast<std::size_t>(value);
  const int exponent = 63 - std::countl_zero(value);  // >= kExactLimitBits
  const std::uint64_t sub = (value >> (exponent - kLinearBits)) & ((1u << kLinearBits) - 1);
  return exact_limit + static_cast<std::size_t>(exponent - kExactLimitBits) * (1u << kLinearBits) +
         static_cast<std::size_t>(sub);
}

std::uint64_t Histogram::upper_bound_of(std::size_t index) {
  constexpr std::size_t exact_limit = 1u << kExactLimitBits;
  if (index < exact_limit) return index;
  const std::size_t offset = index - exact_limit;
  const int exponent = static_cast<int>(offset >> kLinearBits) + kExactLimitBits;
  const std::uint64_t sub = offset & ((1u << kLinearBits) - 1);
  const std::uint64_t low = (std::uint64_t{1} << exponent) | (sub << (exponent - kLinearBits));
  return low + (std::uint64_t{1} << (exponent - kLinearBits)) - 1;
}

void Histogram::record(std::uint64_t value) {
  ++buckets_[index_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t Histogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (percent >= 100.0) return max_;
  const auto wanted = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(percent / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= wanted) return std::min(upper_bound_of(i), max_);
  }
  return max_;
}

}  // namespace parley::bench
