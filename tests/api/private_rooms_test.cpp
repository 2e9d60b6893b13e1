// Private rooms (PROTOCOL.md, "Private rooms and direct messages"): created
// with POST /api/rooms, described by GET /api/rooms/R, opened to others by
// their owner's invite and closed again by a removal, which cuts the removed
// user's sockets and long polls off at once. To anyone without access every
// endpoint and frame naming the room answers not_found and changes nothing.
#include <algorithm>

#include "api/events_api.hpp"
#include "api/room_access_api.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class PrivateRooms : public RoomAccessTest {};

std::vector<std::string> names_in(const json::value& object, std::string_view key) {
  std::vector<std::string> names;
  for (const json::value& name : field(object, key).as_array())
    names.emplace_back(name.as_string());
  return names;
}

json::value room_json(std::string_view room, bool is_private, json::value owner,
                      std::uint64_t last_seq, const std::vector<std::string>& members) {
  json::array list;
  for (const std::string& member : members) list.emplace_back(member);
  return json::object{{"room", room},
                      {"private", is_private},
                      {"owner", std::move(owner)},
                      {"last_seq", last_seq},
                      {"members", std::move(list)}};
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const Frame kRemovedFromSecret{{"type", "removed"}, {"room", "Secret"}};

FramePredicate presence_of(std::string_view user, std::string_view event) {
  return [user = std::string(user), event = std::string(event)](const Frame& frame) {
    return string_field(frame, "user") == user && string_field(frame, "event") == event;
  };
}

TEST_P(PrivateRooms, CreatingAPrivateRoomAnswers201WithWhatGetShowsAndTheCreatorAsOwner) {
  start();
  const Person ann = account("Ann");

  const HttpResponse created = create_room("Secret", json::value(true), ann.headers);

  ASSERT_EQ(created.status, 201) << created.describe();
  EXPECT_EQ(created.json(), room_json("Secret", true, "Ann", 0, {"Ann"}));
  const HttpResponse described = describe("SECRET", ann.headers);
  ASSERT_EQ(described.status, 200) << described.describe();
  EXPECT_EQ(described.json(), room_json("Secret", true, "Ann", 0, {"Ann"}))
      << "shown as first written, whatever the URL's spelling";
  EXPECT_FALSE(contains(listed_rooms(ann.headers), "Secret")) << "not even for its owner";

  auto ws = socket_of(ann);
  const Frame joined = join_room(*ws, "Secret");
  EXPECT_EQ(names_in(joined, "members"), std::vector<std::string>{"Ann"});
  EXPECT_EQ(post_new_message("secret", "only me", "a1", ann.headers), 1u);
  EXPECT_EQ(number_field(describe("Secret", ann.headers).json(), "last_seq"), 1u);
  EXPECT_EQ(http().get("/r/Secret", cookie_of(ann.session)).status, 200) << "its page, for Ann";
}

TEST_P(PrivateRooms, APublicRoomIsCreatedByDefaultAndAGuestsHasNoOwner) {
  start();
  const Person ann = account("Ann");
  const Person gus = guest("Gus");

  const HttpResponse plaza = create_room("Plaza", std::nullopt, ann.headers);
  const HttpResponse yard = create_room("Yard", json::value(false), gus.headers);

  ASSERT_EQ(plaza.status, 201) << plaza.describe();
  EXPECT_EQ(plaza.json(), room_json("Plaza", false, "Ann", 0, {}));
  ASSERT_EQ(yard.status, 201) << yard.describe();
  EXPECT_EQ(yard.json(), room_json("Yard", false, nullptr, 0, {}));
  const std::vector<std::string> listed = listed_rooms(gus.headers);
  EXPECT_TRUE(contains(listed, "Plaza") && contains(listed, "Yard"));
  // A public room's members are the users online in it.
  auto walker = connect_ws("/ws?name=walker");
  join_room(*walker, "Plaza");
  const HttpResponse described = describe("plaza", gus.headers);
  ASSERT_EQ(described.status, 200) << described.describe();
  EXPECT_EQ(described.json(), room_json("Plaza", false, "Ann", 0, {"walker"}));
  EXPECT_EQ(describe("Yard", ann.headers).json(), room_json("Yard", false, nullptr, 0, {}));
}

TEST_P(PrivateRooms, CreationIsRefusedWithTheContractsStatusesAndMakesNothing) {
  start();
  const Person ann = account("Ann");
  const Person gus = guest("Gus");
  post_new_message("lobby", "made by a post", "g1", gus.headers);
  create_private_room("Secret", ann);

  expect_refusal(create_room("guestroom", json::value(true), gus.headers), 403, "forbidden",
                 "a guest's private room");
  for (const auto& [name, who] : std::vector<std::pair<std::string, const Person*>>{
           {"lobby", &ann}, {"LOBBY", &gus}, {"secret", &ann}, {"SECRET", &gus}}) {
    for (const bool is_private : {true, false}) {
      if (is_private && who == &gus) continue;
      expect_refusal(create_room(name, json::value(is_private), who->headers), 409, "conflict",
                     name + (is_private ? " (private)" : " (public)"));
    }
  }
  for (const std::string name : {"dm-mine", "DM-Mine", "dm-0123456789abcdef0123456789abcdef"}) {
    expect_refusal(create_room(name, json::value(true), ann.headers), 400, "bad_request", name);
    expect_refusal(create_room(name, std::nullopt, gus.headers), 400, "bad_request", name);
  }
  for (const std::string& name :
       std::vector<std::string>{"bad name", "", "-dash", "a/b", std::string(65, 'q')}) {
    expect_refusal(create_room(name, json::value(true), ann.headers), 400, "bad_request",
                   "name \"" + name + "\"");
  }
  for (const json::value& flag : {json::value("yes"), json::value(1), json::value(nullptr),
                                  json::value("true"), json::value(json::array{true})}) {
    expect_refusal(create_room("flagged", flag, ann.headers), 400, "bad_request",
                   "private " + json::serialize(flag));
  }
  expect_refusal(http().post_json("/api/rooms", R"({"private":true})", ann.headers), 400,
                 "bad_request", "no name");
  expect_refusal(http().post_json("/api/rooms", R"({"name":5})", ann.headers), 400, "bad_request",
                 "a name that is a number");
  EXPECT_EQ(create_room("anonymous", json::value(false), {}).status, 401);
  EXPECT_EQ(create_room("forged", json::value(true), cookie_of(ann.session)).status, 403)
      << "a change with a cookie needs its CSRF token";

  for (const std::string name : {"guestroom", "dm-mine", "flagged", "anonymous", "forged"}) {
    expect_refusal(describe(name, ann.headers), 404, "not_found", name + " was made");
  }
  EXPECT_EQ(listed_rooms(ann.headers), std::vector<std::string>{"lobby"});
  EXPECT_EQ(describe("Secret", ann.headers).json(), room_json("Secret", true, "Ann", 0, {"Ann"}));
  EXPECT_EQ(describe("lobby", ann.headers).json(), room_json("lobby", false, nullptr, 1, {}))
      << "a room made by a post has no owner";
}

TEST_P(PrivateRooms, DescribingARoomThatDoesNotExistIs404AndCreatesNothing) {
  start();
  const Person ann = account("Ann");
  const Person gus = guest("Gus");

  expect_refusal(describe("nowhere", ann.headers), 404, "not_found", "nowhere");
  expect_refusal(describe("Nowhere", gus.headers), 404, "not_found", "Nowhere");
  expect_refusal(describe("dm-0123", gus.headers), 404, "not_found", "dm-0123");
  expect_refusal(describe("bad%20name", ann.headers), 400, "bad_request", "an invalid name");
  EXPECT_EQ(describe("nowhere", {}).status, 401);

  EXPECT_TRUE(listed_rooms(ann.headers).empty());
  const HttpResponse created = create_room("NOWHERE", json::value(true), ann.headers);
  EXPECT_EQ(created.status, 201) << "the name was free: " << created.describe();
  EXPECT_EQ(text_field(created.json(), "room"), "NOWHERE");
}

TEST_P(PrivateRooms, ToSomeoneWithoutAccessEveryEndpointAnswers404AndNothingChanges) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person gus = guest("Gus");
  create_private_room("Secret", ann);
  ASSERT_EQ(post_new_message("Secret", "between me and me", "a1", ann.headers), 1u);

  for (const Person* outsider : {&bob, &gus}) {
    SCOPED_TRACE(outsider->name());
    expect_closed_over_http("Secret", *outsider);
    expect_closed_over_http("sEcReT", *outsider);
    EXPECT_FALSE(contains(listed_rooms(outsider->headers), "Secret"));
    EXPECT_FALSE(my_room(outsider->headers, "Secret").has_value()) << "not among their rooms";
    expect_page_not_found("Secret", cookie_of(outsider->session));
    // That the name is taken is all they learn.
    expect_refusal(create_room("secret", json::value(false), outsider->headers), 409, "conflict",
                   "create it public");
  }
  expect_refusal(create_room("secret", json::value(true), bob.headers), 409, "conflict",
                 "create it private");
  expect_page_not_found("Secret", {});

  EXPECT_EQ(describe("Secret", ann.headers).json(), room_json("Secret", true, "Ann", 1, {"Ann"}));
  EXPECT_EQ(seqs_in(read_messages("Secret", "after=0", ann.headers)),
            std::vector<std::uint64_t>{1});
  EXPECT_EQ(http().get("/r/Secret", cookie_of(ann.session)).status, 200);
}

