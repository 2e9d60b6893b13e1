#include "frame_scanner.hpp"

namespace parley::bench {
namespace {

struct Cursor {
  const char* at;
  const char* end;

  bool done() const { return at >= end; }
  void skip_space() {
    while (at < end && (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t')) ++at;
  }
  bool take(char expected) {
    skip_space();
    if (at >= end || *at != expected) return false;
    ++at;
    return true;
  }
};

// At an opening quote: reads up to the closing one, leaving escapes as they are.
bool read_string(Cursor& cursor, std::string_view& out) {
  if (cursor.done() || *cursor.at != '"') return false;
  const char* start = ++cursor.at;
  while (cursor.at < cursor.end) {
    const char c = *cursor.at;
    if (c == '\\') {
      cursor.at += 2;
    } else if (c == '"') {
      out = std::string_view(start, static_cast<std::size_t>(cursor.at - start));
      ++cursor.at;
      return true;
    } else {
      ++cursor.at;
    }
  }
  return false;
}

bool read_unsigned(Cursor& cursor, std::uint64_t& out) {
  const char* start = cursor.at;
  std::uint64_t value = 0;
  while (cursor.at < cursor.end && *cursor.at >= '0' && *cursor.at <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(*cursor.at - '0');
    ++cursor.at;
  }
  out = value;
  return cursor.at != start;
}

// Skips one value of any kind; nested containers only need their brackets
// balanced, since nothing inside them is read.
bool skip_value(Cursor& cursor) {
  cursor.skip_space();
  if (cursor.done()) return false;
  if (*cursor.at == '"') {
    std::string_view ignored;
    return read_string(cursor, ignored);
  }
  if (*cursor.at == '{' || *cursor.at == '[') {
    int depth = 0;
    while (cursor.at < cursor.end) {
      const char c = *cursor.at;
      if (c == '"') {
        std::string_view ignored;
        if (!read_string(cursor, ignored)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++cursor.at;
      if (depth == 0) return true;
    }
    return false;
  }
  while (cursor.at < cursor.end && *cursor.at != ',' && *cursor.at != '}' && *cursor.at != ']' &&
         *cursor.at != ' ') {
    ++cursor.at;
  }
  return true;
}

// Walks the members of an object; `on_field(key, cursor)` either reads the
// value (returning true) or leaves it to be skipped (returning false).
template <class OnField>
bool scan_object(Cursor& cursor, OnField&& on_field) {
  if (!cursor.take('{')) return false;
  cursor.skip_space();
  if (!cursor.done() && *cursor.at == '}') {
    ++cursor.at;
    return true;
  }
  while (true) {
    cursor.skip_space();
    std::string_view key;
    if (!read_string(cursor, key) || !cursor.take(':')) return false;
    cursor.skip_space();
    if (!on_field(key, cursor) && !skip_value(cursor)) return false;
    if (cursor.take(',')) continue;
    return cursor.take('}');
  }
}

bool read_frame_field(std::string_view key, Cursor& cursor, ScannedFrame& frame) {
  std::string_view* target = nullptr;
  if (key == "type")
    target = &frame.type;
  else if (key == "room")
    target = &frame.room;
  else if (key == "id")
    target = &frame.id;
  else if (key == "text")
    target = &frame.text;
  else if (key == "code")
    target = &frame.code;
  if (target != nullptr && !cursor.done() && *cursor.at == '"') {
    return read_string(cursor, *target);
  }
  if (key == "seq" && !cursor.done() && *cursor.at != '"') {
    frame.has_seq = read_unsigned(cursor, frame.seq);
    return frame.has_seq;
  }
  return false;
}

// At the '[' of the messages array.
bool scan_messages(Cursor& cursor, const std::function<void(const ScannedFrame&)>& on_message) {
  if (!cursor.take('[')) return false;
  cursor.skip_space();
  if (!cursor.done() && *cursor.at == ']') {
    ++cursor.at;
    return true;
  }
  do {
    ScannedFrame message;
    const bool scanned = scan_object(cursor, [&](std::string_view key, Cursor& value) {
      return read_frame_field(key, value, message);
    });
    if (!scanned) return false;
    on_message(message);
  } while (cursor.take(','));
  return cursor.take(']');
}

}  // namespace

bool scan_frame(std::string_view json, ScannedFrame& frame) {
  Cursor cursor{json.data(), json.data() + json.size()};
  return scan_object(
      cursor, [&](std::string_view key, Cursor& at) { return read_frame_field(key, at, frame); });
}

bool scan_message_page(std::string_view json, std::uint64_t& last_seq,
                       const std::function<void(const ScannedFrame&)>& on_message) {
  Cursor cursor{json.data(), json.data() + json.size()};
  bool messages_ok = true;
  const bool scanned = scan_object(cursor, [&](std::string_view key, Cursor& at) {
    if (key == "last_seq") return read_unsigned(at, last_seq);
    if (key != "messages") return false;
    messages_ok = scan_messages(at, on_message);
    return true;
  });
  return scanned && messages_ok;
}

std::optional<std::string_view> find_string_field(std::string_view json, std::string_view key) {
  Cursor cursor{json.data(), json.data() + json.size()};
  std::optional<std::string_view> found;
  const bool scanned = scan_object(cursor, [&](std::string_view field, Cursor& at) {
    std::string_view value;
    if (field != key || at.done() || *at.at != '"' || !read_string(at, value)) return false;
    found = value;
    return true;
  });
  return scanned ? found : std::nullopt;
}

std::optional<std::uint64_t> parse_send_time(std::string_view text) {
  if (text.size() < 3 || text[0] != 't' || text[1] != '=') return std::nullopt;
  Cursor cursor{text.data() + 2, text.data() + text.size()};
  std::uint64_t value = 0;
  if (!read_unsigned(cursor, value)) return std::nullopt;
  return value;
}

}  // namespace parley::bench
