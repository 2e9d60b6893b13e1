// Direct conversations (PROTOCOL.md, "Private rooms and direct messages"):
// the person a conversation is opened with hears of it at once, as an
// invitee does, so that it shows among their rooms without a reload.
#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class DirectMessagesTest : public ApiTest {
 protected:
  // POST /api/dm; returns the conversation's room, throws unless 200.
  std::string open_direct(const Session& caller, std::string_view user) {
    const HttpResponse response = http().post_json(
        "/api/dm", json::serialize(json::object{{"user", user}}), cookie_and_csrf(caller));
    if (response.status != 200) throw std::runtime_error("dm: " + response.describe());
    return text_field(response.json(), "room");
  }
};

TEST_F(DirectMessagesTest, OpeningAConversationTellsTheOtherPersonOnceAsAnInvitation) {
  start_server();
  const Session ann = register_account("ann");
  const Session bob = register_account("bob");
  auto bob_ws = connect_ws(bob);
  auto ann_ws = connect_ws(ann);

  const std::string room = open_direct(ann, "bob");
  const Frame told = bob_ws->expect("invited");
  EXPECT_EQ(string_field(told, "room"), room);
  EXPECT_EQ(string_field(told, "by"), "ann");

  // Opened again, by either of them: nothing new to tell.
  EXPECT_EQ(open_direct(ann, "bob"), room);
  EXPECT_EQ(open_direct(bob, "ann"), room);
  for (WsClient* ws : {bob_ws.get(), ann_ws.get()}) {
    ASSERT_TRUE(ws->send_json(Frame{{"type", "ping"}}));
    for (const Frame& frame : ws->collect_through("pong")) {
      EXPECT_NE(string_field(frame, "type"), "invited") << to_text(frame);
    }
  }
}

TEST_F(DirectMessagesTest, ARefusedConversationTellsNobody) {
  start_server();
  const Session ann = register_account("ann");
  auto ann_ws = connect_ws(ann);
  const HttpResponse self = http().post_json("/api/dm", R"({"user":"ann"})", cookie_and_csrf(ann));
  EXPECT_EQ(self.status, 400);
  const HttpResponse nobody =
      http().post_json("/api/dm", R"({"user":"nobody"})", cookie_and_csrf(ann));
  EXPECT_EQ(nobody.status, 404);
  ASSERT_TRUE(ann_ws->send_json(Frame{{"type", "ping"}}));
  for (const Frame& frame : ann_ws->collect_through("pong")) {
    EXPECT_NE(string_field(frame, "type"), "invited") << to_text(frame);
  }
}

}  // namespace
}  // namespace parley::test
