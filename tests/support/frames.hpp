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
// A send answering an earlier message of the room (v2).
Frame send_reply(std::string_view room, std::string_view text, std::string_view id,
                 std::uint64_t reply_to);
// The v2 events on message `target` of `room`: edit, delete, react.
Frame edit(std::string_view room, std::uint64_t target, std::string_view text, std::string_view id);
Frame delete_message(std::string_view room, std::uint64_t target, std::string_view id);
Frame react(std::string_view room, std::uint64_t target, std::string_view emoji, bool on,
            std::string_view id);
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
// A field as a non-negative integer; throws when absent or not one.
std::uint64_t number_of(const Frame& frame, std::string_view key);
std::string to_text(const Frame& frame);

}  // namespace parley::test
