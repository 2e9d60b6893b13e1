// Read markers: how far each user has read each room, shared by the user's
// devices (PROTOCOL.md, "Read markers, unread counts and mentions"), and
// GET /api/me/rooms with its unread and mention counts.
#include <thread>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ReadMarkersTest : public ApiTest {
 protected:
  // GET /api/me/rooms; throws unless 200.
  json::array my_rooms(const HttpHeaders& identity) {
    const HttpResponse response = http().get("/api/me/rooms", identity);
    if (response.status != 200) throw std::runtime_error("me/rooms: " + response.describe());
    return field(response.json(), "rooms").as_array();
  }

  // The entry of `room` in the caller's rooms; throws when it is not there.
  json::object my_room(const HttpHeaders& identity, std::string_view room) {
    for (const json::value& entry : my_rooms(identity)) {
      if (text_field(entry, "room") == room) return entry.as_object();
    }
    throw std::runtime_error("not among my rooms: " + std::string(room));
  }

  // Waits until `room` is among the caller's rooms (a join notes it without
  // waiting for the store); throws after a few seconds.
  void wait_until_listed(const HttpHeaders& identity, std::string_view room) {
    for (int i = 0; i < 200; ++i) {
      for (const json::value& entry : my_rooms(identity)) {
        if (text_field(entry, "room") == room) return;
      }
      std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("never listed: " + std::string(room));
  }

  HttpResponse post_read(std::string_view room, std::string_view body,
                         const HttpHeaders& identity) {
    return http().post_json("/api/rooms/" + std::string(room) + "/read", body, identity);
  }

  static Frame read_frame(std::string_view room, std::uint64_t seq) {
    return Frame{{"type", "read"}, {"room", room}, {"seq", seq}, {"id", "r1"}};
  }
};

TEST_F(ReadMarkersTest, AJoinListsTheRoomFromItsEndAndCountsWhatOthersWriteAfter) {
  start_server();
  const Session ann = register_account("ann");
  const HttpHeaders bob = cookie_and_csrf(register_account("bob"));
  post_new_message("lobby", "before ann came", "b0", bob);
  auto ann_ws = connect_ws(ann);
  join_room(*ann_ws, "lobby");
  wait_until_listed(cookie_of(ann), "lobby");

  post_new_message("lobby", "hello @ann", "b1", bob);
  post_new_message("lobby", "hello all", "b2", bob);
  post_new_message("lobby", "mine", "a1", cookie_and_csrf(ann));

  const json::object lobby = my_room(cookie_of(ann), "lobby");
  EXPECT_EQ(number_field(lobby, "last_seq"), 4u) << json::serialize(lobby);
  EXPECT_EQ(number_field(lobby, "read_seq"), 1u) << "history before the first visit is not news";
  EXPECT_EQ(number_field(lobby, "unread"), 2u) << "her own message is not unread";
  EXPECT_EQ(number_field(lobby, "mentions"), 1u);
  EXPECT_EQ(lobby.at("private"), false);
  EXPECT_EQ(lobby.at("direct"), false);
}

TEST_F(ReadMarkersTest, AMarkerMovesForwardOnlyAndNeverPastTheRoomsEnd) {
  start_server();
  const Session ann = register_account("ann");
  const HttpHeaders bob = cookie_and_csrf(register_account("bob"));
  for (int i = 1; i <= 4; ++i) {
    post_new_message("lobby", "@ann " + std::to_string(i), "b" + std::to_string(i), bob);
  }

  ASSERT_EQ(post_read("lobby", R"({"seq":2})", cookie_and_csrf(ann)).status, 204);
  json::object lobby = my_room(cookie_of(ann), "lobby");
  EXPECT_EQ(number_field(lobby, "read_seq"), 2u);
  EXPECT_EQ(number_field(lobby, "unread"), 2u);
  EXPECT_EQ(number_field(lobby, "mentions"), 2u);

  ASSERT_EQ(post_read("lobby", R"({"seq":1})", cookie_and_csrf(ann)).status, 204);
  EXPECT_EQ(number_field(my_room(cookie_of(ann), "lobby"), "read_seq"), 2u);
  ASSERT_EQ(post_read("lobby", R"({"seq":99})", cookie_and_csrf(ann)).status, 204);
  lobby = my_room(cookie_of(ann), "lobby");
  EXPECT_EQ(number_field(lobby, "read_seq"), 4u);
  EXPECT_EQ(number_field(lobby, "unread"), 0u);
  EXPECT_EQ(number_field(lobby, "mentions"), 0u);
}

