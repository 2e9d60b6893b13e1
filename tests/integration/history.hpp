// Reading a room's whole history back over WebSocket (a join with since=0),
// for the tests that restart the server and check what it kept.
#pragma once

#include <map>
#include <string>

#include "chat_test.hpp"

namespace parley::test {

struct AckedMessage {
  std::uint64_t seq = 0;
  std::string text;
};

// client id -> what was acked for it.
using AckedMessages = std::map<std::string, AckedMessage>;

// Joins `room` with since=0 on a new connection as `reader` and returns
// every replayed message, oldest first. The server needs a replay limit
// above the room's size.
std::vector<Frame> read_history(std::uint16_t port, std::string_view room,
                                std::string_view reader = "historian");

// Checks that `history` is gap-free from seq 1, holds every id at most once,
// and holds every acked message once with its seq and text.
void expect_history_keeps(const std::vector<Frame>& history, const AckedMessages& acked);

}  // namespace parley::test
