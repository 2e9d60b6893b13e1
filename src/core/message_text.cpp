#include "core/message_text.hpp"

namespace parley::core {
namespace {

// Decodes one code point at `pos`, advancing it; nullopt on malformed input.
std::optional<char32_t> decode_next(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t code_point = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + length > text.size()) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if ((next & 0xC0) != 0x80) return std::nullopt;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return std::nullopt;
  }
  pos += length;
  return code_point;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (!decode_next(text, pos)) return false;
  }
  return true;
}

bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::optional<Error> check_message_text(std::string_view text, std::size_t max_code_points) {
  // One pass: count code points and remember where the non-space run starts
  // and ends, so trimming needs no copy.
  std::size_t total = 0;
  std::size_t first_non_space = 0;  // index, in code points
  std::size_t last_non_space = 0;   // one past, in code points
  bool seen_non_space = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto code_point = decode_next(text, pos);
    if (!code_point) return Error{ErrorCode::bad_request, "text is not valid UTF-8"};
    if (*code_point == 0) return Error{ErrorCode::bad_request, "text must not contain U+0000"};
    if (!is_white_space(*code_point)) {
      if (!seen_non_space) first_non_space = total;
      seen_non_space = true;
      last_non_space = total + 1;
    }
    ++total;
  }
  if (!seen_non_space) return Error{ErrorCode::bad_request, "text is empty"};
  if (last_non_space - first_non_space > max_code_points) {
    return Error{ErrorCode::too_large, "text is longer than 4000 characters"};
  }
  return std::nullopt;
}

}  // namespace parley::core
