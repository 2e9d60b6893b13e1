// The names held by guests now, so that two guests never share one. A claim
// is released when its holder goes (the connection closes). I/O thread only.
#pragma once

#include <string>
#include <unordered_set>

#include "core/names.hpp"

namespace parley::auth {

class GuestNames {
 public:
  // True when `name` was free and is now held.
  [[nodiscard]] bool claim(const core::UserName& name) { return held_.insert(name.key()).second; }
  void release(const core::UserName& name) { held_.erase(name.key()); }
  bool is_held(const core::UserName& name) const { return held_.contains(name.key()); }
  const std::unordered_set<std::string>& held_keys() const { return held_; }

 private:
  std::unordered_set<std::string> held_;  // by user key
};

}  // namespace parley::auth
