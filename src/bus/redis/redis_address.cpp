#include "bus/redis/redis_address.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace parley::bus {

std::optional<RedisAddress> parse_redis_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "redis" || parsed->encoded_host().empty()) {
    return std::nullopt;
  }
  RedisAddress address;
  address.host = parsed->host_address();
  if (parsed->has_port()) {
    const std::string_view port = parsed->port();
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    address.port = static_cast<std::uint16_t>(value);
  }
  if (parsed->has_password()) {
    address.user = parsed->user();
    address.password = parsed->password();
  }
  return address;
}

}  // namespace parley::bus