TEST_P(PrivateRooms, HeadIsRefusedToSomeoneWithoutAccessAsItsGetWouldBe) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  ASSERT_EQ(post_new_message("Secret", "between me and me", "a1", ann.headers), 1u);
  for (const char* target : {"/api/rooms/Secret", "/api/rooms/Secret/messages?after=0",
                             "/api/rooms/Secret/messages?before=2", "/api/rooms/Secret/messages/1",
                             "/api/rooms/Secret/members"}) {
    SCOPED_TRACE(target);
    const HttpResponse outsider = http().request("HEAD", target, bob.headers);
    EXPECT_EQ(outsider.status, 404) << outsider.describe();
    EXPECT_TRUE(outsider.body.empty());
    EXPECT_EQ(http().request("HEAD", target, ann.headers).status, 200);
  }
}

TEST_P(PrivateRooms, ARemovalAnswersALongPollForNoMessagesWith404Too) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  HttpClient poll(port());
  ASSERT_TRUE(poll.send_request("GET", "/api/rooms/Secret/messages?after=0&limit=0&wait=30",
                                cookie_of(bob.session)));
  ASSERT_TRUE(wait_for_long_polls(1)) << long_polls_waiting() << " long polls waiting";
  ASSERT_EQ(remove("Secret", "bob", ann.headers).status, 204);
  const auto answer = poll.read_response(5000ms);
  ASSERT_TRUE(answer) << "the long poll is still waiting";
  expect_refusal(*answer, 404, "not_found", "the long poll");
}

