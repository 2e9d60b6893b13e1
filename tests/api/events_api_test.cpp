// POST /api/rooms/R/events and reply_to on POST /api/rooms/R/messages:
// answered like a message post (201 {"room","seq","id"}, 200 for a used id
// or a reaction already as asked), delivered to WebSocket members, and
// refused with the contract's statuses (400, 401, 403, 404, 405, 413),
// storing nothing.
#include "api/events_api.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class EventPosts : public EventsApiTest {
 protected:
  // Checks `response` is an error answer with `status` and `code`.
  static void expect_refusal(const HttpResponse& response, int status, std::string_view code,
                             const std::string& what) {
    EXPECT_EQ(response.status, status) << what << ": " << response.describe();
    EXPECT_EQ(error_code_of(response), code) << what << ": " << response.describe();
  }

  // Checks that what was refused stored nothing: the next message takes
  // `next_seq`.
  void expect_next_seq(std::uint64_t next_seq) {
    EXPECT_EQ(post_new_message("lobby", "after the refusals", "after", alice_), next_seq);
  }
};

TEST_P(EventPosts, EditReactAndDeleteAnswer201WithTheirSeqAndReachWebSocketMembers) {
  start_with_alice_and_bob();
  auto carol = connect_ws("/ws?name=carol");
  join_room(*carol, "lobby");
  ASSERT_EQ(post_new_message("lobby", "hello", "m1", alice_), 1u);

  const HttpResponse edit = post_event("lobby", edit_body(1, "hello, edited", "e1"), alice_);
  const HttpResponse react = post_event("lobby", react_body(1, kThumbs, true, "r1"), bob_);
  const HttpResponse deletion = post_event("lobby", delete_body(1, "d1"), alice_);

  ASSERT_EQ(edit.status, 201) << edit.describe();
  EXPECT_EQ(edit.json(), json::parse(R"({"room":"lobby","seq":2,"id":"e1"})"));
  ASSERT_EQ(react.status, 201) << react.describe();
  EXPECT_EQ(react.json(), json::parse(R"({"room":"lobby","seq":3,"id":"r1"})"));
  ASSERT_EQ(deletion.status, 201) << deletion.describe();
  EXPECT_EQ(deletion.json(), json::parse(R"({"room":"lobby","seq":4,"id":"d1"})"));
  const std::vector<Frame> seen = next_events(*carol, 4);
  for (std::uint64_t seq = 1; seq <= 4; ++seq) EXPECT_EQ(seq_of(seen[seq - 1]), seq);
  EXPECT_EQ(type_of(seen[1]), "edit");
  EXPECT_EQ(string_field(seen[1], "user"), "alice");
  EXPECT_EQ(number_of(seen[1], "target"), 1u);
  EXPECT_EQ(string_field(seen[1], "text"), "hello, edited");
  EXPECT_EQ(type_of(seen[2]), "reaction");
  EXPECT_EQ(string_field(seen[2], "user"), "bob");
  EXPECT_EQ(string_field(seen[2], "emoji"), kThumbs);
  EXPECT_EQ(seen[2].at("on"), json::value(true));
  EXPECT_EQ(type_of(seen[3]), "delete");
  EXPECT_EQ(string_field(seen[3], "id"), "d1");
  EXPECT_EQ(number_of(seen[3], "target"), 1u);
}

TEST_P(EventPosts, ReplyToOnAMessagePostIsStoredAndDelivered) {
  start_with_alice_and_bob();
  auto carol = connect_ws("/ws?name=carol");
  join_room(*carol, "lobby");
  ASSERT_EQ(post_new_message("lobby", "question?", "m1", alice_), 1u);

  const HttpResponse reply = post_reply("lobby", reply_body("answer!", "b1", 1), bob_);

  ASSERT_EQ(reply.status, 201) << reply.describe();
  EXPECT_EQ(number_field(reply.json(), "seq"), 2u);
  const Frame seen = next_events(*carol, 2).back();
  EXPECT_EQ(seq_of(seen), 2u);
  EXPECT_EQ(number_of(seen, "reply_to"), 1u) << to_text(seen);
  EXPECT_EQ(string_field(seen, "text"), "answer!");
}

TEST_P(EventPosts, UsedIdAnswers200WithTheFirstSeqForEveryKind) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "one", "m1", alice_), 1u);
  const std::vector<std::pair<json::object, std::uint64_t>> posts = {
      {edit_body(1, "one, edited", "e1"), 2},
      {react_body(1, kThumbs, true, "r1"), 3},
      {react_body(1, kThumbs, false, "r2"), 4},
      {delete_body(1, "d1"), 5}};
  for (const auto& [body, seq] : posts) ASSERT_EQ(post_new_event("lobby", body, alice_), seq);

  for (const auto& [body, seq] : posts) {
    const HttpResponse again = post_event("lobby", body, alice_);
    EXPECT_EQ(again.status, 200) << again.describe();
    EXPECT_EQ(again.json(), (json::value{{"room", "lobby"}, {"seq", seq}, {"id", body.at("id")}}));
  }
  // The id space is shared with messages, whatever the body says.
  const HttpResponse edit_as_message = post_event("lobby", edit_body(1, "x", "m1"), alice_);
  EXPECT_EQ(edit_as_message.status, 200) << edit_as_message.describe();
  EXPECT_EQ(number_field(edit_as_message.json(), "seq"), 1u);
  const HttpResponse message_as_edit = post_message("lobby", "x", "e1", alice_);
  EXPECT_EQ(message_as_edit.status, 200) << message_as_edit.describe();
  EXPECT_EQ(number_field(message_as_edit.json(), "seq"), 2u);
  const HttpResponse reply_as_delete = post_reply("lobby", reply_body("re", "d1", 1), alice_);
  EXPECT_EQ(reply_as_delete.status, 200) << reply_as_delete.describe();
  EXPECT_EQ(number_field(reply_as_delete.json(), "seq"), 5u);
  expect_next_seq(6);
}