TEST_F(ReadMarkersTest, ReadingOnOneDeviceTellsTheUsersOtherDevicesAndNobodyElse) {
  start_server();
  const Session phone = register_account("ann");
  const Session laptop = log_in("ann");
  const Session bob = register_account("bob");
  for (int i = 1; i <= 3; ++i) {
    post_new_message("lobby", std::to_string(i), "b" + std::to_string(i), cookie_and_csrf(bob));
  }
  auto phone_ws = connect_ws(phone);
  auto laptop_ws = connect_ws(laptop);
  auto bob_ws = connect_ws(bob);

  ASSERT_TRUE(phone_ws->send_json(read_frame("lobby", 2)));

  const Frame told = laptop_ws->expect("read");
  EXPECT_EQ(string_field(told, "room"), "lobby");
  EXPECT_EQ(seq_of(told), 2u);
  // The laptop's marker is the phone's: one per user, not per device.
  EXPECT_EQ(number_field(my_room(cookie_of(laptop), "lobby"), "unread"), 1u);

  ASSERT_EQ(post_read("lobby", R"({"seq":3})", cookie_and_csrf(laptop)).status, 204);
  EXPECT_EQ(seq_of(phone_ws->expect("read")), 3u);
  EXPECT_EQ(seq_of(laptop_ws->expect("read")), 3u) << "an HTTP read is no connection's own";
  for (const Frame& frame : phone_ws->take_within(300ms)) {
    EXPECT_FALSE(has_type(frame, "read")) << "the phone asked: " << to_text(frame);
  }
  for (const Frame& frame : bob_ws->take_within(100ms)) {
    EXPECT_FALSE(has_type(frame, "read")) << "not bob's marker: " << to_text(frame);
  }
}

TEST_F(ReadMarkersTest, AStoredValueIsWhatTheOtherDevicesAreTold) {
  start_server();
  const Session phone = register_account("ann");
  const Session laptop = log_in("ann");
  post_new_message("lobby", "one", "a1", cookie_and_csrf(phone));
  auto laptop_ws = connect_ws(laptop);
  auto phone_ws = connect_ws(phone);

  ASSERT_TRUE(phone_ws->send_json(read_frame("LOBBY", 50)));

  const Frame told = laptop_ws->expect("read");
  EXPECT_EQ(seq_of(told), 1u) << "capped at the room's end";
  EXPECT_EQ(string_field(told, "room"), "lobby") << "as first written";
}

TEST_F(ReadMarkersTest, AGuestSessionHasMarkersButANameOnlyGuestDoesNot) {
  start_server();
  const Session guest = start_guest("Gus");
  post_new_message("lobby", "hi", "g1", cookie_and_csrf(guest));
  ASSERT_EQ(post_read("lobby", R"({"seq":1})", cookie_and_csrf(guest)).status, 204);
  EXPECT_EQ(number_field(my_room(cookie_of(guest), "lobby"), "read_seq"), 1u);

  auto named = connect_ws("/ws?name=Nina");
  join_room(*named, "lobby");
  ASSERT_TRUE(named->send_json(read_frame("lobby", 1)));
  const Frame refused = named->expect("error");
  EXPECT_EQ(string_field(refused, "code"), "unauthorized");
  EXPECT_EQ(string_field(refused, "id"), "r1");
}

TEST_F(ReadMarkersTest, MarkersAndTheListNeedAnIdentity) {
  start_server();
  post_new_message("lobby", "hi", "g1", cookie_and_csrf(start_guest("Gus")));

  EXPECT_EQ(http().get("/api/me/rooms").status, 401);
  const HttpResponse anonymous = post_read("lobby", R"({"seq":1})", {});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(error_code_of(anonymous), "unauthorized");
}

