// Direct messages (PROTOCOL.md, "Private rooms and direct messages"):
// POST /api/dm opens the one room of a pair of accounts, the same whoever
// asks; it is private to those two, has no owner, takes no invites or
// removals, and is listed for both in GET /api/me/rooms before either visits.
#include <algorithm>

#include "api/events_api.hpp"
#include "api/room_access_api.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class DirectMessages : public RoomAccessTest {};

std::vector<std::string> sorted_names(const json::value& object, std::string_view key) {
  std::vector<std::string> names;
  for (const json::value& name : field(object, key).as_array())
    names.emplace_back(name.as_string());
  std::sort(names.begin(), names.end());
  return names;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST_P(DirectMessages, APairHasOneRoomWhoeverOpensItAndEveryPairItsOwn) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");

  const HttpResponse from_ann = open_direct("bob", ann.headers);
  const HttpResponse from_bob = open_direct("ANN", bob.headers);

  ASSERT_EQ(from_ann.status, 200) << from_ann.describe();
  ASSERT_EQ(from_bob.status, 200) << from_bob.describe();
  const std::string room = text_field(from_ann.json(), "room");
  EXPECT_EQ(room.rfind("dm-", 0), 0u) << room;
  EXPECT_LE(room.size(), 64u);
  EXPECT_EQ(from_ann.json(), (json::value{{"room", room}, {"with", "Bob"}}))
      << "the other as registered";
  EXPECT_EQ(from_bob.json(), (json::value{{"room", room}, {"with", "Ann"}}));
  EXPECT_EQ(direct_room(ann, bob), room) << "opened again";
  EXPECT_EQ(direct_room(bob, ann), room);

  const std::string ann_carol = direct_room(ann, carol);
  const std::string bob_carol = direct_room(bob, carol);
  EXPECT_NE(ann_carol, room);
  EXPECT_NE(bob_carol, room);
  EXPECT_NE(bob_carol, ann_carol);
  EXPECT_EQ(direct_room(carol, ann), ann_carol);
}

TEST_P(DirectMessages, OpeningIsRefusedForGuestsOneselfAndUnknownUsers) {
  start();
  const Person ann = account("Ann");
  const Person gus = guest("Gus");

  expect_refusal(open_direct("Ann", gus.headers), 403, "forbidden", "a guest opens");
  expect_refusal(open_direct("Gus", ann.headers), 403, "forbidden", "with a guest session");
  expect_refusal(open_direct("gus", ann.headers), 403, "forbidden", "with a guest, any case");
  expect_refusal(open_direct("nobody", ann.headers), 404, "not_found", "an unknown user");
  expect_refusal(open_direct("Ann", ann.headers), 400, "bad_request", "oneself");
  expect_refusal(open_direct("aNN", ann.headers), 400, "bad_request", "oneself, any case");
  for (const std::string body : {"{}", R"({"user":5})", R"({"user":"bad name"})", "[]"}) {
    expect_refusal(http().post_json("/api/dm", body, ann.headers), 400, "bad_request", body);
  }
  EXPECT_EQ(open_direct("Gus", {}).status, 401);
  EXPECT_EQ(open_direct("Gus", cookie_of(ann.session)).status, 403)
      << "a change with a cookie needs its CSRF token";
  const HttpResponse get = http().get("/api/dm", ann.headers);
  EXPECT_EQ(get.status, 405) << get.describe();

  EXPECT_TRUE(my_rooms(ann.headers).empty()) << json::serialize(my_rooms(ann.headers));
  EXPECT_TRUE(my_rooms(gus.headers).empty()) << json::serialize(my_rooms(gus.headers));
}