TEST_P(EventPosts, ReactionAlreadyAsAskedAnswers200WithTheSeqThatSetIt) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "react to me", "m1", alice_), 1u);
  ASSERT_EQ(post_new_event("lobby", react_body(1, kThumbs, true, "r1"), bob_), 2u);

  const HttpResponse on_again = post_event("lobby", react_body(1, kThumbs, true, "r2"), bob_);
  const HttpResponse never_on = post_event("lobby", react_body(1, kParty, false, "r3"), bob_);
  const HttpResponse not_alices = post_event("lobby", react_body(1, kThumbs, false, "a1"), alice_);

  EXPECT_EQ(on_again.status, 200) << on_again.describe();
  EXPECT_EQ(on_again.json(), json::parse(R"({"room":"lobby","seq":2,"id":"r2"})"));
  EXPECT_EQ(never_on.status, 200) << never_on.describe();
  EXPECT_EQ(never_on.json(), json::parse(R"({"room":"lobby","seq":0,"id":"r3"})"));
  EXPECT_EQ(not_alices.status, 200) << not_alices.describe();
  EXPECT_EQ(number_field(not_alices.json(), "seq"), 0u) << "reactions are per user";
  expect_next_seq(3);
}

TEST_P(EventPosts, IdSpaceIsOneForWebSocketAndHttp) {
  start_with_alice_and_bob();
  const Session dora = start_guest("dora");
  auto socket = connect_ws(dora);
  join_room(*socket, "lobby");
  ASSERT_TRUE(socket->send_json(frames::send("lobby", "from the socket", "m1")));
  ASSERT_EQ(seq_of(socket->expect("ack")), 1u);
  ASSERT_TRUE(socket->send_json(frames::edit("lobby", 1, "edited on the socket", "e1")));
  ASSERT_EQ(seq_of(socket->expect("ack")), 2u);

  const HttpResponse edit =
      post_event("lobby", edit_body(1, "edited over HTTP", "e1"), cookie_and_csrf(dora));
  const HttpResponse react =
      post_event("lobby", react_body(1, kThumbs, true, "m1"), cookie_and_csrf(dora));

  EXPECT_EQ(edit.status, 200) << edit.describe();
  EXPECT_EQ(number_field(edit.json(), "seq"), 2u);
  EXPECT_EQ(react.status, 200) << react.describe();
  EXPECT_EQ(number_field(react.json(), "seq"), 1u);
  expect_next_seq(3);
}

TEST_P(EventPosts, MalformedEventBodiesAre400) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "one", "m1", alice_), 1u);
  const json::object edit = edit_body(1, "x", "e1");
  const json::object react = react_body(1, kThumbs, true, "r1");
  std::vector<std::pair<json::object, std::string>> bodies;
  const auto with = [](json::object body, std::string_view key, json::value value) {
    body[key] = std::move(value);
    return body;
  };
  const auto without = [](json::object body, std::string_view key) {
    body.erase(key);
    return body;
  };
  bodies.emplace_back(without(edit, "type"), "no type");
  for (const json::value& type : {json::value("send"), json::value("message"),
                                  json::value("reaction"), json::value("EDIT"), json::value(5)}) {
    bodies.emplace_back(with(edit, "type", type), "type " + json::serialize(type));
  }
  bodies.emplace_back(without(edit, "id"), "no id");
  bodies.emplace_back(with(edit, "id", "has space"), "an invalid id");
  bodies.emplace_back(without(delete_body(1, "d1"), "target"), "no target");
  for (const json::value& target :
       {json::value(-1), json::value(1.5), json::value("1"), json::value(nullptr)}) {
    bodies.emplace_back(with(edit, "target", target), "target " + json::serialize(target));
  }
  bodies.emplace_back(with(edit, "text", ""), "empty edit text");
  bodies.emplace_back(without(edit, "text"), "no edit text");
  for (const json::value& emoji : {json::value(""), json::value(kThumbs + " "),
                                   json::value(std::string(33, 'a')), json::value("\t")}) {
    bodies.emplace_back(with(react, "emoji", emoji), "emoji " + json::serialize(emoji));
  }
  bodies.emplace_back(without(react, "on"), "no on");
  bodies.emplace_back(with(react, "on", "yes"), "on \"yes\"");

  for (const auto& [body, what] : bodies) {
    expect_refusal(post_event("lobby", body, alice_), 400, "bad_request", what);
  }
  // Seq 0 is a number, but no message has it.
  expect_refusal(post_event("lobby", with(edit, "target", 0), alice_), 404, "not_found",
                 "target 0");
  expect_refusal(http().post_json("/api/rooms/lobby/events", "{\"type\":", alice_), 400,
                 "bad_request", "not JSON");
  expect_refusal(http().post_json("/api/rooms/lobby/events", "[1]", alice_), 400, "bad_request",
                 "not an object");
  expect_refusal(
      post_event("lobby", with(edit, "text", json::value(std::string(4001, 'a'))), alice_), 413,
      "too_large", "edit text of 4001 characters");
  for (const json::value& reply_to : {json::value(-2), json::value("1")}) {
    expect_refusal(post_reply("lobby", reply_body("re", "m2", reply_to), alice_), 400,
                   "bad_request", "reply_to " + json::serialize(reply_to));
  }
  expect_refusal(post_reply("lobby", reply_body("re", "m2", 0), alice_), 404, "not_found",
                 "reply_to 0");
  expect_next_seq(2);
}