TEST_F(ReadMarkersTest, AMarkerInARoomThatDoesNotExistIsNotFoundAndCreatesNothing) {
  start_server();
  const Session ann = register_account("ann");
  auto ann_ws = connect_ws(ann);

  const HttpResponse posted = post_read("nowhere", R"({"seq":1})", cookie_and_csrf(ann));
  ASSERT_TRUE(ann_ws->send_json(read_frame("elsewhere", 1)));

  EXPECT_EQ(posted.status, 404) << posted.describe();
  EXPECT_EQ(error_code_of(posted), "not_found");
  const Frame refused = ann_ws->expect("error");
  EXPECT_EQ(string_field(refused, "code"), "not_found");
  EXPECT_EQ(string_field(refused, "id"), "r1");
  EXPECT_TRUE(my_rooms(cookie_of(ann)).empty());
  const HttpResponse rooms = http().get("/api/rooms", cookie_of(ann));
  ASSERT_EQ(rooms.status, 200);
  EXPECT_TRUE(field(rooms.json(), "rooms").as_array().empty()) << rooms.body;
}

TEST_F(ReadMarkersTest, AMalformedMarkerIsABadRequest) {
  start_server();
  const Session ann = register_account("ann");
  post_new_message("lobby", "hi", "a1", cookie_and_csrf(ann));
  for (std::string_view body : {R"({})", R"({"seq":-1})", R"({"seq":"1"})", R"({"seq":1.5})",
                                R"({"seq":null})", R"([1])", "seq=1"}) {
    const HttpResponse response = post_read("lobby", body, cookie_and_csrf(ann));
    EXPECT_EQ(response.status, 400) << body << ": " << response.describe();
  }
  auto ann_ws = connect_ws(ann);
  for (const Frame& frame : {Frame{{"type", "read"}, {"room", "lobby"}, {"id", "x"}},
                             Frame{{"type", "read"}, {"room", "lobby"}, {"seq", -3}, {"id", "x"}},
                             Frame{{"type", "read"}, {"room", "lobby"}, {"seq", "2"}, {"id", "x"}},
                             Frame{{"type", "read"}, {"seq", 2}, {"id", "x"}}}) {
    ASSERT_TRUE(ann_ws->send_json(frame));
    const Frame refused = ann_ws->expect("error");
    EXPECT_EQ(string_field(refused, "code"), "bad_request") << to_text(frame);
  }
  EXPECT_EQ(post_read("lobby", R"({"seq":1})", cookie_of(ann)).status, 403)
      << "a change with a cookie needs its CSRF token";
  EXPECT_EQ(http().get("/api/rooms/lobby/read", cookie_of(ann)).status, 405);
  EXPECT_EQ(http().post_json("/api/me/rooms", "{}", cookie_and_csrf(ann)).status, 405);
}

TEST_F(ReadMarkersTest, DeletedMessagesAreNotUnread) {
  start_server();
  const Session ann = register_account("ann");
  const HttpHeaders bob = cookie_and_csrf(register_account("bob"));
  post_new_message("lobby", "first", "b1", bob);
  ASSERT_EQ(post_read("lobby", R"({"seq":1})", cookie_and_csrf(ann)).status, 204);
  const std::uint64_t regret = post_new_message("lobby", "@ann oops", "b2", bob);
  post_new_message("lobby", "fine", "b3", bob);
  const HttpResponse deleted = http().post_json(
      "/api/rooms/lobby/events",
      R"({"type":"delete","target":)" + std::to_string(regret) + R"(,"id":"d1"})", bob);
  ASSERT_EQ(deleted.status, 201) << deleted.describe();

  const json::object lobby = my_room(cookie_of(ann), "lobby");

  EXPECT_EQ(number_field(lobby, "unread"), 1u);
  EXPECT_EQ(number_field(lobby, "mentions"), 0u);
}

}  // namespace
}  // namespace parley::test
