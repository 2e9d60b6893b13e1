// Client frames of the wire contract (PROTOCOL.md) as JSON objects, and
// readers for the fields of server frames. Plain functions; any thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::test {

using Frame = boost::json::object;

namespace frames {

Frame join(std::string_view room);
Frame join_since(std::string_view room, std::uint64_t since);
Frame leave(std::string_view room);
Frame send(std::string_view room, std::string_view text, std::string_view id);
Frame typing(std::string_view room);
Frame ping();

}  // namespace frames

// The frame's "type", or "" when it has none.
std::string type_of(const Frame& frame);
bool has_type(const Frame& frame, std::string_view type);
// A string field, or "" when absent or not a string.
std::string string_field(const Frame& frame, std::string_view key);
// "seq" as a number; throws when absent or not a non-negative integer.
std::uint64_t seq_of(const Frame& frame);
std::string to_text(const Frame& frame);

}  // namespace parley::test
