// Short ways to write the valid names the contract tests use. Any thread.
#pragma once

#include <string_view>

#include "core/names.hpp"

namespace parley::contract {

inline core::RoomName room(std::string_view name) {
  return *core::RoomName::parse(name);
}

inline core::UserName user(std::string_view name) {
  return *core::UserName::parse(name);
}

}  // namespace parley::contract
