// Events as bytes between nodes: a JSON header line, then the frame verbatim
// (members get exactly the bytes the publishing node built). What comes from
// the wire is checked like any input. Any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bus/event.hpp"

namespace parley::bus {

std::string encode_event(const Event& event);
// The event, or nothing when `bytes` is not one this version writes.
std::optional<Event> decode_event(std::string_view bytes);

}  // namespace parley::bus