TEST_P(PrivateRooms, ToSomeoneWithoutAccessEveryFrameAnswersNotFoundAndNothingReachesTheRoom) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  auto ann_ws = socket_of(ann);
  join_room(*ann_ws, "Secret");
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "mine", "a1")));
  ASSERT_EQ(seq_of(answer_to(*ann_ws, "a1")), 1u);
  frames_until_pong(*ann_ws);  // her own message
  auto bob_ws = socket_of(bob);
  auto nina_ws = connect_ws("/ws?name=nina");

  for (WsClient* outsider : {bob_ws.get(), nina_ws.get()}) {
    for (const std::string room : {"Secret", "secret"}) {
      const std::vector<Frame> refused = {
          with_id(frames::join(room), "j1"),     with_id(frames::join_since(room, 0), "j2"),
          frames::send(room, "let me in", "s1"), frames::send_reply(room, "re", "s2", 1),
          frames::edit(room, 1, "edited", "e1"), frames::react(room, 1, kThumbs, true, "r1"),
          frames::delete_message(room, 1, "d1"), with_id(frames::typing(room), "t1"),
          with_id(frames::leave(room), "l1")};
      for (const Frame& frame : refused) {
        EXPECT_EQ(refusal_code(*outsider, frame), "not_found") << to_text(frame);
      }
    }
  }
  EXPECT_EQ(refusal_code(*bob_ws, with_id(read_frame("Secret", 1), "m1")), "not_found");

  for (const Frame& frame : frames_until_pong(*ann_ws)) {
    EXPECT_FALSE(has_type(frame, "presence") || has_type(frame, "typing") ||
                 has_type(frame, "message"))
        << "from an outsider: " << to_text(frame);
  }
  EXPECT_EQ(describe("Secret", ann.headers).json(), room_json("Secret", true, "Ann", 1, {"Ann"}));
  EXPECT_EQ(members_of("Secret", ann.headers), std::vector<std::string>{"Ann"});
}

