// One room, one truth: HTTP and WebSocket clients of a room see the same
// messages with the same seqs, whichever way each message came in.
#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class OneRoomTest : public ApiTest {};

TEST_F(OneRoomTest, HttpPostReachesAWebSocketMemberLiveWithTheSameSeq) {
  start_server();
  auto wendy = connect_ws("/ws?name=Wendy");
  const Frame joined = join_room(*wendy, "lobby");
  EXPECT_EQ(seq_of(joined), 0u);
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  const HttpResponse response = post_message("lobby", "from http", "h1", poster);
  ASSERT_EQ(response.status, 201) << response.describe();
  const std::uint64_t seq = number_field(response.json(), "seq");

  const Frame message = wendy->expect("message");
  EXPECT_EQ(seq_of(message), seq) << to_text(message);
  EXPECT_EQ(string_field(message, "room"), "lobby");
  EXPECT_EQ(string_field(message, "user"), "Poster");
  EXPECT_EQ(string_field(message, "text"), "from http");
  EXPECT_EQ(string_field(message, "id"), "h1");

  const json::value page = read_messages("lobby", "after=0", poster);
  const auto& stored = field(page, "messages").as_array();
  ASSERT_EQ(stored.size(), 1u) << json::serialize(page);
  EXPECT_EQ(number_field(stored[0], "ts"), static_cast<std::uint64_t>(message.at("ts").as_int64()))
      << "the same message, with the same time";
}

TEST_F(OneRoomTest, WebSocketSendIsReadOverHttpWithTheSameSeq) {
  start_server();
  auto sender = connect_ws("/ws?name=Sender");
  join_room(*sender, "lobby");
  ASSERT_TRUE(sender->send_json(frames::send("lobby", "from ws", "s1")));
  const Frame message = sender->expect("message");
  const Frame ack = sender->expect("ack");
  EXPECT_EQ(seq_of(ack), seq_of(message));

  const HttpHeaders reader = cookie_of(start_guest("Reader"));
  const json::value page = read_messages("lobby", "after=0", reader);
  const auto& stored = field(page, "messages").as_array();
  ASSERT_EQ(stored.size(), 1u) << json::serialize(page);
  EXPECT_EQ(number_field(stored[0], "seq"), seq_of(ack));
  EXPECT_EQ(text_field(stored[0], "user"), "Sender");
  EXPECT_EQ(text_field(stored[0], "text"), "from ws");
  EXPECT_EQ(text_field(stored[0], "id"), "s1");
  EXPECT_EQ(number_field(page, "last_seq"), seq_of(ack));
}

TEST_F(OneRoomTest, InterleavedHttpAndWebSocketMessagesShareOneSequence) {
  start_server();
  auto sender = connect_ws("/ws?name=Sender");
  join_room(*sender, "lobby");
  auto watcher = connect_ws("/ws?name=Watcher");
  join_room(*watcher, "lobby");
  const HttpHeaders poster = cookie_and_csrf(start_guest("Poster"));
  for (int i = 0; i < 10; ++i) {
    post_new_message("lobby", "http " + std::to_string(i), "h" + std::to_string(i), poster);
    ASSERT_TRUE(sender->send_json(
        frames::send("lobby", "ws " + std::to_string(i), "s" + std::to_string(i))));
    sender->expect("ack");
  }
  std::vector<std::pair<std::uint64_t, std::string>> live;
  for (int i = 0; i < 20; ++i) {
    const Frame message = watcher->expect("message");
    live.emplace_back(seq_of(message), string_field(message, "text"));
  }
  std::vector<std::pair<std::uint64_t, std::string>> polled;
  const json::value page = read_messages("lobby", "after=0", poster);
  for (const json::value& message : field(page, "messages").as_array()) {
    polled.emplace_back(number_field(message, "seq"), text_field(message, "text"));
  }
  EXPECT_EQ(live, polled);
  for (std::size_t i = 0; i < live.size(); ++i) EXPECT_EQ(live[i].first, i + 1);
}

}  // namespace
}  // namespace parley::test
