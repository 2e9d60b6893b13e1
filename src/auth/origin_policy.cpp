#include "auth/origin_policy.hpp"

#include <algorithm>

namespace parley::auth {

bool is_origin_allowed(std::string_view origin, std::string_view host,
                       const std::vector<std::string>& extra_allowed) {
  if (origin.empty() || origin == "null") return false;
  if (std::find(extra_allowed.begin(), extra_allowed.end(), origin) != extra_allowed.end()) {
    return true;
  }
  if (host.empty()) return false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() == scheme.size() + host.size() && origin.starts_with(scheme) &&
        origin.substr(scheme.size()) == host) {
      return true;
    }
  }
  return false;
}

}  // namespace parley::auth