TEST_P(PrivateRooms, AReservedNameIsNotCreatedByAJoinAReadOrAPost) {
  start();
  const Person bob = account("Bob");
  auto bob_ws = socket_of(bob);
  const std::string name = "dm-0123456789abcdef";

  EXPECT_EQ(refusal_code(*bob_ws, with_id(frames::join(name), "j1")), "not_found");
  EXPECT_EQ(refusal_code(*bob_ws, frames::send(name, "hello?", "s1")), "not_found");
  EXPECT_EQ(refusal_code(*bob_ws, with_id(read_frame(name, 1), "m1")), "not_found");
  expect_refusal(post_message(name, "hello?", "p1", bob.headers), 404, "not_found", "a post");
  expect_refusal(http().get("/api/rooms/" + name + "/messages?after=0", bob.headers), 404,
                 "not_found", "a poll");
  expect_refusal(http().get("/api/rooms/" + name + "/members", bob.headers), 404, "not_found",
                 "members");
  expect_refusal(http().post_json("/api/rooms/" + name + "/read", R"({"seq":0})", bob.headers), 404,
                 "not_found", "a read marker");
  expect_page_not_found(name, cookie_of(bob.session));

  expect_refusal(describe(name, bob.headers), 404, "not_found", "made by the attempts");
  EXPECT_TRUE(listed_rooms(bob.headers).empty());
  EXPECT_TRUE(my_rooms(bob.headers).empty());
}

TEST_P(PrivateRooms, AnInviteTellsEveryConnectionOfTheInviteeAndOpensTheRoomToThem) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  post_new_message("Secret", "before you came", "a1", ann.headers);
  post_new_message("Secret", "@bob soon", "a2", ann.headers);
  auto bob_in_lobby = socket_of(bob);
  join_room(*bob_in_lobby, "lobby");
  auto bob_idle = socket_of(bob);

  const HttpResponse invited = invite("Secret", "bob", ann.headers);

  ASSERT_EQ(invited.status, 204) << invited.describe();
  const Frame told{{"type", "invited"}, {"room", "Secret"}, {"by", "Ann"}};
  EXPECT_EQ(bob_in_lobby->expect("invited"), told);
  EXPECT_EQ(bob_idle->expect("invited"), told);
  // Listed before the first visit, counted from the room's start.
  const auto listed = my_room(bob.headers, "Secret");
  ASSERT_TRUE(listed) << json::serialize(my_rooms(bob.headers));
  EXPECT_EQ(listed->at("private"), true);
  EXPECT_EQ(listed->at("direct"), false);
  EXPECT_FALSE(listed->contains("with"));
  EXPECT_EQ(number_field(*listed, "last_seq"), 2u);
  EXPECT_EQ(number_field(*listed, "unread"), 2u);
  EXPECT_EQ(number_field(*listed, "mentions"), 1u);
  EXPECT_FALSE(contains(listed_rooms(bob.headers), "Secret"));
  EXPECT_EQ(describe("secret", bob.headers).json(),
            room_json("Secret", true, "Ann", 2, {"Ann", "Bob"}));

  const Frame joined = join_room(*bob_idle, "Secret");
  EXPECT_EQ(seq_of(joined), 2u);
  ASSERT_TRUE(bob_idle->send_json(frames::send("Secret", "thanks", "b1")));
  EXPECT_EQ(seq_of(answer_to(*bob_idle, "b1")), 3u);
  EXPECT_EQ(seqs_in(read_messages("Secret", "before=10", bob.headers)),
            (std::vector<std::uint64_t>{1, 2, 3}));

  // Invited again: 204, and nobody is told twice. The next invite is the
  // next thing each connection hears of.
  const HttpResponse again = invite("Secret", "BOB", ann.headers);
  EXPECT_EQ(again.status, 204) << again.describe();
  create_private_room("Hideout", ann);
  invite_ok("Hideout", bob, ann);
  for (WsClient* socket : {bob_in_lobby.get(), bob_idle.get()}) {
    const std::vector<Frame> heard = socket->collect_through("invited");
    EXPECT_EQ(string_field(heard.back(), "room"), "Hideout") << "told twice of Secret";
  }
}

