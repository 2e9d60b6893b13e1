// Who a WebSocket is: a cookie opens one only from an allowed Origin, the
// hello frame names the session's user, and the author of a message is
// always the authenticated user, whatever the request claims.
#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class WsIdentityTest : public ApiTest {};

TEST_F(WsIdentityTest, CookieFromTheServersOwnOriginOpensASocketAsTheSessionsUser) {
  start_server();
  const Session zed = start_guest("Zed");
  WsClient guest;
  ASSERT_EQ(guest.connect(port(), "/ws", cookie_of(zed) + HttpHeaders{{"Origin", own_origin()}}),
            kSwitchingProtocols);
  const Frame hello = guest.expect("hello");
  EXPECT_EQ(string_field(hello, "user"), "Zed") << to_text(hello);
  EXPECT_EQ(hello.at("guest"), true) << to_text(hello);

  const Session alice = register_account("Alice");
  WsClient account;
  ASSERT_EQ(
      account.connect(port(), "/ws", cookie_of(alice) + HttpHeaders{{"Origin", own_origin()}}),
      kSwitchingProtocols);
  const Frame account_hello = account.expect("hello");
  EXPECT_EQ(string_field(account_hello, "user"), "Alice") << to_text(account_hello);
  EXPECT_EQ(account_hello.at("guest"), false) << to_text(account_hello);
}

TEST_F(WsIdentityTest, CookieFromAForeignOriginOrNoneIs403) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::vector<std::string> origins = {
      "https://evil.example",
      "null",
      "http://127.0.0.1:" + std::to_string(port() == 65535 ? 1 : port() + 1),
      "http://127.0.0.1:" + std::to_string(port()) + ".evil.example",
      "http://localhost:" + std::to_string(port()),
  };
  for (const std::string& origin : origins) {
    EXPECT_EQ(upgrade_status("/ws", cookie_of(zed) + HttpHeaders{{"Origin", origin}}), 403)
        << origin;
  }
  EXPECT_EQ(upgrade_status("/ws", cookie_of(zed)), 403) << "no Origin";
  // The cookie with a name does not fall back to a guest by name either.
  EXPECT_EQ(upgrade_status("/ws?name=Other", cookie_of(zed) + HttpHeaders{{"Origin", "null"}}),
            403);
}

TEST_F(WsIdentityTest, AllowedOriginFlagAddsAnOrigin) {
  start_server({"--allowed-origin", "https://x.example"});
  const Session zed = start_guest("Zed");
  WsClient client;
  ASSERT_EQ(
      client.connect(port(), "/ws", cookie_of(zed) + HttpHeaders{{"Origin", "https://x.example"}}),
      kSwitchingProtocols);
  EXPECT_EQ(string_field(client.expect("hello"), "user"), "Zed");
  EXPECT_EQ(upgrade_status("/ws", cookie_of(zed) + HttpHeaders{{"Origin", "https://y.example"}}),
            403);
  // The server's own origin still works.
  connect_ws(zed);
}

TEST_F(WsIdentityTest, AuthorOfAnHttpPostIsTheCaller) {
  start_server();
  const Session carol = start_guest("Carol");
  start_guest("mallory");
  const HttpResponse response = http().post_json(
      "/api/rooms/lobby/messages", R"({"text":"hi","id":"m1","user":"mallory","seq":99})",
      cookie_and_csrf(carol));
  ASSERT_EQ(response.status, 201) << response.describe();
  EXPECT_EQ(number_field(response.json(), "seq"), 1u);
  const json::value history = read_messages("lobby", "after=0", cookie_of(carol));
  const auto& messages = field(history, "messages").as_array();
  ASSERT_EQ(messages.size(), 1u) << json::serialize(history);
  EXPECT_EQ(text_field(messages[0], "user"), "Carol") << json::serialize(history);
  EXPECT_EQ(number_field(messages[0], "seq"), 1u);
}

TEST_F(WsIdentityTest, AuthorOfAWebSocketSendIsTheConnectionsUser) {
  start_server();
  const Session zed = start_guest("Zed");
  auto carol = connect_ws("/ws?name=carol");
  join_room(*carol, "lobby");
  auto watcher = connect_ws(zed);
  join_room(*watcher, "lobby");

  Frame send = frames::send("lobby", "hello", "w1");
  send["user"] = "mallory";
  ASSERT_TRUE(carol->send_json(send));
  const Frame own = carol->expect("message");
  EXPECT_EQ(string_field(own, "user"), "carol") << to_text(own);
  const Frame seen = watcher->expect("message");
  EXPECT_EQ(string_field(seen, "user"), "carol") << to_text(seen);
  const json::value history = read_messages("lobby", "after=0", cookie_of(zed));
  ASSERT_EQ(field(history, "messages").as_array().size(), 1u) << json::serialize(history);
  EXPECT_EQ(text_field(field(history, "messages").as_array()[0], "user"), "carol");
}

}  // namespace
}  // namespace parley::test
