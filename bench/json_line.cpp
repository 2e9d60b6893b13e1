#include "json_line.hpp"

#include <cmath>
#include <cstdio>

namespace parley::bench {

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string out = text;
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

JsonLine& JsonLine::add_raw(std::string_view key, std::string_view value) {
  if (body_.size() > 1) body_ += ',';
  body_.append("\"").append(key).append("\":").append(value);
  return *this;
}

JsonLine& JsonLine::add(std::string_view key, std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return add_raw(key, quoted + "\"");
}

JsonLine& JsonLine::add(std::string_view key, std::uint64_t number) {
  return add_raw(key, std::to_string(number));
}

JsonLine& JsonLine::add(std::string_view key, double number) {
  return add_raw(key, format_number(number));
}

JsonLine& JsonLine::add(std::string_view key, bool flag) {
  return add_raw(key, flag ? "true" : "false");
}

JsonLine& JsonLine::add(std::string_view key, std::optional<double> number) {
  return add_raw(key, number ? format_number(*number) : "null");
}

JsonLine& JsonLine::add(std::string_view key, const JsonLine& nested) {
  return add_raw(key, nested.str());
}

}  // namespace parley::bench
