// Builds PostgreSQL array literals ({"a","b"}, {1,2}, {t,f}) to pass a whole
// column of a batch as one statement parameter (unnest($1::text[]) ...). The
// values are data bound to a parameter, never SQL text. Plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::store {

class PgArray {
 public:
  void add(std::string_view text) {
    open_element();
    literal_ += '"';
    for (const char c : text) {
      if (c == '"' || c == '\\') literal_ += '\\';
      literal_ += c;
    }
    literal_ += '"';
  }
  void add(std::int64_t number) {
    open_element();
    literal_ += std::to_string(number);
  }
  void add(std::uint64_t number) {
    open_element();
    literal_ += std::to_string(number);
  }
  void add_boolean(bool value) {
    open_element();
    literal_ += value ? 't' : 'f';
  }
  bool is_empty() const { return literal_.size() <= 1; }

  // The literal, closed.
  const std::string& literal() {
    if (!closed_) literal_ += '}';
    closed_ = true;
    return literal_;
  }

 private:
  void open_element() {
    if (literal_.size() > 1) literal_ += ',';
  }

  std::string literal_ = "{";
  bool closed_ = false;
};

}  // namespace parley::store