TEST_P(PrivateRooms, OnlyTheOwnerInvitesAndAStrangerLearnsNothing) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  const Person gus = guest("Gus");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  ASSERT_EQ(create_room("Plaza", json::value(false), ann.headers).status, 201);
  auto carol_ws = socket_of(carol);

  expect_refusal(invite("Secret", "nobody", ann.headers), 404, "not_found", "an unknown user");
  expect_refusal(invite("Secret", "Gus", ann.headers), 404, "not_found", "a guest");
  expect_refusal(invite("Secret", "Carol", bob.headers), 403, "forbidden", "a member invites");
  expect_refusal(invite("Secret", "nobody", bob.headers), 403, "forbidden",
                 "a member invites an unknown user");
  for (const Person* stranger : {&carol, &gus}) {
    for (const std::string user : {"Carol", "Bob", "Ann", "nobody"}) {
      expect_refusal(invite("Secret", user, stranger->headers), 404, "not_found",
                     stranger->name() + " invites " + user);
    }
  }
  expect_refusal(invite("Plaza", "Carol", ann.headers), 400, "bad_request", "a public room");
  expect_refusal(invite("nowhere", "Carol", ann.headers), 404, "not_found", "no such room");
  for (const std::string body : {"{}", R"({"user":5})", R"({"user":"bad name"})", "[]"}) {
    expect_refusal(http().post_json("/api/rooms/Secret/invite", body, ann.headers), 400,
                   "bad_request", body);
  }
  EXPECT_EQ(invite("Secret", "Carol", cookie_of(ann.session)).status, 403)
      << "a change with a cookie needs its CSRF token";
  EXPECT_EQ(invite("Secret", "Carol", {}).status, 401);
  EXPECT_EQ(http().get("/api/rooms/Secret/invite", ann.headers).status, 405);

  EXPECT_EQ(describe("Secret", ann.headers).json(),
            room_json("Secret", true, "Ann", 0, {"Ann", "Bob"}));
  expect_refusal(describe("Secret", carol.headers), 404, "not_found", "carol was let in");
  for (const Frame& frame : frames_until_pong(*carol_ws)) {
    EXPECT_FALSE(has_type(frame, "invited")) << to_text(frame);
  }
}

