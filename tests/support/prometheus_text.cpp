#include "support/prometheus_text.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <stdexcept>

namespace parley::test {

namespace {

[[noreturn]] void fail(std::size_t line, const std::string& why, std::string_view text) {
  throw std::runtime_error("/metrics line " + std::to_string(line) + ": " + why + ": " +
                           std::string(text));
}

bool is_name_start(char c, bool colon_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (colon_allowed && c == ':');
}
bool is_name_char(char c, bool colon_allowed) {
  return is_name_start(c, colon_allowed) || (c >= '0' && c <= '9');
}

// Takes a metric (or, without colons, label) name off the front of `rest`.
std::optional<std::string> take_name(std::string_view& rest, bool colon_allowed) {
  if (rest.empty() || !is_name_start(rest.front(), colon_allowed)) return std::nullopt;
  std::size_t end = 1;
  while (end < rest.size() && is_name_char(rest[end], colon_allowed)) ++end;
  std::string name(rest.substr(0, end));
  rest.remove_prefix(end);
  return name;
}

// A number as Prometheus reads it (Go's ParseFloat, plus the spellings of
// infinity and NaN).
std::optional<double> parse_value(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return value;
}

// The family a sample name belongs to, given the declared types.
std::optional<std::string> family_of(const std::string& sample,
                                     const std::map<std::string, PromFamily, std::less<>>& known) {
  if (auto found = known.find(sample); found != known.end() && found->second.type != "histogram" &&
                                       found->second.type != "summary") {
    return sample;
  }
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (!sample.ends_with(suffix)) continue;
    const std::string base = sample.substr(0, sample.size() - suffix.size());
    auto found = known.find(base);
    if (found == known.end()) continue;
    if (found->second.type == "histogram") return base;
    if (found->second.type == "summary" && suffix != "_bucket") return base;
  }
  return std::nullopt;
}

std::string unescape_help(std::string_view text, std::size_t line) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 == text.size()) fail(line, "HELP ends inside an escape", text);
    const char next = text[++i];
    if (next == '\\') {
      out += '\\';
    } else if (next == 'n') {
      out += '\n';
    } else {
      fail(line, "unknown escape in HELP", text);
    }
  }
  return out;
}

Labels parse_labels(std::string_view& rest, std::size_t line, std::string_view text) {
  Labels labels;
  rest.remove_prefix(1);  // '{'
  for (;;) {
    if (!rest.empty() && rest.front() == '}') break;
    auto name = take_name(rest, false);
    if (!name) fail(line, "malformed label name", text);
    if (name->starts_with("__")) fail(line, "reserved label name", text);
    if (rest.size() < 2 || rest[0] != '=' || rest[1] != '"') fail(line, "expected =\"", text);
    rest.remove_prefix(2);
    std::string value;
    bool closed = false;
    while (!rest.empty()) {
      const char c = rest.front();
      rest.remove_prefix(1);
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\n') fail(line, "raw newline in a label value", text);
      if (c != '\\') {
        value += c;
        continue;
      }
      if (rest.empty()) fail(line, "label value ends inside an escape", text);
      const char next = rest.front();
      rest.remove_prefix(1);
      if (next == '\\') {
        value += '\\';
      } else if (next == '"') {
        value += '"';
      } else if (next == 'n') {
        value += '\n';
      } else {
        fail(line, "unknown escape in a label value", text);
      }
    }
    if (!closed) fail(line, "unterminated label value", text);
    if (!labels.emplace(*name, std::move(value)).second) fail(line, "repeated label", text);
    if (!rest.empty() && rest.front() == ',') {
      rest.remove_prefix(1);
      continue;
    }
    if (rest.empty() || rest.front() != '}') fail(line, "expected , or }", text);
  }
  rest.remove_prefix(1);  // '}'
  return labels;
}

void check_histogram(const PromFamily& family) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, count) in order of appearance
    std::optional<double> sum;
    std::optional<double> count;
  };
  std::map<Labels, Series> series;
  const auto where = [&](const std::string& why) {
    throw std::runtime_error("/metrics histogram " + family.name + ": " + why);
  };
  for (const PromSample& sample : family.samples) {
    Labels labels = sample.labels;
    if (sample.name == family.name + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) where("a bucket without le");
      const auto bound = parse_value(le->second);
      if (!bound || std::isnan(*bound)) where("le is no number: " + le->second);
      labels.erase(le);
      series[labels].buckets.emplace_back(*bound, sample.value);
    } else if (sample.name == family.name + "_sum") {
      series[labels].sum = sample.value;
    } else if (sample.name == family.name + "_count") {
      series[labels].count = sample.value;
    } else {
      where("a sample of another name: " + sample.name);
    }
  }
  if (series.empty()) where("no series");
  for (const auto& [labels, one] : series) {
    if (!one.sum) where("no _sum");
    if (!one.count) where("no _count");
    if (one.buckets.empty() || !std::isinf(one.buckets.back().first)) where("no le=\"+Inf\" last");
    for (std::size_t i = 0; i < one.buckets.size(); ++i) {
      const auto [le, count] = one.buckets[i];
      if (count < 0 || count != std::floor(count)) where("a bucket count that is no count");
      if (i > 0 && !(le > one.buckets[i - 1].first)) where("le not increasing");
      if (i > 0 && count < one.buckets[i - 1].second) where("bucket counts not cumulative");
    }
    if (one.buckets.back().second != *one.count) where("the +Inf bucket differs from _count");
    if (*one.sum < 0) where("a negative _sum of durations");
  }
}

}  // namespace

