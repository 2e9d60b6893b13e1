// Where a Redis server is, from a URL: redis://[[user]:password@]host[:port]. Plain
// value; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bus {

struct RedisAddress {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH password)
  std::string password;  // empty: no AUTH
};

// The address, or nothing when `url` is not a redis:// URL with a host.
std::optional<RedisAddress> parse_redis_url(std::string_view url);

}  // namespace parley::bus
