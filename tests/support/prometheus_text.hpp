// A strict reader of Prometheus' text exposition format (version 0.0.4), for
// tests of /metrics: it refuses what the format forbids and what a scraper
// would choke on or misread, with the line at fault.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace parley::test {

using Labels = std::map<std::string, std::string>;

struct PromSample {
  std::string name;  // as written: with _bucket, _sum or _count for a histogram
  Labels labels;
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type;  // counter, gauge, histogram, summary or untyped
  std::string help;  // unescaped
  std::vector<PromSample> samples;
};

class PromText {
 public:
  // Parses `text`; throws std::runtime_error naming the line when:
  // a line is not a comment, HELP, TYPE or sample; a name, label or value
  // is malformed or a label value has an unknown escape; a sample's family
  // has no TYPE line before it (every sample must belong to a declared
  // family), or the family's lines are not together; HELP or TYPE comes
  // twice or after the family's samples; a series repeats; a counter is
  // negative; a histogram misses _sum, _count or an le="+Inf" bucket, its
  // buckets are not in increasing le order with non-decreasing counts, or
  // its +Inf bucket differs from its _count.
  static PromText parse(std::string_view text);

  bool has(std::string_view family) const;
  const PromFamily& family(std::string_view name) const;  // throws when absent
  // The value of sample `name` with exactly `labels`; throws when absent.
  double value(std::string_view name, const Labels& labels = {}) const;
  // Every family, by name.
  const std::map<std::string, PromFamily, std::less<>>& families() const { return families_; }

 private:
  std::map<std::string, PromFamily, std::less<>> families_;
};

}  // namespace parley::test