PromText PromText::parse(std::string_view text) {
  PromText parsed;
  if (!text.empty() && !text.ends_with('\n')) {
    throw std::runtime_error("/metrics does not end with a newline");
  }
  std::set<std::string> finished;  // families whose lines have ended
  std::string current;             // the family of the last line
  std::set<std::pair<std::string, Labels>> seen;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.empty()) continue;
    const auto enter = [&](const std::string& family) {
      if (family == current) return;
      if (finished.contains(family))
        fail(number, "the lines of family " + family + " are apart", line);
      if (!current.empty()) finished.insert(current);
      current = family;
    };

    if (line.starts_with('#')) {
      std::string_view rest = line.substr(1);
      if (!rest.starts_with(" HELP ") && !rest.starts_with(" TYPE ")) continue;  // a comment
      const bool is_help = rest.starts_with(" HELP ");
      rest.remove_prefix(6);
      auto name = take_name(rest, true);
      if (!name) fail(number, "malformed metric name", line);
      if (!rest.empty() && rest.front() != ' ') fail(number, "malformed metric name", line);
      if (!rest.empty()) rest.remove_prefix(1);
      enter(*name);
      PromFamily& family = parsed.families_[*name];
      family.name = *name;
      if (!family.samples.empty()) fail(number, "HELP or TYPE after the samples", line);
      if (is_help) {
        if (!family.help.empty()) fail(number, "a second HELP", line);
        family.help = unescape_help(rest, number);
        if (family.help.empty()) fail(number, "empty HELP", line);
      } else {
        if (!family.type.empty()) fail(number, "a second TYPE", line);
        static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram",
                                                          "summary", "untyped"};
        if (!kTypes.contains(rest)) fail(number, "unknown type", line);
        family.type = std::string(rest);
      }
      continue;
    }

    std::string_view rest = line;
    auto name = take_name(rest, true);
    if (!name) fail(number, "malformed metric name", line);
    Labels labels;
    if (!rest.empty() && rest.front() == '{') labels = parse_labels(rest, number, line);
    if (rest.empty() || rest.front() != ' ')
      fail(number, "expected a space before the value", line);
    rest.remove_prefix(1);
    const std::size_t space = rest.find(' ');
    const auto value = parse_value(rest.substr(0, space));
    if (!value) fail(number, "the value is no number", line);
    if (space != std::string_view::npos) {
      const std::string_view timestamp = rest.substr(space + 1);
      if (timestamp.empty() || timestamp.find_first_not_of("-0123456789") != std::string_view::npos)
        fail(number, "malformed timestamp", line);
    }
    const auto family_name = family_of(*name, parsed.families_);
    if (!family_name) fail(number, "a sample of no declared family", line);
    PromFamily& family = parsed.families_.find(*family_name)->second;
    if (family.type.empty()) fail(number, "a sample before its family's TYPE", line);
    enter(*family_name);
    if (!seen.emplace(*name, labels).second) fail(number, "a repeated series", line);
    if (family.type == "counter" && !(*value >= 0)) fail(number, "a counter below zero", line);
    family.samples.push_back(PromSample{*name, std::move(labels), *value});
  }
  for (const auto& [name, family] : parsed.families_) {
    if (family.type.empty()) throw std::runtime_error("/metrics family " + name + " has no TYPE");
    if (family.type == "histogram") check_histogram(family);
  }
  return parsed;
}

bool PromText::has(std::string_view family) const {
  return families_.find(family) != families_.end();
}

const PromFamily& PromText::family(std::string_view name) const {
  auto found = families_.find(name);
  if (found == families_.end()) throw std::runtime_error("no family " + std::string(name));
  return found->second;
}

double PromText::value(std::string_view name, const Labels& labels) const {
  for (const auto& [family_name, family] : families_) {
    for (const PromSample& sample : family.samples) {
      if (sample.name == name && sample.labels == labels) return sample.value;
    }
  }
  std::string shown(name);
  for (const auto& [key, value] : labels) shown += " " + key + "=" + value;
  throw std::runtime_error("no sample " + shown);
}

}  // namespace parley::test
