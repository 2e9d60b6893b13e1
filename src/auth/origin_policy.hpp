// Which page origins may open a WebSocket with the session cookie: the
// server's own (the Host the browser used) and those configured. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::auth {

bool is_origin_allowed(std::string_view origin, std::string_view host,
                       const std::vector<std::string>& extra_allowed);

}  // namespace parley::auth
