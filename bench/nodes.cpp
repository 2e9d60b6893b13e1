#include "nodes.hpp"

#include <algorithm>
#include <charconv>

namespace parley::bench {

std::optional<std::vector<std::uint16_t>> parse_ports(std::string_view list) {
  std::vector<std::uint16_t> ports;
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    unsigned port = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), port);
    if (item.empty() || error != std::errc{} || end != item.data() + item.size()) {
      return std::nullopt;
    }
    if (port == 0 || port > 65535) return std::nullopt;
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) return std::nullopt;
    ports.push_back(static_cast<std::uint16_t>(port));
    if (comma == std::string_view::npos) return ports;
    list.remove_prefix(comma + 1);
  }
}

std::size_t node_of(std::size_t member, std::size_t room, std::size_t nodes) {
  return nodes == 0 ? 0 : (member + room) % nodes;
}

}  // namespace parley::bench