TEST_P(DirectMessages, BothChatInTheRoomAndNobodyElseGetsIn) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  const Person gus = guest("Gus");
  const std::string room = direct_room(ann, bob);

  const HttpResponse described = describe(room, ann.headers);
  ASSERT_EQ(described.status, 200) << described.describe();
  const json::value info = described.json();
  EXPECT_EQ(text_field(info, "room"), room);
  EXPECT_EQ(field(info, "private"), true);
  EXPECT_TRUE(field(info, "owner").is_null()) << json::serialize(info);
  EXPECT_EQ(number_field(info, "last_seq"), 0u);
  EXPECT_EQ(sorted_names(info, "members"), (std::vector<std::string>{"Ann", "Bob"}));
  EXPECT_EQ(describe(room, bob.headers).status, 200);

  auto ann_ws = socket_of(ann);
  auto bob_ws = socket_of(bob);
  join_room(*ann_ws, room);
  join_room(*bob_ws, room);
  ASSERT_TRUE(ann_ws->send_json(frames::send(room, "hi Bob", "a1")));
  EXPECT_EQ(seq_of(answer_to(*ann_ws, "a1")), 1u);
  const Frame heard = next_events(*bob_ws, 1).front();
  EXPECT_EQ(string_field(heard, "text"), "hi Bob");
  EXPECT_EQ(string_field(heard, "user"), "Ann");
  EXPECT_EQ(post_new_message(room, "hi Ann", "b1", bob.headers), 2u);
  EXPECT_EQ(string_field(next_events(*ann_ws, 2).back(), "text"), "hi Ann");

  for (WsClient* member : {ann_ws.get(), bob_ws.get()}) frames_until_pong(*member);
  auto carol_ws = socket_of(carol);
  auto nina_ws = connect_ws("/ws?name=nina");
  for (WsClient* outsider : {carol_ws.get(), nina_ws.get()}) {
    EXPECT_EQ(refusal_code(*outsider, with_id(frames::join(room), "j1")), "not_found");
    EXPECT_EQ(refusal_code(*outsider, frames::send(room, "let me in", "s1")), "not_found");
    EXPECT_EQ(refusal_code(*outsider, with_id(frames::typing(room), "t1")), "not_found");
  }
  for (const Person* outsider : {&carol, &gus}) {
    SCOPED_TRACE(outsider->name());
    expect_closed_over_http(room, *outsider);
    expect_page_not_found(room, cookie_of(outsider->session));
    expect_refusal(create_room(room, json::value(false), outsider->headers), 400, "bad_request",
                   "a name kept for direct conversations");
  }
  EXPECT_EQ(http().get("/r/" + room, cookie_of(ann.session)).status, 200);
  for (const Person* person : {&ann, &bob, &carol}) {
    EXPECT_FALSE(contains(listed_rooms(person->headers), room))
        << "GET /api/rooms lists no direct room, for " << person->name();
  }
  for (WsClient* member : {ann_ws.get(), bob_ws.get()}) {
    for (const Frame& frame : frames_until_pong(*member)) {
      EXPECT_FALSE(has_type(frame, "presence") || has_type(frame, "typing") ||
                   has_type(frame, "message"))
          << "from an outsider: " << to_text(frame);
    }
  }
  EXPECT_EQ(seqs_in(read_messages(room, "after=0", bob.headers)),
            (std::vector<std::uint64_t>{1, 2}));
}

TEST_P(DirectMessages, NobodyIsInvitedToOrRemovedFromADirectConversation) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  const std::string room = direct_room(ann, bob);
  auto carol_ws = socket_of(carol);

  expect_refusal(invite(room, "Carol", ann.headers), 403, "forbidden", "ann invites carol");
  expect_refusal(invite(room, "Carol", bob.headers), 403, "forbidden", "bob invites carol");
  expect_refusal(invite(room, "nobody", ann.headers), 403, "forbidden", "ann invites nobody");
  expect_refusal(remove(room, "Bob", ann.headers), 403, "forbidden", "ann removes bob");
  expect_refusal(remove(room, "Ann", ann.headers), 403, "forbidden", "ann leaves");
  expect_refusal(remove(room, "Bob", bob.headers), 403, "forbidden", "bob leaves");
  expect_refusal(invite(room, "Carol", carol.headers), 404, "not_found", "carol invites herself");
  expect_refusal(remove(room, "Ann", carol.headers), 404, "not_found", "carol removes ann");

  EXPECT_EQ(sorted_names(describe(room, bob.headers).json(), "members"),
            (std::vector<std::string>{"Ann", "Bob"}));
  expect_refusal(describe(room, carol.headers), 404, "not_found", "carol was let in");
  for (const Frame& frame : frames_until_pong(*carol_ws)) {
    EXPECT_FALSE(has_type(frame, "invited")) << to_text(frame);
  }
}

TEST_P(DirectMessages, TheRoomIsAmongBothPeoplesRoomsBeforeEitherVisits) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const std::string room = direct_room(ann, bob);

  for (const auto& [person, other] :
       std::vector<std::pair<const Person*, std::string>>{{&ann, "Bob"}, {&bob, "Ann"}}) {
    const auto entry = my_room(person->headers, room);
    ASSERT_TRUE(entry.has_value())
        << person->name() << ": " << json::serialize(my_rooms(person->headers));
    EXPECT_EQ(json::value(*entry), (json::value{{"room", room},
                                                {"private", true},
                                                {"direct", true},
                                                {"with", other},
                                                {"last_seq", 0},
                                                {"read_seq", 0},
                                                {"unread", 0},
                                                {"mentions", 0}}));
  }

  post_new_message(room, "are you there?", "a1", ann.headers);
  post_new_message(room, "@bob hello", "a2", ann.headers);

  const auto bobs = my_room(bob.headers, room);
  ASSERT_TRUE(bobs.has_value());
  EXPECT_EQ(number_field(*bobs, "last_seq"), 2u);
  EXPECT_EQ(number_field(*bobs, "unread"), 2u)
      << "counted from the start: " << json::serialize(*bobs);
  EXPECT_EQ(number_field(*bobs, "mentions"), 1u);
  const auto anns = my_room(ann.headers, room);
  ASSERT_TRUE(anns.has_value());
  EXPECT_EQ(number_field(*anns, "unread"), 0u) << "her own messages are not unread";
  EXPECT_EQ(text_field(*anns, "with"), "Bob");
}

INSTANTIATE_TEST_SUITE_P(Access, DirectMessages, ::testing::ValuesIn(kAccessStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
