#include "core/room_access.hpp"

#include <sodium.h>

#include <algorithm>

namespace parley::core {

bool is_reserved_room_name(const RoomName& room) {
  return room.key().starts_with(kDirectRoomPrefix);
}

RoomName direct_room_name(std::string_view user_key_a, std::string_view user_key_b) {
  // Two names of up to 32 characters do not fit in one room name of 64 with
  // a prefix, and user names may hold any separator: a digest of the ordered
  // pair keeps the name short and the pairs apart. A newline is in no name.
  const std::string pair = std::string(std::min(user_key_a, user_key_b)) + "\n" +
                           std::string(std::max(user_key_a, user_key_b));
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(pair.data()),
                     pair.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return *RoomName::parse(std::string(kDirectRoomPrefix) + hex);
}

namespace {
// Why nobody may change who has access to `room` (nullopt: its owner may):
// it is closed to the actor, open to all, or a fixed pair.
std::optional<Error> refusal_of_any_change(const RoomAccessFacts& room) {
  if (!room.actor_has_access) return Error{ErrorCode::not_found, "no such room"};
  switch (room.kind) {
    case RoomKind::public_room:
      return Error{ErrorCode::bad_request, "a public room is open to everyone"};
    case RoomKind::direct:
      return Error{ErrorCode::forbidden, "a direct conversation has exactly two members"};
    case RoomKind::private_room:
      break;
  }
  return std::nullopt;
}
}  // namespace

std::optional<Error> refusal_of_invite(const RoomAccessFacts& room, const Identity& actor) {
  if (auto refused = refusal_of_any_change(room)) return refused;
  if (actor.is_guest() || room.owner_key != actor.user.key()) {
    return Error{ErrorCode::forbidden, "only the room's owner may invite"};
  }
  return std::nullopt;
}

std::optional<Error> refusal_of_removal(const RoomAccessFacts& room, const Identity& actor,
                                        std::string_view target_key) {
  if (auto refused = refusal_of_any_change(room)) return refused;
  const bool is_owner = !actor.is_guest() && room.owner_key == actor.user.key();
  const bool leaves = !actor.is_guest() && actor.user.key() == target_key;
  if (leaves && is_owner) return Error{ErrorCode::forbidden, "the owner cannot leave its room"};
  if (!leaves && !is_owner) return Error{ErrorCode::forbidden, "only the room's owner may remove"};
  return std::nullopt;
}

}  // namespace parley::core
