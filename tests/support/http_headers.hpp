// Header fields of an HTTP request or response, shared by the HTTP and
// WebSocket test clients. A type only.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace parley::test {

// Request or response header fields, in order; names compare
// case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

}  // namespace parley::test
