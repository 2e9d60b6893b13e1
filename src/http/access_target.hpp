// The request target as access lines show it: the path as sent, and of the
// query only what carries no secret. Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

namespace parley::transport {

// "/api/rooms/a/messages?after=5&limit=10", "/ws?token=*&name=*": the values
// of after, before, limit, wait and since are kept when they are numbers (as
// the contract has them; otherwise "*"); token, name and next keep their names, their values "*";
// any other parameter shows as "*" or "*=*" (its name may be a secret too). A target that is not
// origin-form is "-".
std::string access_target(std::string_view target);

}  // namespace parley::transport
