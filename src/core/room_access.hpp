// Who may see and change a room: public rooms are open to everyone; a
// private room to the accounts it gave access to (its owner first); a direct
// conversation to its two accounts. The rules are written once here and
// applied by every store inside its own transaction. Pure functions; any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error_code.hpp"
#include "core/identity.hpp"
#include "core/names.hpp"

namespace parley::core {

// Stored as its number: never renumber.
enum class RoomKind : std::uint8_t { public_room = 0, private_room = 1, direct = 2 };

inline bool is_restricted(RoomKind kind) {
  return kind != RoomKind::public_room;
}

// The key a store grants access under: the account's user key. Only
// accounts can hold access (guests can neither be invited nor start a
// direct conversation); empty for a guest.
inline std::string access_key_of(const Identity& identity) {
  return identity.is_guest() ? std::string() : identity.user.key();
}

// The identity id of the account with this user key (Identity::account).
inline std::string account_id_of(std::string_view user_key) {
  return "a:" + std::string(user_key);
}

// The access key of the identity with this id: the user key of an account
// ("a:" + key), empty for a guest's.
inline std::string access_key_of_id(std::string_view identity_id) {
  return identity_id.starts_with("a:") ? std::string(identity_id.substr(2)) : std::string();
}

// Direct conversations live under names nobody can create: a room whose
// name starts with this is never created by a join, a post or
// POST /api/rooms.
inline constexpr std::string_view kDirectRoomPrefix = "dm-";
bool is_reserved_room_name(const RoomName& room);

// The room of the direct conversation between the accounts with these user
// keys: the same for either order, different for every other pair.
RoomName direct_room_name(std::string_view user_key_a, std::string_view user_key_b);

// What a store knows of a room when it applies a rule.
struct RoomAccessFacts {
  RoomKind kind = RoomKind::public_room;
  std::string owner_key;          // the owner's user key; empty: no owner
  bool actor_has_access = false;  // for a public room: always true
};

// Why `actor` may not invite someone (nullopt: it may). A room it cannot
// see is not_found, as if it did not exist.
std::optional<Error> refusal_of_invite(const RoomAccessFacts& room, const Identity& actor);

// Why `actor` may not take access from the account with `target_key`
// (nullopt: it may). Members may leave by naming themselves; the owner
// cannot leave its own room (it would have no owner).
std::optional<Error> refusal_of_removal(const RoomAccessFacts& room, const Identity& actor,
                                        std::string_view target_key);

}  // namespace parley::core
