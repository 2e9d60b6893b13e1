#include "net/trusted_proxies.hpp"

#include <algorithm>
#include <optional>

namespace parley::transport {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// One X-Forwarded-For entry: an address, "[v6]" or "[v6]:port", or "v4:port".
std::optional<ip::address> parse_entry(std::string_view entry) {
  entry = trim(entry);
  if (entry.starts_with('[')) {
    const std::size_t end = entry.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    entry = entry.substr(1, end - 1);
  } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
    entry = entry.substr(0, entry.find(':'));
  }
  boost::system::error_code error;
  const ip::address address = ip::make_address(std::string(entry), error);
  if (error) return std::nullopt;
  return unmapped(address);
}

bool is_https(std::string_view proto) {
  const std::size_t comma = proto.rfind(',');
  if (comma != std::string_view::npos) proto = proto.substr(comma + 1);
  proto = trim(proto);
  return proto.size() == 5 && std::equal(proto.begin(), proto.end(), "https",
                                         [](char a, char b) { return (a | 0x20) == b; });
}

}  // namespace

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

bool TrustedProxies::add(std::string_view cidr) {
  const std::string text(trim(cidr));
  boost::system::error_code error;
  if (text.find('/') == std::string::npos) {
    const ip::address given = ip::make_address(text, error);
    if (error) return false;
    // ::ffff:10.0.0.1 is 10.0.0.1: peers are compared unmapped too.
    const ip::address address = unmapped(given);
    if (address.is_v4()) {
      v4_.emplace_back(address.to_v4(), 32);
    } else {
      v6_.emplace_back(address.to_v6(), 128);
    }
    return true;
  }
  if (text.find(':') == std::string::npos) {
    const ip::network_v4 network = ip::make_network_v4(text, error);
    if (error) return false;
    v4_.push_back(network.canonical());
  } else {
    const ip::network_v6 network = ip::make_network_v6(text, error);
    if (error) return false;
    v6_.push_back(network.canonical());
  }
  return true;
}

bool TrustedProxies::contains(const ip::address& any) const {
  const ip::address address = unmapped(any);
  if (address.is_v4()) {
    return std::any_of(v4_.begin(), v4_.end(), [&](const ip::network_v4& network) {
      return ip::network_v4(address.to_v4(), network.prefix_length()).canonical() == network;
    });
  }
  return std::any_of(v6_.begin(), v6_.end(), [&](const ip::network_v6& network) {
    return ip::network_v6(address.to_v6(), network.prefix_length()).canonical() == network;
  });
}

ForwardedClient TrustedProxies::resolve(const ip::address& peer, std::string_view forwarded_for,
                                        std::string_view forwarded_proto) const {
  ForwardedClient client{unmapped(peer), false};
  if (!contains(client.address)) return client;
  // From the right: each hop added the address it was reached from.
  std::string_view rest = forwarded_for;
  while (!trim(rest).empty()) {
    const std::size_t comma = rest.rfind(',');
    const std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    const auto address = parse_entry(entry);
    if (!address) break;
    client.address = *address;
    if (!contains(*address)) break;
  }
  client.is_https = is_https(forwarded_proto);
  return client;
}

}  // namespace parley::transport
