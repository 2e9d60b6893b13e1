#include "core/names.hpp"

namespace parley::core {
namespace {

bool is_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) {
  return is_letter_or_digit(c) || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::string fold_case(std::string_view text) {
  std::string folded(text);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

template <std::size_t MaxLength>
Name<MaxLength>::Name(std::string_view text) : text_(text), key_(fold_case(text)) {}

template <std::size_t MaxLength>
std::optional<Name<MaxLength>> Name<MaxLength>::parse(std::string_view text) {
  if (text.empty() || text.size() > MaxLength || !is_letter_or_digit(text.front())) {
    return std::nullopt;
  }
  for (char c : text) {
    if (!is_name_char(c)) return std::nullopt;
  }
  return Name(text);
}

template class Name<kMaxRoomNameLength>;
template class Name<kMaxUserNameLength>;

bool is_valid_client_message_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientMessageIdLength) return false;
  for (char c : id) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace parley::core
