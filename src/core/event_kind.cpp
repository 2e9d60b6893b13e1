#include "core/event_kind.hpp"

#include "core/message_text.hpp"

namespace parley::core {

std::string_view wire_type(EventKind kind) {
  switch (kind) {
    case EventKind::message:
      return "message";
    case EventKind::edit:
      return "edit";
    case EventKind::deletion:
      return "delete";
    case EventKind::reaction:
      return "reaction";
  }
  return "message";
}

namespace {

// The code point starting at `at`, which must be valid UTF-8; moves `at` past it.
char32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return text[at++];
  const int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  char32_t code_point = lead & (0x3F >> (length - 1));
  for (int i = 1; i < length; ++i) code_point = (code_point << 6) | (byte(at + i) & 0x3F);
  at += length;
  return code_point;
}

bool is_control(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

std::optional<Error> check_emoji(std::string_view emoji) {
  constexpr std::size_t kMaxEmojiBytes = 32;
  if (emoji.empty() || emoji.size() > kMaxEmojiBytes || !is_valid_utf8(emoji)) {
    return Error{ErrorCode::bad_request, "emoji must be 1 to 32 bytes of UTF-8"};
  }
  for (std::size_t at = 0; at < emoji.size();) {
    const char32_t code_point = next_code_point(emoji, at);
    if (is_white_space(code_point) || is_control(code_point)) {
      return Error{ErrorCode::bad_request, "emoji must not hold white space or control characters"};
    }
  }
  return std::nullopt;
}

}  // namespace parley::core
