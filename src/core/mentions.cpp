#include "core/mentions.hpp"

namespace parley::core {

namespace {

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

bool mentions(std::string_view text, const UserName& user) {
  const std::string& key = user.key();
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at > 0 && is_name_character(text[at - 1])) continue;
    std::size_t end = at + 1;
    while (end < text.size() && is_name_character(text[end])) ++end;
    // The whole run, or the run without the dots that end a sentence (a name
    // may end with a dot itself).
    std::string_view word = text.substr(at + 1, end - at - 1);
    while (word.size() > key.size() && word.back() == '.') word.remove_suffix(1);
    if (word.size() == key.size() && fold_case(word) == key) return true;
  }
  return false;
}

std::string mention_candidates_pattern(const UserName& user) {
  // Names hold no '%', but '_' would match any character.
  std::string pattern = "%@";
  for (const char c : user.key()) {
    if (c == '_') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

}  // namespace parley::core