TEST_P(EventPosts, TargetThatIsNotAnUndeletedMessageOfTheRoomIs404) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "one", "m1", alice_), 1u);
  ASSERT_EQ(post_new_event("lobby", edit_body(1, "one, edited", "e1"), alice_), 2u);
  ASSERT_EQ(post_new_message("lobby", "two", "m2", alice_), 3u);
  ASSERT_EQ(post_new_event("lobby", delete_body(3, "d1"), alice_), 4u);
  ASSERT_EQ(post_new_message("other", "elsewhere", "o1", alice_), 1u);

  for (const std::uint64_t target : {2u, 3u, 4u, 5u, 1000u}) {
    const std::string what = "target " + std::to_string(target);
    expect_refusal(post_event("lobby", edit_body(target, "x", "e9"), alice_), 404, "not_found",
                   what);
    expect_refusal(post_event("lobby", delete_body(target, "d9"), alice_), 404, "not_found", what);
    expect_refusal(post_event("lobby", react_body(target, kThumbs, true, "r9"), alice_), 404,
                   "not_found", what);
    expect_refusal(post_reply("lobby", reply_body("re", "m9", target), alice_), 404, "not_found",
                   what);
  }
  // A room that does not exist: not found, and not made by the attempt.
  expect_refusal(post_event("nowhere", react_body(1, kThumbs, true, "r9"), alice_), 404,
                 "not_found", "room nowhere");
  const json::value rooms = http().get("/api/rooms", alice_).json();
  for (const json::value& room : field(rooms, "rooms").as_array()) {
    EXPECT_NE(text_field(room, "name"), "nowhere") << json::serialize(rooms);
  }
  expect_next_seq(5);
}

TEST_P(EventPosts, EditOrDeleteOfAnotherUsersMessageIs403AndAnonymousPostsAre401) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "alice's", "m1", alice_), 1u);

  expect_refusal(post_event("lobby", edit_body(1, "bob's", "e1"), bob_), 403, "forbidden",
                 "bob edits");
  expect_refusal(post_event("lobby", delete_body(1, "d1"), bob_), 403, "forbidden", "bob deletes");
  expect_refusal(post_event("lobby", react_body(1, kThumbs, true, "r1"), {}), 401, "unauthorized",
                 "no identity");

  EXPECT_EQ(post_new_event("lobby", edit_body(1, "alice's own", "e1"), alice_), 2u);
  EXPECT_EQ(post_new_event("lobby", react_body(1, kThumbs, true, "r1"), bob_), 3u);
}

TEST_P(EventPosts, OtherMethodsAre405WithAllow) {
  start_with_alice_and_bob();
  ASSERT_EQ(post_new_message("lobby", "one", "m1", alice_), 1u);
  struct Case {
    std::string method, path, allowed;
  };
  const std::vector<Case> cases = {{"GET", "/api/rooms/lobby/events", "POST"},
                                   {"PUT", "/api/rooms/lobby/events", "POST"},
                                   {"DELETE", "/api/rooms/lobby/events", "POST"},
                                   {"POST", "/api/rooms/lobby/messages/1", "GET"},
                                   {"DELETE", "/api/rooms/lobby/messages/1", "GET"}};
  for (const Case& c : cases) {
    const HttpResponse response =
        http().request(c.method, c.path, alice_, c.method == "POST" ? "{}" : "");
    EXPECT_EQ(response.status, 405) << c.method << " " << c.path << ": " << response.describe();
    const auto allow = response.header("Allow");
    ASSERT_TRUE(allow) << c.method << " " << c.path << ": " << response.describe();
    EXPECT_NE(allow->find(c.allowed), std::string::npos) << c.path << ": Allow " << *allow;
    EXPECT_EQ(allow->find(c.method), std::string::npos) << c.path << ": Allow " << *allow;
  }
  expect_next_seq(2);
}

INSTANTIATE_TEST_SUITE_P(Events, EventPosts, ::testing::ValuesIn(kEventStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
