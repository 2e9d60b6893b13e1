// What one seq of a room holds: a message, or a change to an earlier one
// (its edit, its delete, a reaction to it). Every kind takes the room's next
// seq, so a room's history is one gap-free sequence of events. Plain values;
// any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_code.hpp"

namespace parley::core {

// Stored as its number: never renumber.
enum class EventKind : std::uint8_t { message = 0, edit = 1, deletion = 2, reaction = 3 };

// Who reacted to a message with one emoji, in the order they did.
struct Reaction {
  std::string emoji;
  std::vector<std::string> users;
};

// The event's "type" on the wire: "message", "edit", "delete", "reaction".
std::string_view wire_type(EventKind kind);

// An emoji of a reaction: 1-32 bytes of UTF-8 with no white space and no
// control character. nullopt when valid, else why not (bad_request).
std::optional<Error> check_emoji(std::string_view emoji);

}  // namespace parley::core