TEST_P(PrivateRooms, ARemovalCutsTheMembersSocketsAndLongPollOffAtOnce) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  invite_ok("Secret", carol, ann);
  auto ann_ws = socket_of(ann);
  auto carol_ws = socket_of(carol);
  join_room(*ann_ws, "Secret");
  join_room(*carol_ws, "Secret");
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "welcome", "a1")));
  ASSERT_EQ(seq_of(answer_to(*ann_ws, "a1")), 1u);

  // Bob waits on a long poll, and is in the room on one socket of two.
  HttpClient poll(port());
  ASSERT_TRUE(poll.send_request("GET", "/api/rooms/Secret/messages?after=1&wait=30",
                                cookie_of(bob.session)));
  ASSERT_TRUE(wait_for_long_polls(1)) << long_polls_waiting() << " long polls waiting";
  carol_ws->expect("presence", presence_of("Bob", "join"));
  auto bob_in = socket_of(bob);
  join_room(*bob_in, "Secret");
  auto bob_out = socket_of(bob);
  frames_until_pong(*bob_in);

  const HttpResponse removed = remove("Secret", "bob", ann.headers);

  ASSERT_EQ(removed.status, 204) << removed.describe();
  EXPECT_EQ(bob_in->expect("removed"), kRemovedFromSecret);
  EXPECT_EQ(bob_out->expect("removed"), kRemovedFromSecret);
  const auto answer = poll.read_response(5000ms);
  ASSERT_TRUE(answer) << "the long poll is still waiting";
  expect_refusal(*answer, 404, "not_found", "the long poll");
  EXPECT_EQ(long_polls_waiting(), 0);

  // The others see Bob leave once; then the room goes on without him.
  ASSERT_TRUE(ann_ws->send_json(frames::send("Secret", "he is gone", "a2")));
  ASSERT_TRUE(carol_ws->send_json(frames::typing("Secret")));
  ann_ws->expect("typing");
  const std::vector<Frame> carol_saw = carol_ws->collect_until(
      [](const Frame& f) { return has_type(f, "message") && seq_of(f) == 2; });
  EXPECT_EQ(std::count_if(carol_saw.begin(), carol_saw.end(),
                          [](const Frame& f) {
                            return has_type(f, "presence") && string_field(f, "user") == "Bob";
                          }),
            1)
      << "one presence leave of Bob";
  EXPECT_TRUE(std::any_of(carol_saw.begin(), carol_saw.end(),
                          [](const Frame& f) { return presence_of("Bob", "leave")(f); }));
  for (WsClient* socket : {bob_in.get(), bob_out.get()}) {
    for (const Frame& frame : frames_until_pong(*socket)) {
      EXPECT_FALSE(is_of_room(frame, "Secret")) << "after the removal: " << to_text(frame);
    }
  }

  // Whatever the removed user tries is refused as if the room did not exist.
  EXPECT_EQ(refusal_code(*bob_in, frames::send("Secret", "wait!", "b1")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, frames::edit("Secret", 1, "x", "b2")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, frames::react("Secret", 1, kThumbs, true, "b3")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, with_id(frames::typing("Secret"), "b4")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, with_id(read_frame("Secret", 2), "b5")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, with_id(frames::leave("Secret"), "b6")), "not_found");
  EXPECT_EQ(refusal_code(*bob_in, with_id(frames::join_since("Secret", 0), "b7")), "not_found");
  expect_closed_over_http("Secret", bob);
  expect_page_not_found("Secret", cookie_of(bob.session));
  EXPECT_FALSE(my_room(bob.headers, "Secret").has_value())
      << json::serialize(my_rooms(bob.headers));
  EXPECT_EQ(describe("Secret", carol.headers).json(),
            room_json("Secret", true, "Ann", 2, {"Ann", "Carol"}));
  std::vector<std::string> online = members_of("Secret", ann.headers);
  std::sort(online.begin(), online.end());
  EXPECT_EQ(online, (std::vector<std::string>{"Ann", "Carol"}));
}

