// A one-line JSON object writer with readable numbers (3 decimals at most,
// no exponents), for the final line of a run. Keys are trusted literals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench {

class JsonLine {
 public:
  JsonLine& add(std::string_view key, std::string_view text);
  JsonLine& add(std::string_view key, const char* text) { return add(key, std::string_view(text)); }
  JsonLine& add(std::string_view key, std::uint64_t number);
  JsonLine& add(std::string_view key, double number);
  JsonLine& add(std::string_view key, bool flag);
  JsonLine& add(std::string_view key, std::optional<double> number);  // null when absent
  JsonLine& add(std::string_view key, const JsonLine& nested);

  std::string str() const { return body_ + "}"; }

 private:
  JsonLine& add_raw(std::string_view key, std::string_view value);
  std::string body_ = "{";
};

// `value` with at most `decimals` decimals, trailing zeros dropped.
std::string format_number(double value, int decimals = 3);

}  // namespace parley::bench
