// The fixture of the integration tests: each test starts its own parley
// process (tests stay independent) and talks to it over WebSocket. The
// helpers throw, with a description, when the server does not answer as the
// contract says; GoogleTest reports that as the test's failure.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/frames.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

namespace parley::test {

// Arguments for a server whose history need not outlive it.
inline const std::vector<std::string> kMemoryStore = {"--store", "memory"};
inline const std::vector<std::string> kSqliteStore = {"--store", "sqlite"};

std::string name_target(std::string_view name);

class ChatTest : public ::testing::Test {
 protected:
  void TearDown() override;

  ServerProcess& start_server(std::vector<std::string> arguments = kMemoryStore);
  ServerProcess& server() { return *server_; }

  // The status of an upgrade of `target` (101 when it succeeds).
  int upgrade_status(std::string_view target);
  // A guest connection as `name`, past its hello frame.
  std::unique_ptr<WsClient> connect(std::string_view name);
  // As connect, but retries while the name is still held (409) by a
  // connection that the server is tearing down.
  std::unique_ptr<WsClient> connect_when_free(std::string_view name,
                                              Duration timeout = kDefaultTimeout);

  std::unique_ptr<ServerProcess> server_;
};

// Joins `room` and returns the joined frame.
Frame join(WsClient& client, std::string_view room);
Frame join_since(WsClient& client, std::string_view room, std::uint64_t since);
// Sends one message and returns the seq of its ack.
std::uint64_t send_and_ack(WsClient& client, std::string_view room, std::string_view text,
                           std::string_view id);
// Sends `count` messages without waiting (ids `id_prefix`0, 1, ...), then
// reads until every ack is in; returns the acked seqs in arrival order and
// drops the other frames that came meanwhile.
std::vector<std::uint64_t> send_burst(WsClient& client, std::string_view room, int count,
                                      std::string_view id_prefix);
// Pings and returns every frame received before the pong.
std::vector<Frame> frames_before_pong(WsClient& client);
// Reads `room`'s message frames until one with seq >= `last_seq`; throws
// on timeout. Other frames are left in the inbox.
std::vector<Frame> messages_through(WsClient& client, std::string_view room, std::uint64_t last_seq,
                                    Duration timeout = kDefaultTimeout);
// The seqs of `messages`, in order.
std::vector<std::uint64_t> seqs_of(const std::vector<Frame>& messages);
// first, first + 1, ..., last.
std::vector<std::uint64_t> seq_range(std::uint64_t first, std::uint64_t last);
// A matcher for frames of room `room` (compared as written).
FramePredicate in_room(std::string_view room);

}  // namespace parley::test
