// The nodes of a run: the ports parley-bench connects to, and which one each
// client uses. Pure (no sockets), so the unit tests check the spreading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace parley::bench {

// "8001" or "8001,8002,8003": ports 1-65535, none twice. nullopt otherwise.
std::optional<std::vector<std::uint16_t>> parse_ports(std::string_view list);

// The node that member `member` of room `room` connects to. A room's members
// go round robin over the nodes, so a message reaches most of them through
// another node than its sender's; each room starts one node further, so the
// nodes share the connections evenly even when a room has fewer members than
// there are nodes (and the senders, the first members, are spread too).
std::size_t node_of(std::size_t member, std::size_t room, std::size_t nodes);

}  // namespace parley::bench