TEST_P(PrivateRooms, AMemberLeavesByNamingThemselfButTheOwnerCannotLeave) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  const Person dave = account("Dave");
  const Person gus = guest("Gus");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  invite_ok("Secret", carol, ann);
  ASSERT_EQ(create_room("Plaza", json::value(false), ann.headers).status, 201);
  auto ann_ws = socket_of(ann);
  auto bob_ws = socket_of(bob);
  join_room(*ann_ws, "Secret");
  join_room(*bob_ws, "Secret");

  expect_refusal(remove("Secret", "Ann", ann.headers), 403, "forbidden", "the owner leaves");
  expect_refusal(remove("Secret", "Carol", bob.headers), 403, "forbidden", "a member removes");
  expect_refusal(remove("Secret", "Ann", bob.headers), 403, "forbidden",
                 "a member removes the owner");
  for (const Person* stranger : {&dave, &gus}) {
    for (const std::string& user :
         std::vector<std::string>{"Bob", "Ann", "nobody", stranger->name()}) {
      expect_refusal(remove("Secret", user, stranger->headers), 404, "not_found",
                     stranger->name() + " removes " + user);
    }
  }
  expect_refusal(remove("Secret", "nobody", ann.headers), 404, "not_found", "an unknown user");
  expect_refusal(remove("Plaza", "Bob", ann.headers), 400, "bad_request", "a public room");
  EXPECT_EQ(http().get("/api/rooms/Secret/remove", ann.headers).status, 405);
  EXPECT_EQ(describe("Secret", ann.headers).json(),
            room_json("Secret", true, "Ann", 0, {"Ann", "Bob", "Carol"}));

  const HttpResponse left = remove("Secret", "BOB", bob.headers);

  ASSERT_EQ(left.status, 204) << left.describe();
  EXPECT_EQ(bob_ws->expect("removed"), kRemovedFromSecret);
  ann_ws->expect("presence", presence_of("Bob", "leave"));
  EXPECT_EQ(describe("Secret", ann.headers).json(),
            room_json("Secret", true, "Ann", 0, {"Ann", "Carol"}));
  expect_refusal(describe("Secret", bob.headers), 404, "not_found", "after leaving");
  expect_refusal(remove("Secret", "Bob", bob.headers), 404, "not_found", "leaving twice");

  // Invited again, Bob is back.
  invite_ok("Secret", bob, ann);
  EXPECT_EQ(string_field(bob_ws->expect("invited"), "room"), "Secret");
  join_room(*bob_ws, "Secret");
  ann_ws->expect("presence", presence_of("Bob", "join"));
}

TEST_P(PrivateRooms, TheOwnerMayDeleteAMembersMessageButNobodyEditsAnothers) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  const Person carol = account("Carol");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  invite_ok("Secret", carol, ann);
  ASSERT_EQ(post_new_message("Secret", "bob one", "b1", bob.headers), 1u);
  ASSERT_EQ(post_new_message("Secret", "bob two", "b2", bob.headers), 2u);
  ASSERT_EQ(post_new_message("Secret", "carol one", "c1", carol.headers), 3u);
  const auto post = [&](const json::object& body, const Person& who) {
    return http().post_json("/api/rooms/Secret/events", json::serialize(body), who.headers);
  };

  EXPECT_EQ(post_new_event("Secret", delete_body(1, "d1"), ann.headers), 4u);
  expect_refusal(post(delete_body(2, "d2"), carol), 403, "forbidden", "a member deletes");
  expect_refusal(post(delete_body(3, "d3"), bob), 403, "forbidden", "a member deletes");
  expect_refusal(post(edit_body(2, "ann's words", "e1"), ann), 403, "forbidden", "the owner edits");
  expect_refusal(post(edit_body(2, "carol's words", "e2"), carol), 403, "forbidden",
                 "a member edits");
  auto ann_ws = socket_of(ann);
  join_room(*ann_ws, "Secret");
  ASSERT_TRUE(ann_ws->send_json(frames::delete_message("Secret", 3, "d4")));
  EXPECT_EQ(seq_of(answer_to(*ann_ws, "d4")), 5u) << "over WebSocket too";

  EXPECT_EQ(post_new_event("Secret", edit_body(2, "bob two, edited", "e3"), bob.headers), 6u);
  const json::value page = read_messages("Secret", "before=10", ann.headers);
  const auto& messages = messages_of(page);
  ASSERT_EQ(messages.size(), 3u) << json::serialize(page);
  EXPECT_EQ(messages[0].as_object().at("deleted"), true);
  EXPECT_EQ(text_field(messages[1], "text"), "bob two, edited");
  EXPECT_EQ(messages[2].as_object().at("deleted"), true);
}

