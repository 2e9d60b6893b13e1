#include "history.hpp"

#include <set>
#include <stdexcept>

namespace parley::test {

std::vector<Frame> read_history(std::uint16_t port, std::string_view room,
                                std::string_view reader) {
  WsClient client;
  if (client.connect(port, name_target(reader)) != kSwitchingProtocols) {
    throw std::runtime_error("cannot connect to read the history");
  }
  client.expect("hello");
  const Frame joined = join_since(client, room, 0);
  if (joined.contains("truncated")) {
    throw std::runtime_error("the history replay was truncated: " + to_text(joined));
  }
  const std::uint64_t last = seq_of(joined);
  if (last == 0) return {};
  return messages_through(client, room, last, std::chrono::seconds(30));
}

void expect_history_keeps(const std::vector<Frame>& history, const AckedMessages& acked) {
  EXPECT_EQ(seqs_of(history), seq_range(1, history.size())) << "gap-free from 1";
  std::map<std::string, const Frame*> by_id;
  for (const Frame& message : history) {
    const std::string id = string_field(message, "id");
    EXPECT_TRUE(by_id.emplace(id, &message).second) << "id stored twice: " << id;
  }
  std::size_t missing = 0;
  for (const auto& [id, message] : acked) {
    auto found = by_id.find(id);
    if (found == by_id.end()) {
      if (++missing <= 10) ADD_FAILURE() << "acked message lost: " << id << " seq " << message.seq;
      continue;
    }
    EXPECT_EQ(seq_of(*found->second), message.seq) << id;
    EXPECT_EQ(string_field(*found->second, "text"), message.text) << id;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acked messages";
}

}  // namespace parley::test
