// Validated names: a RoomName or UserName exists only if its text is valid, so
// code past the edge never re-checks. Plain values; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

inline constexpr std::size_t kMaxRoomNameLength = 64;
inline constexpr std::size_t kMaxUserNameLength = 32;
inline constexpr std::size_t kMaxClientMessageIdLength = 64;

// A name of `A-Z a-z 0-9 _ . -`, starting with a letter or digit. Compared
// case-insensitively through key(); shown as first written through text().
template <std::size_t MaxLength>
class Name {
 public:
  static std::optional<Name> parse(std::string_view text);

  const std::string& text() const { return text_; }
  const std::string& key() const { return key_; }

  friend bool operator==(const Name& a, const Name& b) { return a.key_ == b.key_; }

 private:
  explicit Name(std::string_view text);
  std::string text_;
  std::string key_;
};

using RoomName = Name<kMaxRoomNameLength>;
using UserName = Name<kMaxUserNameLength>;

// The lower-case form used to compare names.
std::string fold_case(std::string_view text);

// A client message id: 1-64 characters from '!' to '~'.
bool is_valid_client_message_id(std::string_view id);

}  // namespace parley::core