TEST_P(PrivateRooms, AJoinWithSinceReplaysWhatWasEditedDeletedAndReactedWhileAwayOnceEach) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  auto bob_ws = socket_of(bob);
  join_room(*bob_ws, "Secret");
  ASSERT_EQ(post_new_message("Secret", "one", "a1", ann.headers), 1u);
  ASSERT_EQ(post_new_message("Secret", "two", "a2", ann.headers), 2u);
  ASSERT_EQ(seq_of(next_events(*bob_ws, 2).back()), 2u);
  bob_ws->close();

  ASSERT_EQ(post_new_event("Secret", edit_body(1, "one, edited", "e1"), ann.headers), 3u);
  ASSERT_EQ(post_new_event("Secret", react_body(2, kThumbs, true, "r1"), ann.headers), 4u);
  ASSERT_EQ(post_new_event("Secret", delete_body(2, "d1"), ann.headers), 5u);
  ASSERT_EQ(post_new_message("Secret", "three", "a3", ann.headers), 6u);

  bob_ws = socket_of(bob);
  ASSERT_TRUE(bob_ws->send_json(frames::join_since("Secret", 2)));
  EXPECT_EQ(seq_of(bob_ws->expect("joined")), 6u);
  const std::vector<Frame> replayed = next_events(*bob_ws, 4);
  ASSERT_EQ(post_new_message("Secret", "four", "a4", ann.headers), 7u);
  const Frame live = next_events(*bob_ws, 1).front();

  std::vector<std::uint64_t> seqs;
  std::vector<std::string> types;
  for (const Frame& frame : replayed) {
    seqs.push_back(seq_of(frame));
    types.push_back(type_of(frame));
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(types, (std::vector<std::string>{"edit", "reaction", "delete", "message"}));
  EXPECT_EQ(number_of(replayed[0], "target"), 1u);
  EXPECT_EQ(string_field(replayed[0], "text"), "one, edited");
  EXPECT_EQ(string_field(replayed[1], "emoji"), kThumbs);
  EXPECT_EQ(number_of(replayed[2], "target"), 2u);
  EXPECT_EQ(seq_of(live), 7u) << "nothing twice: " << to_text(live);
}

TEST_P(PrivateRooms, AResentMessageInAPrivateRoomIsStoredAndDeliveredOnce) {
  start();
  const Person ann = account("Ann");
  const Person bob = account("Bob");
  create_private_room("Secret", ann);
  invite_ok("Secret", bob, ann);
  auto ann_ws = socket_of(ann);
  auto bob_ws = socket_of(bob);
  join_room(*ann_ws, "Secret");
  join_room(*bob_ws, "Secret");

  ASSERT_TRUE(bob_ws->send_json(frames::send("Secret", "once", "b1")));
  EXPECT_EQ(seq_of(answer_to(*bob_ws, "b1")), 1u);
  ASSERT_TRUE(bob_ws->send_json(frames::send("Secret", "once", "b1")));
  EXPECT_EQ(seq_of(answer_to(*bob_ws, "b1")), 1u) << "the resend is acked with the first seq";
  const HttpResponse over_http = post_message("Secret", "once", "b1", bob.headers);
  EXPECT_EQ(over_http.status, 200) << over_http.describe();
  EXPECT_EQ(number_field(over_http.json(), "seq"), 1u);
  ASSERT_EQ(post_new_message("Secret", "twice", "b2", bob.headers), 2u);
  const HttpResponse again = post_message("Secret", "twice", "b2", bob.headers);
  EXPECT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(number_field(again.json(), "seq"), 2u);
  ASSERT_TRUE(bob_ws->send_json(frames::send("Secret", "third", "b3")));
  EXPECT_EQ(seq_of(answer_to(*bob_ws, "b3")), 3u);

  const std::vector<Frame> seen = next_events(*ann_ws, 3);
  EXPECT_EQ(seq_of(seen[0]), 1u);
  EXPECT_EQ(seq_of(seen[1]), 2u);
  EXPECT_EQ(seq_of(seen[2]), 3u) << "broadcast once each";
  EXPECT_EQ(seqs_in(read_messages("Secret", "after=0", ann.headers)),
            (std::vector<std::uint64_t>{1, 2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Access, PrivateRooms, ::testing::ValuesIn(kAccessStores),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::test
